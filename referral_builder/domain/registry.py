"""Every rule type is declared once, on the function that implements it.

A decorator (`filter_rule`, `case_rule`) records the rule's name, kind, parameters (type,
default, required) and a one-line description of when it passes. The engine and the planner
dispatch through `FILTERS` and `CASE_RULES`; `schemas/checklist.py` builds its validation of
checklist files from the same declarations; the rule tables of evidence_checklists/README.md
are written from them (`python -m referral_builder.domain.docs`). Conditions are declared the
same way in `conditions.py`; the value types are in `params.py`.

Importing `referral_builder.domain.rules` loads every rule module, so the tables are full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .checklist import Rule
from .params import (
    ADJUSTED_FORMULA,
    BASIS,
    FLAG,
    ITEM,
    NUMBER,
    SELECTOR,
    TEXT,
    THRESHOLD,
    UNRESOLVED_N,
    WHOLE,
    WORDS,
    Param,
    ValueType,
    names,
    one_of,
)

if TYPE_CHECKING:
    from .context import Context
    from .model import Event

FilterFn = Callable[["Context", "Event", Rule], "str | None"]
CaseResult = tuple[bool, list[str], list[str]]
CaseFn = Callable[["Context", Rule], CaseResult]
RuleKind = Literal["filter", "case"]

__all__ = [
    "ADJUSTED_FORMULA",
    "BASIS",
    "CASE_RULES",
    "FILTERS",
    "FLAG",
    "ITEM",
    "NUMBER",
    "SELECTOR",
    "TEXT",
    "THRESHOLD",
    "UNRESOLVED_N",
    "WHOLE",
    "WORDS",
    "CaseFn",
    "CaseResult",
    "FilterFn",
    "Param",
    "RuleSpec",
    "ValueType",
    "case_rule",
    "filter_rule",
    "names",
    "one_of",
]


# ---- rules -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSpec:
    name: str
    kind: RuleKind
    params: tuple[Param, ...]
    description: str
    fn: Callable[..., Any]
    #: A case rule that depends on the register alone: the planner can plan no step for it.
    register_only: bool = False
    #: A case rule whose figures say where the pupil stands in a process (the plan shows it).
    standing: bool = False

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params if p.default is not None}

    def bind(self, rule: Rule) -> Rule:
        """The rule as written, with the declared defaults for the parameters it leaves out."""
        defaults = self.defaults
        if not defaults or defaults.keys() <= rule.params.keys():
            return rule
        return Rule(rule.name, {**defaults, **rule.params}, rule.warn)


#: Rules applied to each candidate event, by name, in the order they are declared.
FILTERS: dict[str, RuleSpec] = {}
#: Rules that judge the case or the register as a whole.
CASE_RULES: dict[str, RuleSpec] = {}

F = TypeVar("F", bound=Callable[..., Any])


def _register(table: dict[str, RuleSpec], kind: RuleKind, name: str | None,
              params: Sequence[Param], description: str, register_only: bool = False,
              standing: bool = False) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        rule_name = name or fn.__name__
        if rule_name in FILTERS or rule_name in CASE_RULES:
            raise ValueError(f"rule {rule_name!r} is declared twice")
        given = [p.name for p in params]
        if len(set(given)) != len(given):
            raise ValueError(f"rule {rule_name!r} names a parameter twice")
        table[rule_name] = RuleSpec(rule_name, kind, tuple(params),
                                    " ".join(description.split()), fn, register_only, standing)
        return fn
    return decorate


def filter_rule(*params: Param, passes: str, name: str | None = None
                ) -> Callable[[F], F]:
    """Declare a filter rule: `fn(ctx, event, rule)` returns None when the event passes, the
    reason it does not, or "" when the event is not a candidate at all."""
    return _register(FILTERS, "filter", name, params, passes)


def case_rule(*params: Param, met: str, name: str | None = None, register_only: bool = False,
              standing: bool = False) -> Callable[[F], F]:
    """Declare a case rule: `fn(ctx, rule)` returns (met, reasons, evidence ids).

    `register_only`: the register alone decides it, so no step can be planned for it;
    `standing`: its figures say where the pupil stands (stage, threshold, attendance).
    """
    return _register(CASE_RULES, "case", name, params, met, register_only, standing)
