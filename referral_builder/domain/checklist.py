"""A checklist as the engine sees it: items, evidence selectors, rules and conditions.

Checklists are data (evidence_checklists/*.yaml); `schemas/checklist.py` validates a file and
builds these objects. Rule types are declared on the rule functions (`registry`), conditions
in `conditions`, checklist parameters below; evidence_checklists/README.md documents them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from .params import FLAG, ITEM_CONDITIONS, ITEM_REFERENCES, WHOLE, Param, ValueType

Requirement = Literal["mandatory", "conditional", "optional"]

SELECTOR_KEYS = frozenset({"types", "purposes", "agencies", "supports", "meeting_kinds",
                           "meeting_statuses", "services", "internal", "direction"})
REQUIRE_VALUES = ("any", "each_carer", "each_meeting", "each_agency", "each_meeting_each_carer")


def _letter_groups(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(g, list) and all(isinstance(i, str) for i in g) for g in value)


def _templates(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(t, list) and all(isinstance(x, str) for x in t) for t in value.values())


#: The checklist-level parameters (`parameters:`), each with its type and default.
CHECKLIST_PARAMETERS: tuple[Param, ...] = (
    Param("window_school_weeks", ValueType(
        "weeks", "a whole number of weeks, or null",
        lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0))),
    Param("referral_week_counts", FLAG, True),
    Param("conditional_needs_declaration", FLAG, True),
    Param("min_possible_sessions", WHOLE, 20),
    Param("deemed_receipt_working_days", WHOLE, 2),
    Param("warn_if_not_persistent_absence", FLAG, False),
    Param("n_code_grace_school_days", WHOLE, 5),
    # Edge case 5.1: a posted letter addressed jointly to carers who live apart reaches
    # neither as "their own" letter for an each-parent item (emails reach each recipient).
    Param("separate_letters_per_address", FLAG, True),
    # A26: items that are numbered letters of one sequence (seed 002 Letters 2-3, seed 003
    # Letters 1-3), in order; one letter event counts as at most one of them.
    Param("numbered_letters", ValueType("letter_groups", "a list of lists of item ids",
                                        _letter_groups), []),
    # The model letter templates (templates/letters) that draft each item's letter: a letter
    # drafted from one of them counts for that numbered letter only.
    Param("letter_templates", ValueType(
        "letter_templates", "a mapping of item id to a list of template ids", _templates), {}),
    # Issue 11.5: who may make the referral declaration (an app role); the DSL unless the
    # authority names another role.
    Param("declaration_roles", ValueType(
        "roles", "a list of roles: dsl, school_staff",
        lambda v: isinstance(v, list) and bool(v) and all(r in ("dsl", "school_staff")
                                                          for r in v)), ("dsl",)),
)
DEFAULT_PARAMETERS: dict[str, Any] = {p.name: p.default for p in CHECKLIST_PARAMETERS}


@dataclass(frozen=True)
class Rule:
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    warn: bool = False

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Selector:
    types: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()
    meeting_kinds: tuple[str, ...] = ()
    meeting_statuses: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    internal: bool | None = None
    direction: str = "outgoing"


@dataclass(frozen=True)
class Who:
    roles: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    number: str
    wording: str
    requirement: Requirement
    rules: tuple[Rule, ...] = ()
    evidence: Selector | None = None
    require: str | int = "any"  # one of REQUIRE_VALUES, or a minimum count
    applies_if: dict[str, Any] | None = None
    skip_if: dict[str, Any] | None = None
    who: Who | None = None
    missing: str = ""

    @property
    def mandatory(self) -> bool:
        return self.requirement == "mandatory"

    @property
    def references(self) -> set[str]:
        """The ids of the other items this item's rules and conditions refer to."""
        refs = {str(r.get(k)) for r in self.rules for k in ITEM_REFERENCES if r.get(k)}
        for cond in (self.applies_if, self.skip_if):
            refs |= {str(cond[k]) for k in ITEM_CONDITIONS if cond and cond.get(k)}
        return refs


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    kind: str
    version: str
    effective_from: dt.date | None
    source: str
    items: tuple[Item, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    prefix: str = ""
    source_file: str = ""
    confirmation: str = ""
    recommended_order: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def param(self, key: str) -> Any:
        return self.parameters.get(key, DEFAULT_PARAMETERS.get(key))

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)
