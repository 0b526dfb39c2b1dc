"""Where the pupil stands (the stage and threshold rules, with the day each was reached), the
national duties the register makes due, and evidence about to fall out of the window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import codes
from .calendar import ONE_DAY, fmt
from .checklist import Item, Rule
from .context import Context
from .model import Case
from .plan_model import HORIZON_DAYS, STANDING_RULES, Duty, Expiring, Standing
from .register import Register
from .rules import bind, return_due_dates, run_case_rule


def standings(ctx: Context) -> list[Standing]:
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
                since = threshold_day(ctx, rule)
        found.append(Standing(ctx.checklist.id, item.id, item.number, met,
                              since if met else None,
                              tuple(w for _ok, why, _ids in verdicts for w in why)))
    return found


def threshold_day(ctx: Context, rule: Rule) -> dt.date | None:
    """The day of the n-th counted session in the first window that reached the threshold."""
    rule = bind(rule)
    sessions = int(rule.get("sessions"))
    weeks = int(rule.get("school_weeks"))
    counted = frozenset(rule.get("codes"))
    if rule.get("unresolved_n") == "exclude":
        counted = counted - {"N"}
    return nth_in_weeks(ctx.register, sessions, weeks, counted, ctx.as_of, ctx.csa_day)


def nth_in_weeks(register: Register, sessions: int, weeks: int, counted: frozenset[str],
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


def national_duties(case: Case, ctx: Context) -> list[Duty]:
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
    day = nth_in_weeks(ctx.register, 10, 10, codes.UNAUTH_PN, ctx.as_of, ctx.csa_day)
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


def window_start(register: Register, day: dt.date, weeks: int, week_counts: bool) -> dt.date:
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


def expiry_of(ctx: Context, item: Item, as_of: dt.date, register: Register,
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
            if window_start(register, day, weeks, counts) > e.date:
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


def expiring_now(contexts: list[Context], as_of: dt.date) -> tuple[Expiring, ...]:
    """For a ready case: the evidence whose expiry would end readiness soonest."""
    found: list[Expiring] = []
    for ctx in contexts:
        for item in ctx.checklist.items:
            if ctx.outcomes[item.id].status == "met" and item.evidence is not None:
                found += expiry_of(ctx, item, as_of, ctx.register)
    return tuple(sorted(found, key=lambda x: x.expires)[:10])
