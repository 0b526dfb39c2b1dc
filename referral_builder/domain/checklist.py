"""A checklist as the engine sees it: items, evidence selectors, rules and conditions.

Checklists are data (evidence_checklists/*.yaml); `schemas/checklist.py` validates a file and
builds these objects. The vocabulary is documented in evidence_checklists/README.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Requirement = Literal["mandatory", "conditional", "optional"]

#: Rules applied to each candidate event, and the parameters each accepts.
FILTER_RULES: dict[str, frozenset[str]] = {
    "in_window": frozenset(),
    "min_notice": frozenset({"days"}),
    "after_item": frozenset({"item", "gap_school_days"}),
    "before_item": frozenset({"item"}),
    "after_meeting": frozenset({"same_day"}),
    "reminder_before_meeting": frozenset(),
    "after_stage_start": frozenset({"below_pct", "inclusive"}),
    "states_attendance_pct": frozenset(),
    "encloses": frozenset({"what"}),
    "mentions": frozenset({"purposes", "words"}),
    "outcome_recorded": frozenset({"values"}),
    "by_role": frozenset({"roles"}),
    "reviewed": frozenset({"min_school_days", "max_school_days", "improved"}),
    "school_days_before_referral": frozenset({"min_school_days"}),
    "consent_requested": frozenset(),
    "meeting_kind": frozenset({"kinds", "not_kinds", "arranges"}),
    "review_of_item": frozenset({"item", "min_school_days", "improved"}),
    "review_records": frozenset({"improved"}),
    "after_marks": frozenset({"codes"}),
    "after_nth_meeting": frozenset({"n", "gap_school_days", "kinds"}),
    "attendance_at_event": frozenset({"pct", "inclusive", "basis", "adjusted_formula"}),
    "notice_lawful": frozenset({"sessions", "school_weeks", "codes", "unresolved_n",
                                "max_prior", "prior_years"}),
    "document_kind": frozenset({"kinds"}),
}

#: Rules that judge the case or the register as a whole.
CASE_RULES: dict[str, frozenset[str]] = {
    "csa": frozenset(),
    "evidence_window": frozenset(),
    "declaration": frozenset(),
    "free_text": frozenset({"key", "min_words"}),
    "unauthorised_threshold": frozenset(
        {"sessions", "school_weeks", "codes", "unresolved_n", "lookback_school_weeks"}),
    "attendance_below": frozenset(
        {"pct", "inclusive", "basis", "school_weeks", "adjusted_formula"}),
    "stage_reached": frozenset({"below_pct", "inclusive", "review_school_days"}),
    "certificate_current": frozenset({"max_age_school_days"}),
    "chronology": frozenset(),
    "no_unresolved_n": frozenset({"grace_school_days", "out_of_era"}),
    "medical_evidence": frozenset({"below_pct"}),
    "did_not_attend_followup": frozenset({"reinvite"}),
    "school_days_since": frozenset({"item", "min_school_days"}),
    "review_intervals": frozenset({"min_school_days", "max_school_days", "from_item"}),
    "return_made": frozenset({"trigger"}),
    "first_day_contact": frozenset({"types", "codes", "before", "from_item"}),
    "document_of_kind": frozenset({"kinds"}),
    "family_recorded": frozenset(),
    "period_run": frozenset({"below_pct", "inclusive", "school_days"}),
}

#: Rules whose `item` parameter names another item of the same checklist.
ITEM_REFERENCES = ("item", "from_item")
#: Conditions whose value names another item of the same checklist.
ITEM_CONDITIONS = ("item_not_applicable", "item_met")

SELECTOR_KEYS = frozenset({"types", "purposes", "agencies", "supports", "meeting_kinds",
                           "meeting_statuses", "services", "internal", "direction"})
CONDITION_KEYS = frozenset({"flags", "send", "register_codes", "unresolved_n",
                            "meeting_not_attended", "events", "passed_below",
                            "attendance_return_due", "sickness_return_due",
                            "item_not_applicable", "item_met", "refused_support",
                            "never_below"})
REQUIRE_VALUES = ("any", "each_carer", "each_meeting", "each_agency", "each_meeting_each_carer")

DEFAULT_PARAMETERS: dict[str, Any] = {
    "window_school_weeks": None,
    "referral_week_counts": True,
    "conditional_needs_declaration": True,
    "min_possible_sessions": 20,
    "deemed_receipt_working_days": 2,
    "warn_if_not_persistent_absence": False,
    "n_code_grace_school_days": 5,
    # Edge case 5.1: a posted letter addressed jointly to carers who live apart reaches
    # neither as "their own" letter for an each-parent item (emails reach each recipient).
    "separate_letters_per_address": True,
    # A26: items that are numbered letters of one sequence (seed 002 Letters 2-3, seed 003
    # Letters 1-3), in order; one letter event counts as at most one of them.
    "numbered_letters": [],
    # The model letter templates (templates/letters) that draft each item's letter: a letter
    # drafted from one of them counts for that numbered letter only.
    "letter_templates": {},
    # Issue 11.5: who may make the referral declaration (an app role); the DSL unless the
    # authority names another role.
    "declaration_roles": ("dsl",),
}


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
