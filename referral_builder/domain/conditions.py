"""Conditions (`applies_if`, `skip_if`): one table of tests and their words.

Each condition is declared once: the type of its value (checked when a checklist is loaded),
the test, the words that describe it, the dated facts that show it holds (A28) and the line
of the checklist README. A condition holds when any test listed in it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .calendar import fmt, school_year_start
from .case_rules import not_attended
from .checklist import Selector
from .codes import CODES_2024, CODES_LEGACY
from .context import Context, human, matches
from .model import FLAG_NAMES, SEND_LEVELS, SUPPORTS
from .params import ITEM_CONDITIONS
from .register_rules import return_due_dates
from .registry import FLAG, ITEM, SELECTOR, THRESHOLD, ValueType, names

FLAG_PHRASES = {
    "social_worker": "the pupil has a social worker", "early_help": "Early Help is involved",
    "camhs": "CAMHS is involved", "tac_taf": "there is a TAC/TAF process",
    "child_in_need": "the pupil is a child in need",
    "child_protection": "the pupil has a child protection plan",
    "looked_after": "the pupil is looked after",
    "medical_needs": "the pupil has known medical needs",
}

Facts = Callable[[Context, Any], "list[str] | None"]


@dataclass(frozen=True)
class Condition:
    key: str
    value: ValueType
    holds: Callable[[Context, Any], bool]
    describe: Callable[[Any], str]
    doc: str                       # "true when", for the checklist README
    facts: Facts | None = None     # None (or returning None): the words, if it holds

    def __post_init__(self) -> None:
        if (self.value is ITEM) != (self.key in ITEM_CONDITIONS):
            raise ValueError(f"condition {self.key!r}: conditions naming an item are "
                             f"{' or '.join(ITEM_CONDITIONS)} and typed ITEM")


def _selector(raw: dict[str, Any]) -> Selector:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return Selector(**fields)


def _status(ctx: Context, item_id: str) -> str | None:
    outcome = ctx.outcomes.get(item_id)
    return outcome.status if outcome else None


def _year(ctx: Context) -> Any:
    return school_year_start(ctx.as_of)


def _below(ctx: Context, v: dict[str, Any]) -> Any:
    return ctx.first_below(float(v["pct"]), bool(v.get("inclusive")))


def _word(v: dict[str, Any]) -> str:
    return "to" if v.get("inclusive") else "below"


def _flags_facts(ctx: Context, v: Any) -> list[str]:
    flags = ctx.case.pupil.flags
    return [f"the pupil's record says {FLAG_PHRASES.get(f, human(f))}"
            for f in v if getattr(flags, f, False)]


def _send_facts(ctx: Context, v: Any) -> list[str]:
    send = ctx.case.pupil.flags.send
    return [f"the pupil's record shows {human(send)}"] if send in v else []


def _codes_facts(ctx: Context, v: Any) -> list[str]:
    marks = ctx.register.codes_in(v, _year(ctx), ctx.as_of)
    if not marks:
        return []
    listed = ", ".join(f"{c} on {fmt(d)} {s}" for d, s, c in marks[:4])
    more = f" and {len(marks) - 4} more" if len(marks) > 4 else ""
    return [f"the register has {listed}{more} this school year"]


def _n_facts(ctx: Context, v: Any) -> list[str] | None:
    if not v:
        return None
    marks = ctx.register.codes_in({"N"}, end=ctx.as_of)
    listed = ", ".join(f"{fmt(d)} {s}" for d, s, _ in marks[:4])
    return [f"the register still has N marks ({listed})"] if marks else []


def _missed_facts(ctx: Context, v: Any) -> list[str] | None:
    if not v:
        return None
    return [f"nobody came to the meeting on {fmt(m.date)} ({m.id})"
            for m in ctx.meetings() if not_attended(m) and m.date]


def _events_facts(ctx: Context, v: Any) -> list[str]:
    found = [e for e in ctx.dated_events() if matches(e, _selector(v))]
    return [f"{ctx.describe(found[0])} is recorded"] if found else []


def _passed_facts(ctx: Context, v: Any) -> list[str]:
    on = _below(ctx, v)
    return [f"attendance fell {_word(v)} {v['pct']}% on {fmt(on)}"] if on else []


def _return_facts(trigger: str) -> Facts:
    def facts(ctx: Context, v: Any) -> list[str] | None:
        if not v:
            return None
        due = return_due_dates(ctx, trigger)
        return [f"the {human(trigger)} fell due on {fmt(due[0])}"] if due else []
    return facts


def _return_due(trigger: str) -> Condition:
    return Condition(
        f"{trigger}_due", FLAG, lambda ctx, v: bool(return_due_dates(ctx, trigger)) == v,
        lambda v: f"the {human(trigger)} fell due",
        f"the register made the {human(trigger)} due (NR-{13 if 'attendance' in trigger else 14})",
        _return_facts(trigger))


#: Every condition, in the order the checklist README lists them.
CONDITIONS: dict[str, Condition] = {c.key: c for c in (
    Condition(
        "flags", names(FLAG_NAMES, "flag"),
        lambda ctx, v: any(getattr(ctx.case.pupil.flags, f, False) for f in v),
        lambda v: " or ".join(FLAG_PHRASES.get(f, human(f)) for f in v),
        "any of these pupil flags is true (" + ", ".join(f"`{f}`" for f in FLAG_NAMES) + ")",
        _flags_facts),
    Condition(
        "send", names(SEND_LEVELS, "SEND level"),
        lambda ctx, v: ctx.case.pupil.flags.send in v,
        lambda v: "the pupil has " + " or ".join(human(x) for x in v),
        "`pupil.flags.send` is one of these", _send_facts),
    Condition(
        "register_codes", names(sorted({*CODES_2024, *CODES_LEGACY}), "code"),
        lambda ctx, v: bool(ctx.register.codes_in(v, _year(ctx), ctx.as_of)),
        lambda v: "the register has " + " or ".join(v) + " marks this school year",
        "any of these codes is in the register in the current school year", _codes_facts),
    Condition(
        "unresolved_n", FLAG,
        lambda ctx, v: bool(ctx.register.codes_in({"N"}, end=ctx.as_of)) == bool(v),
        lambda v: "the register has " + ("unresolved N marks" if v else "no unresolved N marks"),
        "any N mark is in the register", _n_facts),
    Condition(
        "meeting_not_attended", FLAG,
        lambda ctx, v: any(not_attended(m) for m in ctx.meetings()) == v,
        lambda v: ("the parents did not attend a meeting" if v
                   else "the parents attended every meeting"),
        "a meeting was not attended by any carer", _missed_facts),
    Condition(
        "events", SELECTOR,
        lambda ctx, v: any(e.date and e.date <= ctx.as_of and matches(e, _selector(v))
                           for e in ctx.case.events),
        lambda v: "a matching event is recorded",
        "any event matches the selector", _events_facts),
    Condition(
        "passed_below", THRESHOLD, lambda ctx, v: _below(ctx, v) is not None,
        lambda v: f"attendance fell {_word(v)} {v['pct']}% this school year",
        "year-to-date attendance was below (or at) `pct` on some day this school year",
        _passed_facts),
    _return_due("attendance_return"),
    _return_due("sickness_return"),
    Condition(
        "never_below", THRESHOLD, lambda ctx, v: _below(ctx, v) is None,
        lambda v: f"attendance has not fallen {_word(v)} {v['pct']}% this school year",
        "year-to-date attendance was never below (or at) `pct` this school year (for "
        "`skip_if`: the engine shows from the register that a tier does not apply)"),
    Condition(
        "refused_support", names(SUPPORTS, "kind of support"),
        lambda ctx, v: any(e.type == "support_offer" and e.support in v
                           and e.outcome == "refused" for e in ctx.dated_events()),
        lambda v: "the parents refused an offer of " + " or ".join(human(x) for x in v),
        "a `support_offer` of one of these kinds was refused"),
    Condition(
        "item_not_applicable", ITEM, lambda ctx, v: _status(ctx, v) == "not_applicable",
        lambda v: f"{v} does not apply",
        "that item of the same checklist is not applicable (e.g. a letter's 15-day check is "
        "not needed when the letter is not)"),
    Condition(
        "item_met", ITEM, lambda ctx, v: _status(ctx, v) == "met", lambda v: f"{v} is met",
        "that item of the same checklist is met"),
)}


def condition_holds(ctx: Context, cond: dict[str, Any]) -> bool:
    """Tell whether any test in a condition holds (checklist README, Conditions)."""
    return any(CONDITIONS[k].holds(ctx, v) for k, v in cond.items())


def describe_condition(cond: dict[str, Any]) -> str:
    return " or ".join(CONDITIONS[k].describe(v) for k, v in cond.items())


def condition_facts(ctx: Context, cond: dict[str, Any]) -> list[str]:
    """What the register or the case shows that makes a condition hold, with dates (A28)."""
    facts: list[str] = []
    for key, value in cond.items():
        c = CONDITIONS[key]
        found = c.facts(ctx, value) if c.facts is not None else None
        if found is None:
            found = [c.describe(value)] if c.holds(ctx, value) else []
        facts += found
    return facts or [describe_condition(cond)]
