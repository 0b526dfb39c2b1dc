"""Dates for the drafted steps: earliest dates forward from today, latest dates back from a
candidate referral date, checked by simulation (the planned events and marks added to the case
and the engine run again), and the referral date the engine accepts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from .calendar import ONE_DAY, fmt, school_year_start
from .checklist import Checklist, Item
from .context import Context, ItemOutcome
from .engine import (
    check,
)
from .model import Case, Declaration, Mark
from .plan_drafts import draft_item
from .plan_events import link
from .plan_model import HORIZON_DAYS, PLAN_ID, Draft, Expiring, Step
from .plan_standing import expiry_of
from .register import Register
from .results import CheckReport
from .rules import bind

_Scheduled = tuple[dt.date | None, tuple[Step, ...], tuple[Expiring, ...], list[str]]


def earliest_dates(drafts: list[Draft], register: Register, as_of: dt.date) -> dict[str, dt.date]:
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
                day = school_day_from(register, day)
            if dates.get(d.id) != day:
                dates[d.id] = day
                changed = True
        if not changed:
            break
    return dates


def school_day_from(register: Register, day: dt.date) -> dt.date:
    while day.weekday() >= 5 or (day in register.days and not register.is_school_day(day)):
        day += ONE_DAY
    return day


def backward(drafts: list[Draft], register: Register, referral: dt.date,
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
            day = min(day, minus_school_days(register, referral, d.by_referral_gap))
        latest[d.id] = day
    for _ in range(len(drafts) + 1):
        changed = False
        for d in drafts:
            for ref, gap in d.after:  # ref must come gap school days before d
                if ref in latest:
                    bound = minus_school_days(register, latest[d.id], gap) if gap \
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


def minus_school_days(register: Register, end: dt.date, n: int) -> dt.date:
    day = end
    while n > 0:
        day -= ONE_DAY
        if register.school_days_between(day, end) >= n:
            return day
    return day


def weekdays_from(register: Register, start: dt.date, days: int) -> list[dt.date]:
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
                ev = replace(ev, states_attendance_pct=pct(case, day))
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


def pct(case: Case, day: dt.date) -> float:
    start = school_year_start(day)
    if case.pupil.admission_date and case.pupil.admission_date > start:
        start = case.pupil.admission_date
    counts = Register(m for m in case.marks if m.date <= day).counts(start, day)
    return counts.attendance_pct() or 0.0


def ready_on(case: Case, checklists: Sequence[Checklist], drafts: Sequence[Draft],
           dates: dict[str, dt.date], referral: dt.date, last: dt.date | None,
           closed: frozenset[dt.date]) -> CheckReport:
    steps = [to_step(d, dates[d.id], dates[d.id]) for d in drafts]
    steps += register_step(last, referral, closed)
    return check(simulate(case, steps), checklists, referral)


def register_step(last: dt.date | None, referral: dt.date,
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


def schedule(case: Case, checklists: Sequence[Checklist], as_of: dt.date, register: Register,
              drafts: list[Draft], contexts: list[Context],
              letters: Sequence[tuple[str, tuple[str, ...]]], last: dt.date | None,
              closed: frozenset[dt.date]) -> _Scheduled:
    """Find the first referral date the engine accepts with every step done when it can be.

    Evidence that counted on the as-of date but has left the window by a candidate date is
    reported as expiring, and a fresh record is planned for it; then the search starts again.
    """
    expiring: list[Expiring] = []
    renewed: set[str] = set()
    while True:
        early = earliest_dates(drafts, register, as_of)
        start = max([as_of, *early.values()])
        for d in drafts:
            if d.by_referral_gap:
                start = max(start, register.add_school_days(early[d.id], d.by_referral_gap))
            if d.hold_until:
                start = max(start, d.hold_until)
        lapsed: list[tuple[Context, Item]] = []
        for referral in weekdays_from(register, start, HORIZON_DAYS):
            report = ready_on(case, checklists, drafts, early, referral, last, closed)
            if report.ready:
                late = backward(drafts, register, referral, early)
                if not ready_on(case, checklists, drafts, late, referral, last, closed).ready:
                    late = dict(early)  # only doing each step as early as it can holds
                steps = tuple(sorted([*(to_step(d, early[d.id], late[d.id], early)
                                        for d in drafts), *register_step(last, referral, closed)],
                                     key=lambda s: (s.by, s.not_before, s.id)))
                seen = {x.event for x in expiring}
                for ctx in contexts:
                    for item in ctx.checklist.items:
                        expiring += [x for x in expiry_of(ctx, item, as_of, register, referral)
                                     if x.event not in seen]
                return referral, steps, tuple(expiring), plan_notes(case, last, referral, closed)
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
            final = ready_on(case, checklists, drafts, early, start, last, closed)
            why += [f"{i.id}: {' '.join(i.reasons)}" for i in final.items
                    if i.status == "not_met"]
            return None, (), tuple(expiring), why
        for ctx, item in lapsed:
            renewed.add(item.id)
            expiring += [x for x in expiry_of(ctx, item, as_of, register)
                         if x.event not in {y.event for y in expiring}]
            blocked: list[str] = []
            fresh = replace(ctx, outcomes=dict(ctx.outcomes))
            fresh.outcomes[item.id] = ItemOutcome("not_met", [
                f"the evidence recorded for item {item.number} leaves the window first"])
            draft_item(fresh, item, drafts, blocked, letters, force=True)
            if blocked:
                return None, (), tuple(expiring), blocked
        link(drafts)


def plan_notes(case: Case, last: dt.date | None, referral: dt.date,
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


def to_step(d: Draft, not_before: dt.date, by: dt.date,
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
