"""What next, and by when: turn the checklists into dated next steps (`referral-plan/1`).

The planner runs the engine on the case as of a date, then, for every item that is not met,
derives a step from the item's evidence selector and the types of its rules (generic per rule
type, never per authority): what to record, to whom, not before and by which date. It checks
the plan by simulation: the planned events are added to the case and the engine is run again
on the candidate referral date. A plan is only offered with a referral date the engine accepts.

Dates beyond the register: the case's term dates (`calendar`) say which weekdays are school
days; without them every weekday stands in for a school day, and the plan says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import codes
from .calendar import ONE_DAY, fmt, school_year_start
from .checklist import Checklist, Item, Rule, Selector
from .context import Context, ItemOutcome, human, window_for
from .engine import (
    check,
    condition_holds,
    evaluate_evidence,
    evaluate_item,
    evaluation_order,
)
from .model import Case, Declaration, Document, Event, Mark, Person
from .register import Register
from .registry import bind, run_case_rule
from .requirements import FLAG_AGENCIES
from .results import CheckReport
from .rules import CASE_RULES, normalise_role, return_due_dates

#: Case rules that depend on the register alone: no step can be planned for them.
REGISTER_RULES = frozenset({"csa", "evidence_window", "unauthorised_threshold",
                            "attendance_below", "stage_reached", "first_day_contact",
                            "no_unresolved_n"})
#: Case rules whose figures say where the pupil stands in a process.
STANDING_RULES = ("stage_reached", "attendance_below", "unauthorised_threshold")
#: How far ahead the planner looks for a referral date the engine accepts.
HORIZON_DAYS = 120
PLAN_ID = "plan"


@dataclass(frozen=True)
class Standing:
    checklist: str
    item: str
    number: str
    met: bool
    since: dt.date | None
    figures: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One thing to record. `not_before` and `by` are inclusive."""

    item: str
    checklist: str
    number: str
    kind: str            # event | meeting | declaration | statement | not_applicable
    action: str
    not_before: dt.date
    by: dt.date
    why: str
    carers: tuple[str, ...] = ()
    template: str | None = None
    meeting: str | None = None       # the meeting (case id or planned id) it invites to/follows
    event: Event | None = None       # the event that, recorded, meets the step
    id: str = ""
    states_pct: bool = False         # the letter states the attendance % on its date
    statement: tuple[str, int] | None = None  # free-text key and minimum words
    closed: tuple[dt.date, ...] = ()  # a register step: the closure days it marks `#`
    document: Document | None = None  # the document the recorded event attaches


@dataclass(frozen=True)
class Expiring:
    item: str
    checklist: str
    event: str
    date: dt.date
    expires: dt.date     # the first referral date on which it no longer counts
    refer_by: dt.date    # the last referral date on which it still counts
    text: str


@dataclass(frozen=True)
class Duty:
    rule: str            # NR-09 | NR-10 | NR-13 | NR-14
    due: dt.date | None
    done: bool
    text: str


@dataclass(frozen=True)
class Plan:
    case: str
    as_of: dt.date
    stands: tuple[Standing, ...]
    next_steps: tuple[Step, ...]
    expiring: tuple[Expiring, ...]
    earliest_referral_date: dt.date | None
    duties: tuple[Duty, ...]
    blocked: tuple[str, ...] = ()
    ready_now: bool = False
    notes: tuple[str, ...] = ()


@dataclass
class _Draft:
    """A step being worked out: its constraints before the dates are fixed."""

    checklist: Checklist
    item: Item
    kind: str
    action: str
    why: list[str]
    carers: tuple[str, ...] = ()
    not_before: dt.date = dt.date.min
    by: dt.date | None = None            # a fixed latest date (e.g. notice before a meeting)
    by_referral_gap: int = 0             # school days that must lie between it and the referral
    after: list[tuple[str, int]] = field(default_factory=list)  # (step id, gap school days)
    notice: tuple[str, int] | None = None  # (meeting id, days): an invitation's notice
    hold_until: dt.date | None = None    # a booked meeting: the referral comes after it
    before: list[str] = field(default_factory=list)             # step ids it must precede
    meeting: str | None = None
    template: str | None = None
    event: Event | None = None
    id: str = ""
    fixed: bool = False                  # a meeting: its date is the date
    document: Document | None = None     # a paper of a named kind the event attaches


# ---- entry point -----------------------------------------------------------------------

def plan(case: Case, checklists: Sequence[Checklist], as_of: dt.date | None = None, *,
         letters: Sequence[tuple[str, tuple[str, ...]]] = (),
         closures: Collection[dt.date] = ()) -> Plan:
    """Plan the case as of `as_of` (default: its referral date).

    `letters` are the model letters available: (template id, purposes it records).
    `closures` are extra holidays and closure days after `as_of`; the case's `calendar` (its
    term dates) closes the weekdays outside every term after the register's last mark. Without
    either, every weekday after the register stands in for a school day.
    """
    as_of = as_of or case.referral_date
    report = check(case, checklists, as_of)
    register = Register(m for m in case.marks if m.date <= as_of)
    contexts = _contexts(case, checklists, as_of, register)
    a = report.attendance
    overall = Standing("", "attendance", "", a.persistent_absence, None, (
        f"Attendance this school year to {fmt(as_of)}: {a.attendance_pct}% ({a.attended} of "
        f"{a.possible} possible sessions; {a.authorised} authorised and {a.unauthorised} "
        f"unauthorised absences); peak unauthorised in any 10 school weeks: "
        f"{a.max_unauthorised_in_10_school_weeks}",))
    stands = (overall, *(s for ctx in contexts for s in _standings(ctx)))
    duties = tuple(_duties(case, contexts[0])) if contexts else ()
    if report.ready:
        return Plan(case.reference, as_of, stands, (), _expiring_now(contexts, as_of), as_of,
                    duties, ready_now=True)
    closed = frozenset(d for d in closures if d > as_of) | _term_closures(case, register, as_of)
    cal = _calendar(register, as_of, closed)
    drafting = [replace(ctx, register=cal) for ctx in contexts]
    drafts: list[_Draft] = []
    blocked: list[str] = []
    for ctx in drafting:
        # Invitations first, so a meeting this plan books is there for items that follow it.
        for item in sorted(ctx.checklist.items, key=lambda i: not any(
                r.name in ("min_notice", "reminder_before_meeting") for r in i.rules)):
            if ctx.outcomes[item.id].status == "not_met":
                _draft_item(ctx, item, drafts, blocked, letters)
    _link(drafts)
    notes: list[str] = []
    earliest: dt.date | None = None
    steps: tuple[Step, ...] = ()
    expiring: tuple[Expiring, ...] = ()
    if not blocked:
        earliest, steps, expiring, more = _schedule(case, checklists, as_of, cal, drafts,
                                                     drafting, letters, register.last_date,
                                                     closed)
        if earliest is None:
            blocked.extend(more)
        notes.extend(more if earliest is not None else ())
    steps = tuple(replace(x, event=replace(x.event, states_attendance_pct=_pct(case, x.by)))
                  if x.states_pct and x.event is not None else x for x in steps)
    if earliest is None:
        early = _forward(drafts, cal, as_of)
        steps = tuple(_step(d, early[d.id], max(d.by or early[d.id], early[d.id]))
                      for d in drafts)
    return Plan(case.reference, as_of, stands, steps, expiring, earliest, duties,
                tuple(dict.fromkeys(blocked)), False, tuple(notes))


def _term_closures(case: Case, register: Register, as_of: dt.date) -> frozenset[dt.date]:
    """The weekdays after the register's last mark that the case's term dates close.

    Weekdays outside every term or listed as closures, up to the last term's end (beyond it
    the calendar says nothing and weekdays stand in, as without one). The register wins where
    it has marks: only days after its last mark are taken from the calendar.
    """
    calendar = case.calendar
    if calendar is None or not calendar.terms:
        return frozenset()
    after = min(register.last_date or as_of, as_of)
    until = min(as_of + dt.timedelta(days=4 * HORIZON_DAYS), max(t.end for t in calendar.terms))
    return calendar.closed_days(after, until)


def _calendar(register: Register, as_of: dt.date, closed: frozenset[dt.date]) -> Register:
    """The register to `as_of`, then every weekday ahead as a school day unless closed.

    Used for date arithmetic only (school days and weeks ahead), never for figures.
    """
    marks = [Mark(d, s, c) for d, s, c in register.sessions()]  # type: ignore[arg-type]
    # From the register's last mark: days it has not reached yet (as of `as_of` too) are
    # school days or closed as the term dates say.
    day = min(as_of, register.last_date or as_of) + ONE_DAY
    for _ in range(4 * HORIZON_DAYS):
        if day.weekday() < 5:
            code = "#" if day in closed else "/"
            marks += [Mark(day, "AM", code), Mark(day, "PM", code)]
        day += ONE_DAY
    return Register(marks)


def _contexts(case: Case, checklists: Sequence[Checklist], as_of: dt.date,
              register: Register) -> list[Context]:
    """Evaluate each checklist the way the engine does, keeping the working outcomes."""
    found = []
    for checklist in checklists:
        ctx = Context(case, as_of, register, checklist, [])
        weeks = checklist.param("window_school_weeks")
        if weeks:
            ctx.window = window_for(register, as_of, int(weeks),
                                    bool(checklist.param("referral_week_counts")),
                                    case.pupil.admission_date, [])
        for item in evaluation_order(checklist):
            ctx.outcomes[item.id] = evaluate_item(ctx, item)
        found.append(ctx)
    return found


# ---- where the pupil stands ------------------------------------------------------------

def _standings(ctx: Context) -> list[Standing]:
    found = []
    for item in ctx.checklist.items:
        rules = [r for r in item.rules if r.name in STANDING_RULES]
        if not rules:
            continue
        verdicts = [run_case_rule(ctx, r) for r in rules]
        met = all(ok for ok, _why, _ids in verdicts)
        since: dt.date | None = None
        for rule in map(bind, rules):
            if rule.name == "stage_reached":
                since = ctx.first_below(float(rule.get("below_pct")),
                                        bool(rule.get("inclusive")))
            elif rule.name == "unauthorised_threshold":
                since = _threshold_day(ctx, rule)
        found.append(Standing(ctx.checklist.id, item.id, item.number, met,
                              since if met else None,
                              tuple(w for _ok, why, _ids in verdicts for w in why)))
    return found


def _threshold_day(ctx: Context, rule: Rule) -> dt.date | None:
    """The day of the n-th counted session in the first window that reached the threshold."""
    rule = bind(rule)
    sessions = int(rule.get("sessions"))
    weeks = int(rule.get("school_weeks"))
    counted = frozenset(rule.get("codes"))
    if rule.get("unresolved_n") == "exclude":
        counted = counted - {"N"}
    return _nth_in_weeks(ctx.register, sessions, weeks, counted, ctx.as_of, ctx.csa_day)


def _nth_in_weeks(register: Register, sessions: int, weeks: int, counted: frozenset[str],
                  until: dt.date, include: Any) -> dt.date | None:
    """The first day on which `sessions` counted sessions lay within `weeks` school weeks."""
    all_weeks = register.school_weeks(until)
    index = {w: i for i, w in enumerate(all_weeks)}
    hits = [d for d, _s, c in register.sessions(end=until) if c in counted and include(d)]
    for n in range(sessions - 1, len(hits)):
        first, last = hits[n - sessions + 1], hits[n]
        wf, wl = index.get(first - dt.timedelta(days=first.weekday())), index.get(
            last - dt.timedelta(days=last.weekday()))
        if wf is not None and wl is not None and wl - wf < weeks:
            return last
    return None


# ---- national duties -------------------------------------------------------------------

def _duties(case: Case, ctx: Context) -> list[Duty]:
    found: list[Duty] = []
    returns = [e for e in ctx.dated_events() if e.type in ("referral", "agency_contact") and (
        e.agency == "education_welfare" or "return" in (e.service or "").lower()
        or "return" in e.summary.lower())]
    for trigger, rule, what in (("attendance_return", "NR-13", "10-day attendance return"),
                                ("sickness_return", "NR-14", "15-day sickness return")):
        for due in return_due_dates(ctx, trigger):
            done = any(e.date and e.date >= due for e in returns)
            state = "a return is recorded" if done else "no return is recorded yet: make it now"
            found.append(Duty(rule, due, done, f"The {what} to the local authority fell due on "
                                               f"{fmt(due)}; {state}."))
    day = _nth_in_weeks(ctx.register, 10, 10, codes.UNAUTH_PN, ctx.as_of, ctx.csa_day)
    if day is not None:
        found.append(Duty("NR-09", day, False,
                          f"The national penalty-notice threshold (10 unauthorised sessions in "
                          f"10 school weeks) was reached on {fmt(day)}: consider a penalty "
                          "notice or a notice to improve."))
    since = ctx.as_of.replace(year=ctx.as_of.year - 3) if not (
        ctx.as_of.month == 2 and ctx.as_of.day == 29) else dt.date(ctx.as_of.year - 3, 2, 28)
    for carer in case.carers:
        prior = [e for e in ctx.dated_events() if e.type == "penalty_notice"
                 and carer.id in e.people and e.status != "withdrawn"
                 and e.date and since < e.date <= ctx.as_of]
        if len(prior) >= 2:
            found.append(Duty("NR-10", None, False,
                              f"{ctx.carer_label(carer.id)} has had {len(prior)} penalty notices "
                              f"for this child since {fmt(since)}: a third is blocked; consider "
                              "an attendance contract, an education supervision order or "
                              "prosecution."))
    return found


# ---- drafting steps from rule types ----------------------------------------------------

def _draft_item(ctx: Context, item: Item, drafts: list[_Draft], blocked: list[str],
                letters: Sequence[tuple[str, tuple[str, ...]]], force: bool = False) -> None:
    outcome = ctx.outcomes[item.id]
    label = f"item {item.number} ({item.id})"
    if item.requirement == "conditional" and item.applies_if is not None and not (
            condition_holds(ctx, item.applies_if)) and item.id not in ctx.case.not_applicable:
        drafts.append(_Draft(ctx.checklist, item, "not_applicable",
                             f"Record why item {item.number} does not apply to this pupil",
                             [f"{label} is needed only when a condition holds; nothing says it "
                              "does, so the checklist asks for the reason it does not apply"],
                             not_before=ctx.as_of))
        return
    for rule in item.rules:
        if rule.name not in CASE_RULES or rule.warn:
            continue
        ok, why, _ids = run_case_rule(ctx, rule)
        if ok:
            continue
        if rule.name in REGISTER_RULES:
            extra = ""
            if rule.name == "first_day_contact":
                extra = ("; a first-day call cannot be made after that day: if one was made, "
                         "record it with its date, otherwise the item stays unmet while that "
                         "absence is in this school year")
            blocked.append(f"{label} depends on the register, not on a step the school can "
                           f"take: {' '.join(why)}{extra}")
            return
        _draft_case_rule(ctx, item, rule, drafts, blocked, outcome)
    if item.evidence is not None and (force or _evidence_missing(ctx, item)):
        _draft_evidence(ctx, item, drafts, blocked, outcome, letters)


def _evidence_missing(ctx: Context, item: Item) -> bool:
    if item.evidence is None:
        return False
    met, _r, _p = evaluate_evidence(ctx, item, item.evidence)
    return not met


def _draft_case_rule(ctx: Context, item: Item, rule: Rule, drafts: list[_Draft],
                     blocked: list[str], outcome: ItemOutcome) -> None:
    name, as_of, rule = rule.name, ctx.as_of, bind(rule)
    if name == "declaration":
        drafts.append(_Draft(ctx.checklist, item, "declaration",
                             "Tick the confirmation that you have read and understood the "
                             "evidence requirements (with your name and role)",
                             ["The referral cannot be made until the referrer confirms it"],
                             not_before=as_of))
    elif name == "free_text":
        key, words = rule.get("key"), int(rule.get("min_words"))
        drafts.append(_Draft(ctx.checklist, item, "statement",
                             f"Write the statement \"{human(key)}\" (at least {words} words)",
                             [f"Item {item.number} needs it"], not_before=as_of))
    elif name in ("school_days_since",):
        ok, why, _ = _case_rule(ctx, rule)
        if not ok:
            ref = ctx.outcomes.get(rule.get("item"))
            if ref is not None and ref.earliest is not None:
                minimum = int(rule.get("min_school_days"))
                drafts.append(_Draft(ctx.checklist, item, "wait",
                                     f"Wait: the referral can be made {minimum} school days "
                                     f"after the evidence of {fmt(ref.earliest)}",
                                     why, not_before=ctx.register.add_school_days(
                                         ref.earliest, minimum)))
    elif name == "document_of_kind":
        kinds = tuple(str(k) for k in (rule.get("kinds") or ("other",)))
        doc = Document(id="", file="", title=f"The completed {human(kinds[0])}", kind=kinds[0])
        ev = Event(id="", type="note", date=None,
                   summary=f"The completed {human(kinds[0])} attached")
        drafts.append(_Draft(ctx.checklist, item, "event",
                             f"Attach the completed {human(kinds[0])} (a document of kind "
                             f"{kinds[0]})", list(outcome.reasons), not_before=as_of, event=ev,
                             document=doc))
    elif name == "certificate_current":
        pass  # the register step of every plan imports the marks up to the referral date
    elif name == "return_made":
        for due in return_due_dates(ctx, rule.get("trigger")):
            ev = Event(id="", type="referral", date=None, agency="education_welfare",
                       service=f"{human(rule.get('trigger'))} to the LA",
                       summary="Statutory return made to the local authority", internal=False)
            drafts.append(_Draft(ctx.checklist, item, "event",
                                 f"Make the {human(rule.get('trigger'))} to the "
                                 "local authority and record it",
                                 [f"It fell due on {fmt(due)}"], not_before=max(due, as_of),
                                 event=ev))
            break
    elif name == "medical_evidence":
        ev = Event(id="", type="medical_inquiry", date=None, with_=(), agency="school_nurse",
                   summary="Medical evidence requested for the I and M marks")
        drafts.append(_Draft(ctx.checklist, item, "event",
                             "Ask for medical evidence for the authorised medical absences, "
                             "or recode them O", list(outcome.reasons), not_before=as_of,
                             event=ev))
    elif name == "chronology":
        carers = tuple(c.id for c in ctx.case.parent_set)
        ev = Event(id="", type="phone_call", date=None, with_=carers[:1],
                   summary="Phone call with the parent about attendance",
                   outcome="spoke to the parent")
        drafts.append(_Draft(ctx.checklist, item, "event",
                             "Phone the parents and record what they said", list(outcome.reasons),
                             carers=carers[:1], not_before=as_of, event=ev))
    elif name == "review_intervals":
        ok, why, _ = _case_rule(ctx, rule)
        lo, hi = int(rule.get("min_school_days")), int(rule.get("max_school_days"))
        reviews = [e.date for e in ctx.dated_events() if e.type == "review" and e.date]
        ref = ctx.outcomes.get(rule.get("from_item")) if rule.get("from_item") else None
        start = max(reviews, default=None) or (ref.earliest if ref else None) or as_of
        lo_day = ctx.register.add_school_days(start, lo)
        hi_day = ctx.register.add_school_days(start, hi)
        if hi_day < as_of and reviews:
            blocked.append(f"Item {item.number} ({item.id}): {' '.join(why)}")
            return
        ev = Event(id="", type="review", date=None, summary="Review of the plan")
        drafts.append(_Draft(ctx.checklist, item, "event",
                             f"Review the plan {lo} to {hi} school days after {fmt(start)}",
                             why, not_before=max(lo_day, as_of), by=hi_day, event=ev))
    elif name == "did_not_attend_followup":
        blocked.append(f"Item {item.number} ({item.id}): {' '.join(outcome.reasons)}; the "
                       "follow-up of a missed meeting cannot be planned after the week it was due")


def _case_rule(ctx: Context, rule: Rule) -> tuple[bool, list[str], list[str]]:
    return run_case_rule(ctx, rule)


def _draft_evidence(ctx: Context, item: Item, drafts: list[_Draft], blocked: list[str],
                    outcome: ItemOutcome, letters: Sequence[tuple[str, tuple[str, ...]]]) -> None:
    assert item.evidence is not None
    sel = item.evidence
    case, as_of = ctx.case, ctx.as_of
    rules = {r.name: bind(r) for r in item.rules}
    why = list(outcome.reasons)
    # Whom it is owed to.
    targets: list[tuple[tuple[str, ...], str | None]] = []  # (carers, agency)
    if item.require == "each_carer":
        reached = {c for e in outcome.passing for c in e.people}
        owed = [c.id for c in case.parent_set if c.id not in reached]
        if not owed:
            owed = [c.id for c in case.parent_set]
        targets = [((c,), None) for c in owed]
        if not targets:
            blocked.append(f"Item {item.number} ({item.id}): no parent or carer with parental "
                           "responsibility or day-to-day care is recorded")
            return
    elif item.require == "each_agency":
        reached_agencies = {e.agency for e in outcome.passing}
        for flag, agencies in FLAG_AGENCIES.items():
            if getattr(case.pupil.flags, flag) and not reached_agencies & set(agencies):
                targets.append(((), agencies[0]))
                reached_agencies.add(agencies[0])
        targets = targets or [((), sel.agencies[0] if sel.agencies else None)]
    elif isinstance(item.require, int):
        missing = max(1, item.require - len(outcome.passing))
        everyone = tuple(c.id for c in case.parent_set)
        targets = [(everyone, None)] * missing
    else:
        targets = [(tuple(c.id for c in case.parent_set), None)]
    type_ = _event_type(sel)
    mentions = [r for r in item.rules if r.name == "mentions"]
    purposes = tuple(dict.fromkeys(sel.purposes[:1] + tuple(
        p for r in mentions for p in (r.get("purposes") or ())[:1])))
    template = _template(letters, sel, purposes, type_)
    # A meeting it invites to, follows or reminds of.
    meeting_id: str | None = None
    meeting_draft: _Draft | None = None
    notice = int(rules["min_notice"].get("days")) if "min_notice" in rules else 0
    if "min_notice" in rules or "reminder_before_meeting" in rules:
        meeting_id, meeting_draft = _meeting_for(ctx, item, notice, drafts)
    elif "after_meeting" in rules or item.require == "each_meeting":
        meeting_id = _meeting_to_follow(ctx, drafts)
    follows: list[str | None] = [meeting_id] * len(targets)
    if item.require == "each_meeting":
        # One record after each meeting that has none, and after a meeting this plan books.
        followed = {e.meeting for e in outcome.passing}
        held = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")
                and m.id not in followed and m.date is not None
                and not any(p.date and p.meeting is None and p.date >= m.date
                            for p in outcome.passing)]
        if ctx.window and "in_window" in rules:
            held = [m for m in held if m.date and m.date >= ctx.window[0]]
        follows = [*(m.id for m in held), *(d.id for d in drafts if d.kind == "meeting")]
        targets = [targets[0]] * len(follows)
    for n, ((carers, agency), meeting_id) in enumerate(zip(targets, follows, strict=True)):
        others = [ctx.carer_label(c.id) for c in case.parent_set if c.id not in carers]
        mine = [w for w in why if not any(f"recorded for {o}" in w for o in others)]
        ev = _event(ctx, item, sel, rules, type_, purposes, carers, agency, meeting_id)
        # The record says which item it is evidence for and which model letter it used, so
        # a numbered letter (Letter 1, 2, 3) is read as the one the plan means (A26).
        ev = replace(ev, evidence_for=(item.id,), template=template)
        d = _Draft(ctx.checklist, item, "event", _action(item, type_, template, carers, agency,
                                                         ctx, rules),
                   mine, carers=carers, not_before=as_of, meeting=meeting_id,
                   template=template, event=ev)
        if "min_notice" in rules and meeting_draft is not None:
            d.notice = (meeting_draft.id, notice)
            d.why = [*mine, f"the meeting it invites to needs {notice} days' notice in writing"]
        elif "min_notice" in rules and meeting_id is not None:
            m = case.event(meeting_id)
            if m is not None and m.date is not None:
                d.by = m.date - dt.timedelta(days=notice)
                d.hold_until = m.date
                d.why = [*mine, f"the meeting on {fmt(m.date)} needs {notice} days' notice"]
        if ("after_meeting" in rules or item.require == "each_meeting") and meeting_id:
            d.after.append((meeting_id, 0))
        if "reminder_before_meeting" in rules and meeting_id is not None:
            d.after.append((f"invite:{meeting_id}", 1))
            d.before.append(meeting_id)
        if "after_item" in rules:
            ref_id = rules["after_item"].get("item")
            gap = int(rules["after_item"].get("gap_school_days"))
            ref = ctx.outcomes.get(ref_id)
            if ref is not None and ref.status == "met" and ref.earliest is not None:
                d.not_before = max(d.not_before, ctx.register.add_school_days(ref.earliest, gap)
                                   if gap else ref.earliest)
            else:
                d.after.append((f"item:{ref_id}", gap))
        if "review_of_item" in rules:
            r = rules["review_of_item"]
            gap = int(r.get("min_school_days"))
            ref = ctx.outcomes.get(r.get("item"))
            target = ctx.case.event(d.event.of) if d.event and d.event.of else None
            if ref is not None and ref.status == "met" and target is not None and target.date:
                d.not_before = max(d.not_before, ctx.register.add_school_days(target.date, gap)
                                   if gap else target.date)
            else:
                d.after.append((f"item:{r.get('item')}", gap))
            if r.get("improved") is False:
                d.why = [*d.why, "it must record that attendance has not improved (if it has, "
                         "the process steps down instead and this referral is not due)"]
        if "notice_lawful" in rules:
            day = _threshold_day(ctx, rules["notice_lawful"])
            if day is None:
                blocked.append(
                    f"Item {item.number} ({item.id}): a penalty notice can only be issued once "
                    f"the register shows {rules['notice_lawful'].get('sessions')} "
                    f"unauthorised sessions in {rules['notice_lawful'].get('school_weeks')} "
                    "school weeks, which it does not; absences after a notice cannot justify "
                    "it" + ("; record why it does not apply" if item.requirement == "conditional"
                            else ""))
                return
            d.not_before = max(d.not_before, day)
        if "before_item" in rules:
            d.before.append(f"item:{rules['before_item'].get('item')}")
        if "after_stage_start" in rules:
            r = rules["after_stage_start"]
            start = ctx.first_below(float(r.get("below_pct")), bool(r.get("inclusive")))
            if start is None:
                blocked.append(f"Item {item.number} ({item.id}) can only follow the day "
                               f"attendance falls below {r.get('below_pct')}%, which it has "
                               "not this school year")
                return
            d.not_before = max(d.not_before, start)
        if "school_days_before_referral" in rules:
            d.by_referral_gap = int(rules["school_days_before_referral"].get("min_school_days"))
        if "reviewed" in rules:
            r = rules["reviewed"]
            lo, hi = r.get("min_school_days"), r.get("max_school_days")
            d.id = f"{PLAN_ID}-{item.id}-{n + 1}"
            assert d.event is not None
            d.event = replace(d.event, id=d.id)
            drafts.append(d)
            review = Event(id="", type="review", date=None, of=d.id,
                           summary=f"Review of the {human(type_)}")
            rd = _Draft(ctx.checklist, item, "event",
                        f"Review it {lo or 0} to {hi or 'any number of'} school days later",
                        [f"Item {item.number} needs a review of it"], not_before=as_of,
                        event=review)
            rd.after.append((d.id, int(lo or 0)))
            drafts.append(rd)
            continue
        drafts.append(d)


def _event_type(sel: Selector) -> str:
    for preferred in ("letter", "email"):
        if preferred in sel.types:
            return preferred
    return sel.types[0] if sel.types else "letter"


def _template(letters: Sequence[tuple[str, tuple[str, ...]]], sel: Selector,
              purposes: tuple[str, ...], type_: str) -> str | None:
    if type_ not in ("letter", "email") or not purposes:
        return None
    best: tuple[int, str] | None = None
    for template_id, offers in letters:
        if purposes[0] not in offers:
            continue
        score = len(set(offers) & set(purposes)) * 10 - len(set(offers) - set(sel.purposes))
        if best is None or score > best[0]:
            best = (score, template_id)
    return best[1] if best else None


def _meeting_for(ctx: Context, item: Item, notice: int, drafts: list[_Draft],
                 ) -> tuple[str, _Draft | None]:
    """The meeting an invitation is for: one already booked after today, or a planned one."""
    booked = sorted((e for e in ctx.case.events if e.type == "meeting" and e.date
                     and e.date > ctx.as_of and e.status not in ("cancelled", "rescheduled")
                     and e.date - dt.timedelta(days=notice) >= ctx.as_of),
                    key=lambda e: (e.date or ctx.as_of, e.time or ""))
    if booked:
        return booked[0].id, None
    for d in drafts:
        if d.kind == "meeting":
            return d.id, d
    day = ctx.as_of + dt.timedelta(days=notice)
    while day.weekday() >= 5 or (day in ctx.register.days
                                 and not ctx.register.is_school_day(day)):
        day += ONE_DAY
    meeting_id = f"{PLAN_ID}-meeting-1"
    carers = tuple(c.id for c in ctx.case.parent_set)
    ev = Event(id=meeting_id, type="meeting", date=day, time="09:30", kind="attendance_meeting",
               status="held", attended=carers[:1], summary="Attendance meeting (planned)")
    moved = [e for e in ctx.case.events if e.type == "meeting" and e.status == "rescheduled"]
    why = [f"An invitation needs {notice} days' notice in writing, so the meeting is planned "
           f"{notice} days after the invitations can go"]
    if moved:
        why.append("the meeting was moved, so the new date needs its own invitation with full "
                   "notice")
    d = _Draft(ctx.checklist, item, "meeting",
               "Hold the attendance meeting (book it for this date, with a time, and put both "
               "in the invitation)", why, carers=carers, not_before=day, by=day, event=ev,
               id=meeting_id, fixed=True)
    drafts.append(d)
    return meeting_id, d


def _meeting_to_follow(ctx: Context, drafts: list[_Draft]) -> str | None:
    for d in drafts:
        if d.kind == "meeting":
            return d.id
    held = [m for m in ctx.meetings() if m.status in (None, "held", "did_not_attend")]
    return held[-1].id if held else None


def _event(ctx: Context, item: Item, sel: Selector, rules: dict[str, Rule], type_: str,
           purposes: tuple[str, ...], carers: tuple[str, ...], agency: str | None,
           meeting: str | None) -> Event:
    fields: dict[str, Any] = {
        "purposes": purposes, "meeting": meeting,
        "direction": sel.direction if sel.direction != "any" else "outgoing",
        "summary": "; ".join(str((r.get("words") or ("",))[0]) for r in item.rules
                             if r.name == "mentions" and not r.get("purposes")),
    }
    if type_ in ("phone_call", "home_visit", "medical_inquiry"):
        fields["with_"] = carers
    else:
        fields["to"] = carers
    if type_ == "meeting":
        fields.update(kind=(sel.meeting_kinds or ("attendance_meeting",))[0], time="09:30",
                      status=(sel.meeting_statuses or ("held",))[0], attended=carers)
    if agency or sel.agencies:
        fields["agency"] = agency or sel.agencies[0]
    if sel.supports:
        fields["support"] = sel.supports[0]
    if sel.services:
        fields["service"] = sel.services[0]
    if sel.internal is not None:
        fields["internal"] = sel.internal
    if "encloses" in rules:
        fields["encloses"] = (rules["encloses"].get("what"),)
    if "outcome_recorded" in rules:
        fields["outcome"] = (rules["outcome_recorded"].get("values") or ("recorded",))[0]
    if "consent_requested" in rules:
        fields["consent_requested"] = True
    if "review_of_item" in rules:
        # The review names (`of`) the evidence it reviews: a recorded one, or a planned one
        # (resolved to its step id when the steps are linked).
        ref_id = str(rules["review_of_item"].get("item"))
        ref = ctx.outcomes.get(ref_id)
        passing = sorted((e for e in (ref.passing if ref else []) if e.date),
                         key=lambda e: e.date or dt.date.min)
        fields["of"] = passing[0].id if passing and ref and ref.status == "met" \
            else f"item:{ref_id}"
    for name in ("review_of_item", "review_records"):
        if name in rules and rules[name].get("improved") is not None:
            fields["improved"] = bool(rules[name].get("improved"))
    roles = (rules["by_role"].get("roles") if "by_role" in rules else None) or (
        item.who.roles if item.who and "school" not in item.who.roles else ())
    if roles:
        fields["by"] = Person(ctx.case.declaration.name, str(roles[0]))
    elif ctx.case.declaration.role:
        fields["by"] = Person(ctx.case.declaration.name, ctx.case.declaration.role)
    return Event(id="", type=type_, date=None, **fields)


def _action(item: Item, type_: str, template: str | None, carers: tuple[str, ...],
            agency: str | None, ctx: Context, rules: dict[str, Rule]) -> str:
    what = item.missing or f"Record the evidence for item {item.number}"
    what = what.rstrip(".")
    extras = []
    if carers and len(carers) < len(ctx.case.parent_set):
        extras.append("to " + " and ".join(ctx.carer_label(c) for c in carers))
    if agency:
        extras.append(f"with {human(agency)}")
    if "states_attendance_pct" in rules:
        extras.append("stating the current attendance %")
    if "encloses" in rules:
        extras.append(f"enclosing the {human(rules['encloses'].get('what'))}")
    if "outcome_recorded" in rules:
        values = rules["outcome_recorded"].get("values") or ()
        extras.append("recording the outcome (" + " or ".join(human(v) for v in values) + ")")
    if "by_role" in rules:
        roles = rules["by_role"].get("roles") or ()
        extras.append("by the " + " or ".join(human(normalise_role(r)) for r in roles))
    if template:
        extras.append(f"model letter: {template}")
    return what + (" (" + "; ".join(extras) + ")" if extras else "")


def _link(drafts: list[_Draft]) -> None:
    """Give every draft an id; resolve references to items and invitations to step ids."""
    for n, d in enumerate(drafts):
        if not d.id:
            d.id = f"{PLAN_ID}-{d.item.id}-{n + 1}"
        if d.event is not None and d.kind != "meeting":
            d.event = replace(d.event, id=d.id)
        if d.document is not None and d.event is not None:
            doc_id = f"{d.id}-doc"
            d.document = replace(d.document, id=doc_id,
                                 file=f"evidence/{d.id}-{d.document.kind}.pdf")
            d.event = replace(d.event, documents=(doc_id,))
    by_item: dict[str, list[str]] = {}
    invites: dict[str, list[str]] = {}
    for d in drafts:
        if d.kind == "meeting":
            continue
        by_item.setdefault(d.item.id, []).append(d.id)
        if d.event is not None and "meeting_invite" in d.event.purposes and d.meeting:
            invites.setdefault(d.meeting, []).append(d.id)
    for d in drafts:
        if d.event is not None and d.event.of and d.event.of.startswith("item:"):
            targets = by_item.get(d.event.of[5:], [])
            d.event = replace(d.event, of=targets[0] if targets else None)
        after: list[tuple[str, int]] = []
        for ref, gap in d.after:
            if ref.startswith("item:"):
                after += [(x, gap) for x in by_item.get(ref[5:], []) if x != d.id]
            elif ref.startswith("invite:"):
                after += [(x, gap) for x in invites.get(ref[7:], [])]
            else:
                after.append((ref, gap))
        d.after = after
        before: list[str] = []
        for ref in d.before:
            before += by_item.get(ref[5:], []) if ref.startswith("item:") else [ref]
        d.before = [b for b in before if b != d.id]


# ---- dates -----------------------------------------------------------------------------

def _forward(drafts: list[_Draft], register: Register, as_of: dt.date) -> dict[str, dt.date]:
    """Earliest date for each step, respecting "after" links and notice before a meeting.

    A planned meeting moves later until every invitation to it can give its notice.
    """
    ids = {d.id: d for d in drafts}
    dates: dict[str, dt.date] = {}
    for _ in range(2 * len(drafts) + 2):
        changed = False
        for d in drafts:
            day = max(d.not_before, as_of)
            for ref, gap in d.after:
                base = dates.get(ref)
                if base is None and ref not in ids:
                    continue  # a recorded event: already in the past
                if base is not None:
                    day = max(day, register.add_school_days(base, gap) if gap else base)
            if d.kind == "meeting":
                for x in drafts:
                    if x.notice and x.notice[0] == d.id and x.id in dates:
                        day = max(day, dates[x.id] + dt.timedelta(days=x.notice[1]))
                day = _school_day_from(register, day)
            if dates.get(d.id) != day:
                dates[d.id] = day
                changed = True
        if not changed:
            break
    return dates


def _school_day_from(register: Register, day: dt.date) -> dt.date:
    while day.weekday() >= 5 or (day in register.days and not register.is_school_day(day)):
        day += ONE_DAY
    return day


def _backward(drafts: list[_Draft], register: Register, referral: dt.date,
              early: dict[str, dt.date]) -> dict[str, dt.date]:
    """Latest date for each step so the referral on `referral` still holds."""
    latest: dict[str, dt.date] = {}
    for d in drafts:
        day = referral if d.by is None else min(d.by, referral)
        if d.kind == "meeting":
            day = early[d.id]  # a booked date: it does not move
        if d.notice and d.notice[0] in early:
            day = min(day, early[d.notice[0]] - dt.timedelta(days=d.notice[1]))
        if d.by_referral_gap:
            day = min(day, _minus_school_days(register, referral, d.by_referral_gap))
        latest[d.id] = day
    for _ in range(len(drafts) + 1):
        changed = False
        for d in drafts:
            for ref, gap in d.after:  # ref must come gap school days before d
                if ref in latest:
                    bound = _minus_school_days(register, latest[d.id], gap) if gap \
                        else latest[d.id]
                    if bound < latest[ref]:
                        latest[ref] = bound
                        changed = True
            for ref in d.before:      # d must come on or before ref
                if ref in latest and latest[ref] < latest[d.id]:
                    latest[d.id] = latest[ref]
                    changed = True
        if not changed:
            break
    return {k: max(v, early.get(k, v)) for k, v in latest.items()}


def _minus_school_days(register: Register, end: dt.date, n: int) -> dt.date:
    day = end
    while n > 0:
        day -= ONE_DAY
        if register.school_days_between(day, end) >= n:
            return day
    return day


def _weekdays(register: Register, start: dt.date, days: int) -> list[dt.date]:
    found = []
    day = start
    for _ in range(days):
        if day.weekday() < 5 and not (day in register.days and not register.is_school_day(day)):
            found.append(day)
        day += ONE_DAY
    return found


def simulate(case: Case, steps: Sequence[Step], on: dict[str, dt.date] | None = None) -> Case:
    """The case with each step recorded: on its `by` date, or on the date `on` gives it."""
    events = list(case.events)
    not_applicable = dict(case.not_applicable)
    free_text = dict(case.free_text)
    declaration = case.declaration
    marks = list(case.marks)
    documents = list(case.documents)
    for step in steps:
        day = (on or {}).get(step.id, step.by)
        if step.document is not None:
            documents.append(step.document)
        if step.kind == "register":
            last = max((m.date for m in case.marks), default=day)
            d = last + ONE_DAY
            while d <= day:
                if d.weekday() < 5 and d in step.closed:
                    marks += [Mark(d, "AM", "#"), Mark(d, "PM", "#")]
                elif d.weekday() < 5:
                    marks += [Mark(d, "AM", "/"), Mark(d, "PM", "\\")]
                d += ONE_DAY
        elif step.kind in ("event", "meeting") and step.event is not None:
            ev = replace(step.event, date=day)
            if step.states_pct:
                ev = replace(ev, states_attendance_pct=_pct(case, day))
            events.append(ev)
        elif step.kind == "not_applicable":
            not_applicable[step.item] = "Recorded as not applicable (planned)"
        elif step.kind == "statement" and step.statement is not None:
            key, words = step.statement
            free_text[key] = " ".join(["statement"] * max(words, 1))
        elif step.kind == "declaration":
            declaration = Declaration(True, case.declaration.name or "Designated lead",
                                      case.declaration.role or "DSL",
                                      dt.datetime.combine(day, dt.time(9, 0)))
    return replace(case, events=tuple(events), not_applicable=not_applicable,
                   free_text=free_text, declaration=declaration, marks=tuple(marks),
                   documents=tuple(documents))


def _pct(case: Case, day: dt.date) -> float:
    start = school_year_start(day)
    if case.pupil.admission_date and case.pupil.admission_date > start:
        start = case.pupil.admission_date
    counts = Register(m for m in case.marks if m.date <= day).counts(start, day)
    return counts.attendance_pct() or 0.0


def _ready(case: Case, checklists: Sequence[Checklist], drafts: Sequence[_Draft],
           dates: dict[str, dt.date], referral: dt.date, last: dt.date | None,
           closed: frozenset[dt.date]) -> CheckReport:
    steps = [_step(d, dates[d.id], dates[d.id]) for d in drafts]
    steps += _register_step(last, referral, closed)
    return check(simulate(case, steps), checklists, referral)


def _register_step(last: dt.date | None, referral: dt.date,
                   closed: frozenset[dt.date]) -> list[Step]:
    """Importing the marks up to the referral date, when the register ends before it."""
    if last is not None and last >= referral:
        return []
    since = f" (it ends on {fmt(last)})" if last else ""
    return [Step("", "", "", "register",
                 f"Import the register marks up to {fmt(referral)}{since}, then plan again",
                 referral, referral,
                 "the evidence window, the attendance figures and the attendance certificate "
                 "come from the register; this plan assumes the pupil attends every session "
                 "until then", id=f"{PLAN_ID}-register",
                 closed=tuple(sorted(d for d in closed if d <= referral)))]


_Scheduled = tuple[dt.date | None, tuple[Step, ...], tuple[Expiring, ...], list[str]]


def _schedule(case: Case, checklists: Sequence[Checklist], as_of: dt.date, register: Register,
              drafts: list[_Draft], contexts: list[Context],
              letters: Sequence[tuple[str, tuple[str, ...]]], last: dt.date | None,
              closed: frozenset[dt.date]) -> _Scheduled:
    """Find the first referral date the engine accepts with every step done when it can be.

    Evidence that counted on the as-of date but has left the window by a candidate date is
    reported as expiring, and a fresh record is planned for it; then the search starts again.
    """
    expiring: list[Expiring] = []
    renewed: set[str] = set()
    while True:
        early = _forward(drafts, register, as_of)
        start = max([as_of, *early.values()])
        for d in drafts:
            if d.by_referral_gap:
                start = max(start, register.add_school_days(early[d.id], d.by_referral_gap))
            if d.hold_until:
                start = max(start, d.hold_until)
        lapsed: list[tuple[Context, Item]] = []
        for referral in _weekdays(register, start, HORIZON_DAYS):
            report = _ready(case, checklists, drafts, early, referral, last, closed)
            if report.ready:
                late = _backward(drafts, register, referral, early)
                if not _ready(case, checklists, drafts, late, referral, last, closed).ready:
                    late = dict(early)  # only doing each step as early as it can holds
                steps = tuple(sorted([*(_step(d, early[d.id], late[d.id], early)
                                        for d in drafts), *_register_step(last, referral, closed)],
                                     key=lambda s: (s.by, s.not_before, s.id)))
                seen = {x.event for x in expiring}
                for ctx in contexts:
                    for item in ctx.checklist.items:
                        expiring += [x for x in _expiry(ctx, item, as_of, register, referral)
                                     if x.event not in seen]
                return referral, steps, tuple(expiring), _notes(case, last, referral, closed)
            failing = {i.id for i in report.items if i.status == "not_met"}
            lapsed = [(ctx, item) for ctx in contexts for item in ctx.checklist.items
                      if item.id in failing and ctx.outcomes[item.id].status == "met"
                      and item.id not in renewed and ctx.window is not None]
            if lapsed:
                break
        if not lapsed:
            why = [f"No referral date from {fmt(start)} to "
                   f"{fmt(start + dt.timedelta(days=HORIZON_DAYS))} satisfies the checklist "
                   "even with the steps below"]
            final = _ready(case, checklists, drafts, early, start, last, closed)
            why += [f"{i.id}: {' '.join(i.reasons)}" for i in final.items
                    if i.status == "not_met"]
            return None, (), tuple(expiring), why
        for ctx, item in lapsed:
            renewed.add(item.id)
            expiring += [x for x in _expiry(ctx, item, as_of, register)
                         if x.event not in {y.event for y in expiring}]
            blocked: list[str] = []
            fresh = replace(ctx, outcomes=dict(ctx.outcomes))
            fresh.outcomes[item.id] = ItemOutcome("not_met", [
                f"the evidence recorded for item {item.number} leaves the window first"])
            _draft_item(fresh, item, drafts, blocked, letters, force=True)
            if blocked:
                return None, (), tuple(expiring), blocked
        _link(drafts)


def _notes(case: Case, last: dt.date | None, referral: dt.date,
           closed: frozenset[dt.date]) -> list[str]:
    notes = []
    if not closed and case.calendar is None:
        notes.append("No term dates were given: every weekday ahead is taken as a school day.")
    elif case.calendar is not None and case.calendar.terms:
        ends = max(t.end for t in case.calendar.terms)
        if referral > ends:
            notes.append(f"The term dates end on {fmt(ends)}: every weekday after it is taken "
                         "as a school day; add the next terms' dates and plan again.")
    if last is not None and last < referral:
        notes.append(f"The register ends on {fmt(last)}: import the marks up to "
                     f"{fmt(referral)} and plan again before referring, as the evidence window "
                     "moves with each school week.")
    for c in case.restricted_carers:
        notes.append(f"Nothing is planned for {c.name} ({c.id}): contact restriction "
                     f"({c.contact_restriction}).")
    return notes


def _step(d: _Draft, not_before: dt.date, by: dt.date,
          dates: dict[str, dt.date] | None = None) -> Step:
    reasons = list(d.why)
    if d.notice and dates and d.notice[0] in dates:
        meeting = dates[d.notice[0]]
        reasons.append(f"send it by {fmt(by)} for the meeting on {fmt(meeting)} "
                       f"({d.notice[1]} days' notice)")
    why = "; ".join(dict.fromkeys(w.rstrip(".") for w in reasons if w)) or "needed for the referral"
    rules = {r.name: bind(r) for r in d.item.rules}
    statement = None
    if d.kind == "statement" and "free_text" in rules:
        statement = (str(rules["free_text"].get("key")),
                     int(rules["free_text"].get("min_words")))
    states = d.kind == "event" and "states_attendance_pct" in rules and d.event is not None \
        and d.event.type in ("letter", "email", "text")
    return Step(d.item.id, d.checklist.id, d.item.number, d.kind, d.action, not_before,
                max(by, not_before), why, d.carers, d.template, d.meeting, d.event, d.id,
                states, statement, document=d.document)


# ---- expiring evidence -----------------------------------------------------------------

def _window_start(register: Register, day: dt.date, weeks: int, week_counts: bool) -> dt.date:
    """First day of the window for a referral on `day`, weekdays standing in past the register.

    The engine's own window (context.window_for) uses the register's school weeks only; a
    plan looks ahead, when each week after the last mark will be a school week once the
    marks are imported.
    """
    this_week = day - dt.timedelta(days=day.weekday())
    known = [w for w in register.school_weeks(day) if w < this_week]
    after = (known[-1] if known else this_week) + dt.timedelta(weeks=1)
    last = register.last_date
    while after < this_week:
        if last is None or after > last:
            known.append(after)
        after += dt.timedelta(weeks=1)
    marked = [d for d in register.days if this_week <= d <= day]
    holiday = bool(marked) and not any(register.is_school_day(d) for d in marked)
    if week_counts and not holiday:
        known.append(this_week)
    chosen = known[-weeks:]
    return chosen[0] if chosen else this_week


def _expiry(ctx: Context, item: Item, as_of: dt.date, register: Register,
            until: dt.date | None = None) -> list[Expiring]:
    """Evidence of a met item that leaves the window (by `until`, when given)."""
    weeks = int(ctx.checklist.param("window_school_weeks") or 0)
    if not weeks or ctx.outcomes[item.id].status != "met":
        return []
    counts = bool(ctx.checklist.param("referral_week_counts"))
    found = []
    for e in ctx.outcomes[item.id].passing:
        if e.date is None:
            continue
        day = as_of
        for _ in range(HORIZON_DAYS * 2):
            day += ONE_DAY
            if until is not None and day > until:
                break
            if _window_start(register, day, weeks, counts) > e.date:
                refer_by = day - ONE_DAY
                while refer_by > as_of and (refer_by.weekday() >= 5 or (
                        refer_by in register.days and not register.is_school_day(refer_by))):
                    refer_by -= ONE_DAY
                found.append(Expiring(
                    item.id, ctx.checklist.id, e.id, e.date, day, refer_by,
                    f"{ctx.describe(e)} leaves the {weeks}-school-week window on {fmt(day)}: "
                    f"refer by {fmt(refer_by)} or record a new one"))
                break
    return found


def _expiring_now(contexts: list[Context], as_of: dt.date) -> tuple[Expiring, ...]:
    """For a ready case: the evidence whose expiry would end readiness soonest."""
    found: list[Expiring] = []
    for ctx in contexts:
        for item in ctx.checklist.items:
            if ctx.outcomes[item.id].status == "met" and item.evidence is not None:
                found += _expiry(ctx, item, as_of, ctx.register)
    return tuple(sorted(found, key=lambda x: x.expires)[:10])


__all__ = ["Duty", "Expiring", "Plan", "Standing", "Step", "plan", "simulate"]
