"""The rule types checklists are written in (evidence_checklists/README.md), all loaded.

Each rule is declared once, on its function, with `registry.filter_rule` or
`registry.case_rule`; importing this module imports every rule module so the registry's
tables are complete. Filter rules take one candidate event and return None when it passes,
or the reason it does not (`event_timing_rules`, `event_content_rules`). Case rules look at
the register or the case and return (met, reasons, evidence ids) (`register_rules`,
`case_rules`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import case_rules, event_content_rules, event_timing_rules, register_rules
from .case_rules import not_attended
from .checklist import Rule
from .register_rules import return_due_dates
from .registry import CASE_RULES, FILTERS, CaseResult, RuleSpec
from .roles import normalise_role

if TYPE_CHECKING:
    from .context import Context

#: The modules that declare rules, in the order their tables are documented.
RULE_MODULES = (event_timing_rules, event_content_rules, register_rules, case_rules)

__all__ = [
    "CASE_RULES",
    "FILTERS",
    "RULE_MODULES",
    "RuleSpec",
    "bind",
    "normalise_role",
    "not_attended",
    "return_due_dates",
    "run_case_rule",
    "spec",
]


def spec(name: str) -> RuleSpec | None:
    """The declaration of rule `name`, or None (this module has loaded every rule module)."""
    return FILTERS.get(name) or CASE_RULES.get(name)


def bind(rule: Rule) -> Rule:
    """The rule with its declared defaults filled in (an unknown rule as it is)."""
    found = spec(rule.name)
    return found.bind(rule) if found is not None else rule


def run_case_rule(ctx: Context, rule: Rule) -> CaseResult:
    found = spec(rule.name)
    if found is None or found.kind != "case":
        raise KeyError(f"no case rule {rule.name!r}")
    result: CaseResult = found.fn(ctx, found.bind(rule))
    return result
