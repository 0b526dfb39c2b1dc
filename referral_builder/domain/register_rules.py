"""Case rules that judge the register: age, window, thresholds, stages, certificate, returns.

Each returns (met, reasons, evidence ids). Declared with `registry.case_rule`.
"""

from __future__ import annotations

import datetime as dt

from . import codes, csa, stats
from .calendar import ONE_DAY, fmt
from .checklist import Rule
from .codes import SessionClass
from .context import Context, human
from .register import below
from .registry import (
    ADJUSTED_FORMULA,
    BASIS,
    FLAG,
    ITEM,
    NUMBER,
    TEXT,
    UNRESOLVED_N,
    WHOLE,
    WORDS,
    CaseResult,
    Param,
    case_rule,
    one_of,
)

ABSENT_CLASSES = (SessionClass.AUTH, SessionClass.UNAUTH)


@case_rule(
    name="csa", met="""the pupil is of compulsory school age on the referral date (NR-06
    to NR-08)""",
    register_only=True)
def rule_csa(ctx: Context, rule: Rule) -> CaseResult:
    dob = ctx.case.pupil.date_of_birth
    start, end = csa.csa_start(dob), csa.csa_end(dob)
    span = f"compulsory school age runs from {fmt(start)} to {fmt(end)}"
    if not start <= ctx.as_of <= end:
        return False, [f"{ctx.case.pupil.full_name} is not of compulsory school age on the "
                       f"referral date {fmt(ctx.as_of)} ({span})"], []
    first = ctx.register.first_date
    if first and first < start:
        ctx.warnings.append(f"Sessions before {fmt(start)} are before compulsory school age "
                            "and cannot support a legal intervention; they are left out.")
    return True, [f"{ctx.case.pupil.full_name} is of compulsory school age on {fmt(ctx.as_of)} "
                  f"({span})"], []


@case_rule(
    met="""the register lets the window of school weeks be worked out; the reason
    states its dates""",
    register_only=True)
def evidence_window(ctx: Context, rule: Rule) -> CaseResult:
    if ctx.window is None:
        return True, ["This checklist sets no evidence window"], []
    if not ctx.register.school_days(end=ctx.as_of):
        return False, ["No register marks are recorded, so the school weeks of the evidence "
                       "window cannot be worked out. Import the register"], []
    weeks = ctx.checklist.param("window_school_weeks")
    return True, [f"The {weeks} school weeks before the referral run from "
                  f"{fmt(ctx.window[0])} to {fmt(ctx.window[1])}; every item below needs "
                  "evidence dated inside them"], []


@case_rule(
    Param("sessions", WHOLE, 10), Param("school_weeks", WHOLE, 10),
    Param("codes", WORDS, tuple(sorted(codes.UNAUTH_PN))),
    Param("unresolved_n", UNRESOLVED_N, "block"),
    Param("lookback_school_weeks", WHOLE, doc="(null)"),
    met="""some window of `school_weeks` school weeks ending on or before the referral date
    (within the last `lookback_school_weeks` weeks when set) has at least `sessions` such
    sessions of compulsory school age. With `block`, N marks count but a window that needs
    them does not meet the rule""",
    register_only=True, standing=True)
def unauthorised_threshold(ctx: Context, rule: Rule) -> CaseResult:
    sessions = int(rule.get("sessions"))
    weeks = int(rule.get("school_weeks"))
    counted = frozenset(rule.get("codes"))
    n_mode = rule.get("unresolved_n")
    if n_mode == "exclude":
        counted = counted - {"N"}
    windows = ctx.register.unauthorised_windows(
        weeks, until=ctx.as_of, include=ctx.csa_day, counted=counted)
    lookback = rule.get("lookback_school_weeks")
    if lookback:
        windows = windows[-int(lookback):]
    label = ", ".join(sorted(counted))
    firm = [w for w in windows if w.count - (w.n_codes if n_mode == "block" else 0) >= sessions]
    # NR-02 / edge case 34: a window with unmarked sessions cannot decide the threshold (the
    # referral day itself may still wait for its afternoon mark).
    gaps = {w: ctx.register.missing_sessions(w.first_week, min(w.end, ctx.as_of - ONE_DAY))
            for w in firm}
    complete = [w for w in firm if not gaps[w]]
    if firm and not complete:
        w = firm[-1]
        listed = ", ".join(f"{fmt(d)} {s}" for d, s in gaps[w][:6])
        return False, [f"{w.count} unauthorised sessions in the {w.weeks} school weeks from "
                       f"{fmt(w.first_week)} cannot be relied on while sessions have no mark "
                       f"({listed}); complete the register first"], []
    firm = complete
    if firm:
        w = firm[-1]
        return True, [f"{w.count} unauthorised sessions ({label}) in the {w.weeks} school weeks "
                      f"from {fmt(w.first_week)} to {fmt(min(w.end, ctx.as_of))}; the threshold "
                      f"is {sessions}"], []
    provisional = [w for w in windows if w.count >= sessions]
    if provisional:
        w = provisional[-1]
        return False, [f"{w.count} unauthorised sessions in the {w.weeks} school weeks from "
                       f"{fmt(w.first_week)} reach {sessions} only by counting {w.n_codes} "
                       "unresolved N marks; resolve them to their final codes first"], []
    peak = max(windows, key=lambda w: w.count, default=None)
    best = (f"the most in any {weeks} school weeks is {peak.count} (from "
            f"{fmt(peak.first_week)})") if peak else "the register has no school weeks"
    return False, [f"Fewer than {sessions} unauthorised sessions ({label}) in {weeks} school "
                   f"weeks: {best}"], []


@case_rule(
    Param("pct", NUMBER, required=True), Param("inclusive", FLAG, False),
    Param("basis", BASIS, "year_to_date"),
    Param("school_weeks", WHOLE, 6, doc="(6, for `window`)"),
    Param("adjusted_formula", ADJUSTED_FORMULA, "exclude_authorised"),
    met="attendance on that basis, at the referral date, is below (or at) `pct`",
    register_only=True, standing=True)
def attendance_below(ctx: Context, rule: Rule) -> CaseResult:
    pct, inclusive = float(rule.get("pct")), bool(rule.get("inclusive"))
    basis = rule.get("basis")
    if basis == "window":
        weeks = int(rule.get("school_weeks"))
        mondays = ctx.window_weeks(weeks)
        start = mondays[0] if mondays else ctx.as_of
        c = ctx.register.counts(start, ctx.as_of, ctx.csa_day)
        period = f"over the {len(mondays)} school weeks from {fmt(start)}"
    else:
        c = ctx.ytd()
        period = f"this school year to {fmt(ctx.as_of)}"
    minimum = int(ctx.checklist.param("min_possible_sessions") or 0)
    if c.possible < max(minimum, 1):
        return False, [f"Too few possible sessions {period} ({c.possible}; at least {minimum} "
                       "are needed) to judge attendance"], []
    attended, possible = c.attended, c.possible
    how = ""
    if basis == "adjusted":
        if rule.get("adjusted_formula") == "exclude_authorised":
            possible = c.possible - c.authorised
            how = " leaving out authorised absence"
        else:
            attended = c.possible - c.unauthorised
            how = " counting authorised absence as attended"
    value = 100 * attended / possible if possible else 0.0
    word = "at or below" if inclusive else "below"
    ok = possible > 0 and below(attended, possible, pct, inclusive=inclusive)
    text = f"Attendance {period}{how} is {value:.1f}% ({attended} of {possible} sessions)"
    return ok, [f"{text}; it must be {word} {pct:g}%" if not ok else f"{text}: {word} {pct:g}%"], []


@case_rule(
    Param("below_pct", NUMBER, required=True), Param("inclusive", FLAG, False),
    Param("review_school_days", WHOLE),
    met="""year-to-date attendance fell below `below_pct` on some day; the reason states that
    day and the review point""",
    register_only=True, standing=True)
def stage_reached(ctx: Context, rule: Rule) -> CaseResult:
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive"))
    start = ctx.first_below(pct, inclusive)
    word = "to" if inclusive else "below"
    if start is None:
        return False, [f"Attendance has not fallen {word} {pct:g}% this school year"], []
    text = f"Attendance first fell {word} {pct:g}% on {fmt(start)}"
    review = rule.get("review_school_days")
    if review:
        text += f"; the review point is {fmt(ctx.register.add_school_days(start, int(review)))}"
    return True, [text], []


@case_rule(
    Param("max_age_school_days", WHOLE, 5),
    met="""the register reaches within that many school days of the referral date, so the
    certificate generated from it is current. Weekdays after the last mark count unless the
    case's term dates close them""")
def certificate_current(ctx: Context, rule: Rule) -> CaseResult:
    limit = int(rule.get("max_age_school_days"))
    days = ctx.register.school_days(end=ctx.as_of)
    if not days:
        return False, ["No register marks are recorded, so no attendance certificate can be "
                       "produced"], []
    last = days[-1]
    # Nothing after the last mark is known to be a school day: a weekday there counts
    # against the certificate unless the case's term dates close it (issue 14.1).
    open_days, closed, by_terms = days_after_register(ctx)
    age = ctx.register.school_days_between(last, ctx.as_of) + len(open_days)
    unit = "weekday" if open_days and not by_terms else "school day"
    gap = f"{age} {unit}{'s' * (age != 1)} before the referral"
    if by_terms and (open_days or closed):
        gap += " by the school's term dates"
    if closed:
        gap += (f" (the {len(closed)} weekday{'s' * (len(closed) != 1)} they close, "
                f"{_span(closed)}, {'are' if len(closed) != 1 else 'is'} not counted)")
    if age > limit:
        hint = "" if ctx.case.calendar is not None or unit != "weekday" else (
            "; if a holiday falls between, record the school's term dates")
        return False, [f"The register ends on {fmt(last)}, {gap}; a current certificate "
                       f"needs marks to within {limit} school days. Import the latest marks, "
                       f"or check the date of referral{hint}"], []
    return True, [f"The attendance certificate is produced from marks up to {fmt(last)}, "
                  f"{gap}"], []


def days_after_register(ctx: Context) -> tuple[list[dt.date], list[dt.date], bool]:
    """The weekdays after the register's last mark up to the referral date, split into those
    the case's term dates leave open and those they close (a holiday, a closure day), and
    whether the term dates cover every one of them. Without term dates every weekday is open.
    """
    weekdays = ctx.register.weekdays_after(ctx.as_of)
    calendar = ctx.case.calendar
    if calendar is None or not (calendar.terms or calendar.closures):
        return weekdays, [], False
    first = min((t.start for t in calendar.terms), default=None)
    end = max((t.end for t in calendar.terms), default=None)
    open_days: list[dt.date] = []
    closed: list[dt.date] = []
    covered = bool(calendar.terms)
    for d in weekdays:
        if d in calendar.closures:
            closed.append(d)
        elif first is not None and end is not None and first <= d <= end:
            (open_days if calendar.is_school_day(d) else closed).append(d)
        else:  # outside the term dates given: a weekday stands in
            open_days.append(d)
            covered = False
    return open_days, closed, covered


def _span(days: list[dt.date]) -> str:
    return fmt(days[0]) if len(days) == 1 else f"{fmt(days[0])} to {fmt(days[-1])}"


@case_rule(
    Param("grace_school_days", WHOLE, doc="(the checklist's `n_code_grace_school_days`)"),
    Param("out_of_era", one_of("block"),
          doc="(`block`: no mark from the other code set for its date)"),
    met="no N mark older than the grace (0: none at all, edge case 10)",
    register_only=True)
def no_unresolved_n(ctx: Context, rule: Rule) -> CaseResult:
    """No N mark left past its grace period (edge case 10) and, with `out_of_era: block`, no
    mark from the other code set for its date (a legacy `H` in 2026 is not a 2024 code, 2.2).

    `grace_school_days` on the rule overrides the checklist's `n_code_grace_school_days`: an
    item that asks for accurate marks at the referral can allow no grace at all.
    """
    own = rule.get("grace_school_days")
    grace = int(own if own is not None else ctx.checklist.param("n_code_grace_school_days") or 0)
    if rule.get("out_of_era") == "block":
        era = [(d, s, c) for d, s, c in ctx.register.sessions(end=ctx.as_of)
               if codes.out_of_era(c, d)]
        if era:
            listed = ", ".join(f"{c} on {fmt(d)} {s}" for d, s, c in era[:6])
            return False, [f"{len(era)} marks are not codes in force on their date: {listed}. "
                           "Replace each with the code of the current set (2024 codes from "
                           "19 Aug 2024)"], []
    marks = ctx.register.codes_in({"N"}, end=ctx.as_of)
    overdue = [(d, s) for d, s, _ in marks
               if not grace or ctx.register.school_days_between(d, ctx.as_of) > grace]
    if overdue:
        listed = ", ".join(f"{fmt(d)} {s}" for d, s in overdue[:6])
        more = f" and {len(overdue) - 6} more" if len(overdue) > 6 else ""
        after = f" after {grace} school days" if grace else " at the referral"
        return False, [f"{len(overdue)} N marks are still unresolved{after}: "
                       f"{listed}{more}. Replace each with the correct code, or O"], []
    if marks:
        ctx.warnings.append(f"{len(marks)} N marks from the last {grace} school days still "
                            "need their final codes.")
        return True, [f"{len(marks)} N marks are younger than {grace} school days, so they "
                      "are not yet due to be resolved"], []
    return True, ["No N marks are left in the register"], []


@case_rule(
    Param("types", WORDS, ("phone_call",)), Param("codes", WORDS, doc="(all absence codes)"),
    Param("before", TEXT, doc="(none)"), Param("from_item", ITEM, doc="(none)"),
    met="""every absence this school year (a run of school days with an absent session) has
    an event of those types, either direction, on its first day (a contact whose recorded
    time is `before` or later does not count); with `from_item`, only absences starting on
    or after that item's earliest evidence ("further absences" once a stage has begun)""",
    register_only=True)
def first_day_contact(ctx: Context, rule: Rule) -> CaseResult:
    """Every absence this school year has a contact (a phone call) on its first day.

    An absence starts on a school day with an absent session when the school day before had
    none; `codes` narrows which marks count as absence. With `from_item`, only absences
    starting on or after that item's earliest evidence count (Stockport Stage 2: "first day
    calling for any further absences"); until that item has evidence, the whole year does.
    """
    types = tuple(rule.get("types"))
    wanted = set(rule.get("codes") or ())
    before = str(rule.get("before") or "")  # "on the morning": a call timed later is not
    reg = ctx.register
    start = ctx.year_start()
    since = ""
    ref = ctx.outcomes.get(str(rule.get("from_item") or ""))
    if ref is not None and ref.earliest is not None and ref.earliest > start:
        start = ref.earliest
        since = f" since {fmt(start)}"
    firsts: list[dt.date] = []
    yesterday = False
    for d in reg.school_days(start, ctx.as_of):
        away = any((c in wanted) if wanted else reg.cls(d, c) in ABSENT_CLASSES
                   for c in reg.days[d].values())
        if away and not yesterday:
            firsts.append(d)
        yesterday = away
    if not firsts:
        return True, [f"No absence{since} this school year needed a first-day call"], []
    contacts = {e.date: e for e in ctx.dated_events() if e.type in types
                and not (before and e.time and e.time >= before)}
    missed = [d for d in firsts if d not in contacts]
    used = [contacts[d].id for d in firsts if d in contacts]
    what = " or ".join(human(t) for t in types)
    if missed:
        listed = ", ".join(fmt(d) for d in missed[:6])
        more = f" and {len(missed) - 6} more" if len(missed) > 6 else ""
        which = ("the only absence" if len(firsts) == 1
                 else f"{len(missed)} of the {len(firsts)} absences")
        when = f" before {before}" if before else ""
        return False, [f"No {what} is recorded{when} on the first day of {which}{since} this "
                       f"school year: {listed}{more}"], used
    return True, [f"A {what} is recorded on the first day of each of the {len(firsts)} "
                  f"absences{since} this school year"], used


@case_rule(
    Param("trigger", one_of("attendance_return", "sickness_return"), "attendance_return"),
    met="""when the register made the return due, an event with that `return`
    (`attendance_10_day`, `sickness_15_day`), or a `referral` or `agency_contact` event to
    education welfare, is dated on or after the day it fell due""")
def return_made(ctx: Context, rule: Rule) -> CaseResult:
    trigger = rule.get("trigger")
    due = return_due_dates(ctx, trigger)
    if not due:
        return True, [f"No {human(trigger)} has fallen due"], []
    kind = {"attendance_return": "attendance_10_day",
            "sickness_return": "sickness_15_day"}.get(trigger)
    made = [e for e in ctx.dated_events() if e.return_ == kind or (
        e.type in ("referral", "agency_contact") and e.return_ is None and (
            e.agency == "education_welfare" or "education welfare" in (e.service or "").lower()
            or "return" in (e.service or "").lower() or "return" in e.summary.lower()))]
    reasons, used = [], []
    for d in due:
        found = [e for e in made if e.date and e.date >= d]
        if found:
            used.append(found[0].id)
        else:
            reasons.append(f"The {human(trigger)} fell due on {fmt(d)}; no return to the local "
                           "authority is recorded on or after that date")
    if reasons:
        return False, reasons, used
    return True, [f"The {human(trigger)} due on {', '.join(fmt(d) for d in due)} was made"], used


def return_due_dates(ctx: Context, trigger: str) -> list[dt.date]:
    """Dates on which the register made a statutory return due (NR-13, NR-14)."""
    if trigger == "attendance_return":
        return [due for run, due in stats.attendance_returns(ctx.register, ctx.csa_day)
                if run.end <= ctx.as_of]
    return list(stats.sickness_returns(ctx.register, ctx.year_start(), ctx.as_of).due_on)


@case_rule(
    Param("below_pct", NUMBER, required=True), Param("inclusive", FLAG, False),
    Param("school_days", WHOLE, required=True),
    met="""A24: the period that starts on the first day below `below_pct` has run
    `school_days` school days by the referral date""")
def period_run(ctx: Context, rule: Rule) -> CaseResult:
    """A24: a period that starts when attendance falls below `below_pct` must have run its
    `school_days` by the referral date."""
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive"))
    days = int(rule.get("school_days"))
    start = ctx.first_below(pct, inclusive)
    word = "to" if inclusive else "below"
    if start is None:
        return False, [f"Attendance has not fallen {word} {pct:g}% this school year, so the "
                       "period has not started"], []
    end = ctx.register.add_school_days(start, days)
    run = ctx.register.school_days_between(start, ctx.as_of)
    if run < days:
        return False, [f"The period started when attendance first fell {word} {pct:g}% on "
                       f"{fmt(start)}; only {run} of its {days} school days have run by "
                       f"{fmt(ctx.as_of)}{ctx.unmarked_note()}. It ends on {fmt(end)}"], []
    return True, [f"The period started on {fmt(start)} (attendance first {word} {pct:g}%) and "
                  f"ran its {days} school days to {fmt(end)}"], []
