"""What next, and by when: turn the checklists into dated next steps (`referral-plan/1`).

The planner runs the engine on the case as of a date, then, for every item that is not met,
derives a step from the item's evidence selector and the types of its rules (generic per rule
type, never per authority): what to record, to whom, not before and by which date. It checks
the plan by simulation: the planned events are added to the case and the engine is run again
on the candidate referral date. A plan is only offered with a referral date the engine accepts.

Dates beyond the register: the case's term dates (`calendar`) say which weekdays are school
days; without them every weekday stands in for a school day, and the plan says so.

This module is the entry point; the work is split by job: `plan_model` (the records),
`plan_standing` (where the pupil stands, duties, expiring evidence), `plan_drafts` (a step per
unmet item, from its rule types), `plan_events` (the event each step records and the order
between steps), `plan_dates` (dates, simulation and the referral date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace

from .calendar import ONE_DAY, fmt
from .checklist import Checklist
from .context import Context, window_for
from .engine import (
    check,
    evaluate_item,
    evaluation_order,
)
from .model import Case, Mark
from .plan_dates import earliest_dates, pct, schedule, simulate, to_step
from .plan_drafts import draft_item
from .plan_events import link
from .plan_model import HORIZON_DAYS, Draft, Duty, Expiring, Plan, Standing, Step
from .plan_standing import expiring_now, national_duties, standings
from .register import Register


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
    contexts = evaluated_contexts(case, checklists, as_of, register)
    a = report.attendance
    overall = Standing("", "attendance", "", a.persistent_absence, None, (
        f"Attendance this school year to {fmt(as_of)}: {a.attendance_pct}% ({a.attended} of "
        f"{a.possible} possible sessions; {a.authorised} authorised and {a.unauthorised} "
        f"unauthorised absences); peak unauthorised in any 10 school weeks: "
        f"{a.max_unauthorised_in_10_school_weeks}",))
    stands = (overall, *(s for ctx in contexts for s in standings(ctx)))
    duties = tuple(national_duties(case, contexts[0])) if contexts else ()
    if report.ready:
        return Plan(case.reference, as_of, stands, (), expiring_now(contexts, as_of), as_of,
                    duties, ready_now=True)
    closed = frozenset(d for d in closures if d > as_of) | term_closures(case, register, as_of)
    cal = calendar_register(register, as_of, closed)
    drafting = [replace(ctx, register=cal) for ctx in contexts]
    drafts: list[Draft] = []
    blocked: list[str] = []
    for ctx in drafting:
        # Invitations first, so a meeting this plan books is there for items that follow it.
        for item in sorted(ctx.checklist.items, key=lambda i: not any(
                r.name in ("min_notice", "reminder_before_meeting") for r in i.rules)):
            if ctx.outcomes[item.id].status == "not_met":
                draft_item(ctx, item, drafts, blocked, letters)
    link(drafts)
    notes: list[str] = []
    earliest: dt.date | None = None
    steps: tuple[Step, ...] = ()
    expiring: tuple[Expiring, ...] = ()
    if not blocked:
        earliest, steps, expiring, more = schedule(case, checklists, as_of, cal, drafts,
                                                     drafting, letters, register.last_date,
                                                     closed)
        if earliest is None:
            blocked.extend(more)
        notes.extend(more if earliest is not None else ())
    steps = tuple(replace(x, event=replace(x.event, states_attendance_pct=pct(case, x.by)))
                  if x.states_pct and x.event is not None else x for x in steps)
    if earliest is None:
        early = earliest_dates(drafts, cal, as_of)
        steps = tuple(to_step(d, early[d.id], max(d.by or early[d.id], early[d.id]))
                      for d in drafts)
    return Plan(case.reference, as_of, stands, steps, expiring, earliest, duties,
                tuple(dict.fromkeys(blocked)), False, tuple(notes))


def term_closures(case: Case, register: Register, as_of: dt.date) -> frozenset[dt.date]:
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


def calendar_register(register: Register, as_of: dt.date, closed: frozenset[dt.date]) -> Register:
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


def evaluated_contexts(case: Case, checklists: Sequence[Checklist], as_of: dt.date,
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


__all__ = ["Duty", "Expiring", "Plan", "Standing", "Step", "plan", "simulate"]
