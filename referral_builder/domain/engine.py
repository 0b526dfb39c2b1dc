"""Evaluate a case against its checklists: one verdict per item, with reasons and evidence."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from . import codes, stats
from .calendar import fmt, school_year_start
from .checklist import CASE_RULES as CASE_RULE_NAMES
from .checklist import ITEM_REFERENCES, Checklist, Item, Selector
from .context import Context, ItemOutcome, human, matches, sentence_case, window_for
from .model import Case, Event
from .register import Register
from .results import AttendanceSummary, ChecklistRef, CheckReport, ItemResult
from .rules import CASE_RULES, FILTERS, normalise_role, not_attended, return_due_dates

#: Agencies that answer for each pupil flag in "all external parties" items.
FLAG_AGENCIES: dict[str, tuple[str, ...]] = {
    "social_worker": ("social_worker",),
    "early_help": ("early_help",),
    "camhs": ("camhs",),
    "tac_taf": ("lead_professional", "early_help", "social_worker"),
    "child_in_need": ("social_worker",),
    "child_protection": ("social_worker",),
}
FLAG_PHRASES = {
    "social_worker": "the pupil has a social worker", "early_help": "Early Help is involved",
    "camhs": "CAMHS is involved", "tac_taf": "there is a TAC/TAF process",
    "child_in_need": "the pupil is a child in need",
    "child_protection": "the pupil has a child protection plan",
    "looked_after": "the pupil is looked after",
    "medical_needs": "the pupil has known medical needs",
}
AGENCY_NAMES = {"social_worker": "the social worker", "early_help": "Early Help",
                "camhs": "CAMHS", "lead_professional": "the lead professional"}


def check(case: Case, checklists: Sequence[Checklist], as_of: dt.date | None = None,
          ) -> CheckReport:
    """Check `case` against `checklists` as of `as_of` (default: the referral date)."""
    as_of = as_of or case.referral_date
    register = Register(m for m in case.marks if m.date <= as_of)
    warnings: list[str] = []
    results: list[ItemResult] = []
    for checklist in checklists:
        ctx = Context(case, as_of, register, checklist, warnings)
        weeks = checklist.param("window_school_weeks")
        if weeks:
            ctx.window = window_for(register, as_of, int(weeks),
                                    bool(checklist.param("referral_week_counts")),
                                    case.pupil.admission_date, warnings)
        for item in _dependency_order(checklist.items):
            ctx.outcomes[item.id] = evaluate_item(ctx, item)
        results += [_result(checklist, item, ctx.outcomes[item.id]) for item in checklist.items]
        _order_warnings(ctx)
    ctx_any = Context(case, as_of, register, checklists[0], warnings) if checklists else None
    summary = stats.compute(case, as_of).summary()
    if ctx_any is not None:
        _case_warnings(ctx_any, checklists, summary)
    return CheckReport(
        case=case.reference, as_of=as_of,
        checklists=tuple(ChecklistRef(c.id, c.version, c.title, c.effective_from)
                         for c in checklists),
        items=tuple(results), attendance=summary,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _result(checklist: Checklist, item: Item, o: ItemOutcome) -> ItemResult:
    status: Any = o.status
    return ItemResult(item.id, checklist.id, item.number, item.wording, item.mandatory, status,
                      tuple(dict.fromkeys(o.evidence)), tuple(dict.fromkeys(o.reasons)))


def _dependency_order(items: Sequence[Item]) -> list[Item]:
    """Order items so every item comes after those its rules refer to (no cycles: validated)."""
    by_id = {i.id: i for i in items}
    done: dict[str, Item] = {}

    def visit(item: Item) -> None:
        if item.id in done:
            return
        for rule in item.rules:
            for key in ITEM_REFERENCES:
                ref = rule.get(key)
                if ref in by_id:
                    visit(by_id[ref])
        done[item.id] = item

    for item in items:
        visit(item)
    return list(done.values())


# ---- one item --------------------------------------------------------------------------

def evaluate_item(ctx: Context, item: Item) -> ItemOutcome:
    """Decide one item: the evidence part, the case rules, then the requirement."""
    if item.skip_if and condition_holds(ctx, item.skip_if):
        return ItemOutcome("not_applicable",
                           [f"Not needed: {describe_condition(item.skip_if)}."])
    met = True
    reasons: list[str] = []
    passing: list[Event] = []
    evidence: list[str] = []
    if item.evidence is not None:
        met, reasons, passing = _evaluate_evidence(ctx, item, item.evidence)
        evidence = [e.id for e in passing]
    for rule in item.rules:
        if rule.name not in CASE_RULE_NAMES:
            continue
        ok, why, ids = CASE_RULES[rule.name](ctx, rule)
        evidence += ids
        if ok or not rule.warn:
            met = met and ok
            reasons += why
        else:
            ctx.warnings.extend(f"{item.id}: {w}." for w in why)
    _role_warnings(ctx, item, passing)
    declared = ctx.case.not_applicable.get(item.id)
    return _apply_requirement(ctx, item, met, reasons, passing, evidence, declared)


def _apply_requirement(ctx: Context, item: Item, met: bool, reasons: list[str],
                       passing: list[Event], evidence: list[str], declared: str | None,
                       ) -> ItemOutcome:
    if met:
        return ItemOutcome("met", reasons, passing, evidence)
    if item.requirement == "optional":
        if item.evidence is not None and not any(
                e.date and e.date <= ctx.as_of for e in ctx.select(item.evidence)):
            return ItemOutcome("not_applicable", ["Optional, and nothing is recorded for it."])
        # Something is recorded but does not count: say why rather than "nothing recorded".
        return ItemOutcome("not_applicable", ["Optional, so it does not hold up the referral.",
                                              *reasons])
    if item.requirement == "mandatory":
        if declared:
            reasons = [*reasons, "It is recorded as not applicable, but this item is mandatory, "
                                 "so that cannot be accepted"]
        return ItemOutcome("not_met", reasons, passing, evidence)
    applies = item.applies_if is None or condition_holds(ctx, item.applies_if)
    if declared:
        if item.applies_if is not None and applies:
            ctx.warnings.append(
                f"{item.id} is recorded as not applicable, but "
                f"{describe_condition(item.applies_if)}: the local authority may question it.")
        return ItemOutcome("not_applicable", [f"Recorded as not applicable: {declared}"])
    if item.applies_if is not None and not applies:
        why = f"Needed only when {describe_condition(item.applies_if)}; nothing says so"
        if ctx.checklist.param("conditional_needs_declaration"):
            return ItemOutcome("not_met", [f"{why}. Record why it does not apply."])
        return ItemOutcome("not_applicable", [f"{why}."])
    if item.applies_if is None:
        reasons = [*reasons, "If this was not appropriate, record why."]
    return ItemOutcome("not_met", reasons, passing, evidence)


def _evaluate_evidence(ctx: Context, item: Item, sel: Selector,
                       ) -> tuple[bool, list[str], list[Event]]:
    """Filter the candidate events, then apply the item's `require`."""
    reasons: list[str] = []
    passing: list[Event] = []
    failed: dict[str, list[str]] = {}
    filters = [r for r in item.rules if r.name in FILTERS]
    for e in ctx.select(sel):
        if e.date is None:
            reasons.append(f"{sentence_case(ctx.describe(e))} has no date, so it cannot count")
            continue
        if e.date > ctx.as_of:
            continue
        why = []
        for rule in filters:
            problem = FILTERS[rule.name](ctx, e, rule)
            if problem is None:
                continue
            if rule.warn:
                ctx.warnings.append(f"{item.id}: {_sentence(problem)}")
            else:
                why.append(problem)
        if why:
            failed[e.id] = why
        else:
            passing.append(e)
    ok, missing = _requirement_met(ctx, item, passing, failed)
    if ok:
        return True, [_met_summary(ctx, passing)], passing
    if not failed and not passing and not reasons:
        reasons.append(item.missing or f"Nothing is recorded for item {item.number}")
    for why in failed.values():
        reasons += [_sentence(w) for w in why]
    return False, reasons + missing, passing


def _requirement_met(ctx: Context, item: Item, passing: list[Event],
                     failed: dict[str, list[str]]) -> tuple[bool, list[str]]:
    require = item.require
    if isinstance(require, int):
        if len(passing) >= require:
            return True, []
        return False, [f"{len(passing)} recorded; at least {require} are needed"]
    if require == "each_carer":
        return _each_carer(ctx, passing)
    if require == "each_meeting":
        return _each_meeting(ctx, item, passing)
    if require == "each_agency":
        return _each_agency(ctx, passing)
    return bool(passing), []


def _each_carer(ctx: Context, passing: list[Event]) -> tuple[bool, list[str]]:
    parents = ctx.case.parent_set
    if not parents:
        return False, ["No parent or carer with parental responsibility or day-to-day care is "
                       "recorded"]
    reached: set[str] = set()
    joint: list[str] = []
    for e in passing:
        apart = _addressed_apart(ctx, e)
        if apart:
            names = " and ".join(ctx.carer_label(c) for c in apart)
            joint.append(f"{ctx.describe(e)} is addressed jointly to {names}, who live at "
                         "different addresses; each needs a letter of their own.")
        reached.update(c for c in e.people if c not in apart)
    missing = [c for c in parents if c.id not in reached]
    if passing and not missing:
        return True, []
    return False, [*joint, *(f"Nothing that counts is recorded for {ctx.carer_label(c.id)}; "
                             "each parent/carer needs their own." for c in missing)]


def _addressed_apart(ctx: Context, e: Event) -> list[str]:
    """The carers a posted letter names who do not share one address (none if they do)."""
    if e.type != "letter" or not ctx.checklist.param("separate_letters_per_address"):
        return []
    carers = [c for c in (ctx.case.carer(i) for i in e.to) if c is not None]
    addresses = {" ".join(c.address.lower().replace(",", " ").split()) for c in carers
                 if c.address.strip()}
    return [c.id for c in carers] if len(addresses) > 1 else []


def _each_meeting(ctx: Context, item: Item, passing: list[Event]) -> tuple[bool, list[str]]:
    meetings = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")]
    if ctx.window and any(r.name == "in_window" for r in item.rules):
        meetings = [m for m in meetings if m.date and m.date >= ctx.window[0]]
    if not meetings:
        return False, ["No meeting is recorded, so nothing can follow one"]
    missing = []
    for n, m in enumerate(meetings):
        nxt = meetings[n + 1].date if n + 1 < len(meetings) else None
        if not any(e.meeting == m.id or (e.meeting is None and e.date and m.date
                                         and m.date <= e.date and (nxt is None or e.date < nxt))
                   for e in passing):
            missing.append(f"Nothing that counts follows the meeting on "
                           f"{fmt(m.date or ctx.as_of)} ({m.id})")
    return not missing, missing


def _each_agency(ctx: Context, passing: list[Event]) -> tuple[bool, list[str]]:
    flags = ctx.case.pupil.flags
    needed = [(f, agencies) for f, agencies in FLAG_AGENCIES.items() if getattr(flags, f)]
    if not needed:
        return bool(passing), []
    reached = {e.agency for e in passing}
    missing = [f"No communication with {AGENCY_NAMES.get(a[0], human(a[0]))} is recorded "
               f"({human(f)} is involved)" for f, a in needed if not reached & set(a)]
    return not missing, missing


def _met_summary(ctx: Context, passing: list[Event]) -> str:
    shown = []
    for e in passing[:3]:
        text = ctx.describe(e)
        names = [ctx.carer_label(c) for c in e.people]
        if names:
            text += " to " + " and ".join(names)
        shown.append(text)
    more = f", and {len(passing) - 3} more" if len(passing) > 3 else ""
    return _sentence("Met by " + "; ".join(shown) + more)


def _sentence(text: str) -> str:
    text = sentence_case(text.strip())
    return text if text.endswith(".") else text + "."


def _role_warnings(ctx: Context, item: Item, passing: list[Event]) -> None:
    if item.who is None or "school" in item.who.roles:
        return
    wanted = {normalise_role(r) for r in item.who.roles}
    for e in passing:
        if e.by and e.by.role and normalise_role(e.by.role) not in wanted:
            ctx.warnings.append(
                f"{item.id}: {ctx.describe(e)} was done by {e.by.name or 'someone'} "
                f"({e.by.role}); the checklist names {item.who.label or ', '.join(wanted)}.")


# ---- conditions ------------------------------------------------------------------------

def condition_holds(ctx: Context, cond: dict[str, Any]) -> bool:
    """Tell whether any test in a condition holds (checklist README, Conditions)."""
    flags = ctx.case.pupil.flags
    year = school_year_start(ctx.as_of)
    tests: dict[str, Callable[[Any], bool]] = {
        "flags": lambda v: any(getattr(flags, f, False) for f in v),
        "send": lambda v: flags.send in v,
        "register_codes": lambda v: bool(ctx.register.codes_in(v, year, ctx.as_of)),
        "unresolved_n": lambda v: bool(ctx.register.codes_in({"N"}, end=ctx.as_of)) == bool(v),
        "meeting_not_attended": lambda v: any(not_attended(m) for m in ctx.meetings()) == v,
        "events": lambda v: any(e.date and e.date <= ctx.as_of and matches(e, _selector(v))
                                for e in ctx.case.events),
        "passed_below": lambda v: ctx.first_below(float(v["pct"]),
                                                  bool(v.get("inclusive"))) is not None,
        "attendance_return_due": lambda v: bool(return_due_dates(ctx, "attendance_return")) == v,
        "sickness_return_due": lambda v: bool(return_due_dates(ctx, "sickness_return")) == v,
    }
    return any(tests[k](v) for k, v in cond.items())


def _selector(raw: dict[str, Any]) -> Selector:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return Selector(**fields)


def describe_condition(cond: dict[str, Any]) -> str:
    parts = []
    for key, value in cond.items():
        if key == "flags":
            parts.append(" or ".join(FLAG_PHRASES.get(f, human(f)) for f in value))
        elif key == "send":
            parts.append("the pupil has " + " or ".join(human(v) for v in value))
        elif key == "register_codes":
            parts.append("the register has " + " or ".join(value) + " marks this school year")
        elif key == "unresolved_n":
            parts.append("the register has " + ("unresolved N marks" if value
                                                else "no unresolved N marks"))
        elif key == "meeting_not_attended":
            parts.append("the parents did not attend a meeting" if value
                         else "the parents attended every meeting")
        elif key == "events":
            parts.append("a matching event is recorded")
        elif key == "passed_below":
            word = "to" if value.get("inclusive") else "below"
            parts.append(f"attendance fell {word} {value['pct']}% this school year")
        else:
            parts.append(f"the {human(key).replace(' due', '')} fell due")
    return " or ".join(parts)


# ---- report-wide -----------------------------------------------------------------------

def _case_warnings(ctx: Context, checklists: Sequence[Checklist],
                   summary: AttendanceSummary) -> None:
    case, reg, w = ctx.case, ctx.register, ctx.warnings
    era = [(d, s, c) for d, s, c in reg.sessions(end=ctx.as_of) if codes.out_of_era(c, d)]
    if era:
        d, s, c = era[0]
        kinds = ", ".join(sorted({c for _, _, c in era}))
        w.append(f"{len(era)} marks use codes from the wrong code set for their date ({kinds}; "
                 f"first {c} on {fmt(d)} {s}). Since 19 August 2024 H, F, J and Y are withdrawn: "
                 "recode them (for example H to C or G, J to J1, Y to Y1-Y7).")
    if summary.unresolved_n:
        w.append(f"{summary.unresolved_n} sessions are still coded N (reason not yet "
                 "established). They count provisionally toward the penalty threshold but must "
                 "be resolved before a referral.")
    minimum = max(int(c.param("min_possible_sessions") or 0) for c in checklists)
    if summary.possible < minimum:
        w.append(f"Only {summary.possible} possible sessions this school year: too few for a "
                 "reliable attendance percentage.")
    elif (any(c.param("warn_if_not_persistent_absence") for c in checklists)
          and not summary.persistent_absence):
        w.append(f"{case.pupil.full_name} is not persistently absent: attendance is "
                 f"{summary.attendance_pct}% (persistent absence is 90% or less). The referral "
                 "is for persistent absence.")
    for carer in case.restricted_carers:
        w.append(f"{carer.name} ({carer.id}) is not required for \"each parent/carer\" items "
                 f"because of a contact restriction: {carer.contact_restriction}.")
    known = {i.id for c in checklists for i in c.items}
    for item_id in case.not_applicable:
        if item_id not in known:
            w.append(f"not_applicable names {item_id!r}, which is not an item of "
                     f"{' or '.join(c.id for c in checklists)}.")
    if case.pupil.flags.looked_after:
        w.append("The pupil is looked after: the local authority may hold parental "
                 "responsibility, so no penalty or prosecution step can be taken against it. "
                 "Involve the virtual school.")


def _order_warnings(ctx: Context) -> None:
    order = ctx.checklist.recommended_order
    for a, b in itertools.pairwise(order):
        first, second = ctx.outcomes[a].earliest, ctx.outcomes[b].earliest
        if first and second and first > second:
            ctx.warnings.append(
                f"Recommended order: item {_number(ctx, a)} ({fmt(first)}) usually comes "
                f"before item {_number(ctx, b)} ({fmt(second)}).")


def _number(ctx: Context, item_id: str) -> str:
    item = ctx.checklist.item(item_id)
    return item.number if item else item_id
