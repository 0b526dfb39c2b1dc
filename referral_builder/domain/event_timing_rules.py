"""Filter rules about when an event happened: the window, notice, order, reviews, gaps.

Each takes one candidate event and returns None when it passes, the reason it does not, or ""
when the event is not a candidate at all. Declared with `registry.filter_rule`.
"""

from __future__ import annotations

from .calendar import add_working_days, fmt
from .checklist import Rule
from .context import Context, sentence_case
from .model import Event
from .registry import FLAG, ITEM, NUMBER, WHOLE, WORDS, Param, filter_rule


@filter_rule(passes="dated inside the checklist's window of school weeks")
def in_window(ctx: Context, e: Event, rule: Rule) -> str | None:
    if ctx.window is None or e.date is None or e.date >= ctx.window[0]:
        return None
    weeks = ctx.checklist.param("window_school_weeks")
    return (f"{ctx.describe(e)} is older than the {weeks} school weeks before the referral "
            f"(the window starts on {fmt(ctx.window[0])})")


@filter_rule(
    Param("days", WHOLE, 7),
    passes="""the event names its `meeting`, that meeting has a date and time, and `meeting
    date - event date >= days` (calendar days). A posted letter whose deemed receipt leaves
    less than `days` gets a warning only""")
def min_notice(ctx: Context, e: Event, rule: Rule) -> str | None:
    days = int(rule.get("days"))
    m = ctx.meeting(e)
    if m is None or m.date is None or e.date is None:
        return f"{ctx.describe(e)} does not name the meeting it invites to"
    if m.status in ("rescheduled", "cancelled"):
        new = ctx.replacement(m)
        if new is None or new.date is None:
            return (f"the meeting on {fmt(m.date)} that {ctx.describe(e)} invites to was "
                    f"{m.status}, and no meeting replaces it")
        if not new.requested_by_parent:
            # The school moved it: the new date needs its own notice (edge case 4 otherwise).
            return (f"the meeting on {fmt(m.date)} that {ctx.describe(e)} invites to was "
                    f"moved to {fmt(new.date)} ({new.id}) without the parents asking; the "
                    f"new date needs its own written invitation with {days} days' notice")
    if not m.time:
        return (f"{ctx.describe(e)} invites to the meeting on {fmt(m.date)}, but no time is "
                "recorded for it; the invitation must state a date and a time")
    notice = (m.date - e.date).days
    if notice < days:
        return (f"The meeting on {fmt(m.date)} was invited on {fmt(e.date)}: {notice} days' "
                f"notice; at least {days} are needed")
    receipt_days = int(ctx.checklist.param("deemed_receipt_working_days") or 0)
    if e.type == "letter" and receipt_days:
        received = add_working_days(e.date, receipt_days)
        if (m.date - received).days < days:
            ctx.warnings.append(
                f"If {ctx.describe(e)} went by post it is deemed received on {fmt(received)}, "
                f"{(m.date - received).days} days before the meeting on {fmt(m.date)}; "
                "record how it was delivered.")
    return None


@filter_rule(
    Param("item", ITEM, required=True), Param("gap_school_days", WHOLE, 0),
    passes="""dated on or after the earliest *other* evidence of `item` (+ gap in school
    days); a letter that evidences both items does not follow itself""")
def after_item(ctx: Context, e: Event, rule: Rule) -> str | None:
    ref = ctx.outcomes.get(rule.get("item"))
    if ref is None or ref.status == "not_applicable" or e.date is None:
        return None
    # A letter that is evidence for both items does not follow itself: "continued" concern
    # (Walsall item 6) comes after an earlier concern letter, not the same one.
    first = min((x.date for x in ref.passing if x.date and x.id != e.id), default=None)
    if first is None:
        if ref.earliest is None:
            return None
        what = ctx.item_name(rule.get("item"))
        return f"{ctx.describe(e)} is the only {what}; it must come after an earlier one"
    earliest = first
    gap = int(rule.get("gap_school_days"))
    if gap:
        earliest = ctx.register.add_school_days(earliest, gap)
    if e.date < earliest:
        what = ctx.item_name(rule.get("item"))
        extra = f" plus {gap} school days" if gap else ""
        return (f"{ctx.describe(e)} comes before the {what} of {fmt(first)}{extra}; "
                "it must come after it")
    return None


@filter_rule(Param("item", ITEM, required=True),
             passes="dated on or before the latest evidence of `item`")
def before_item(ctx: Context, e: Event, rule: Rule) -> str | None:
    ref = ctx.outcomes.get(rule.get("item"))
    if ref is None or ref.latest is None or e.date is None or e.date <= ref.latest:
        return None
    return (f"{ctx.describe(e)} comes after the {ctx.item_name(rule.get('item'))} of "
            f"{fmt(ref.latest)}; it must come first")


@filter_rule(
    Param("same_day", FLAG, False),
    passes="""dated on or after the meeting it names (or, if it names none, after some
    meeting); with `same_day`, on the day of a meeting held or missed by the parents ("at the
    meeting")""")
def after_meeting(ctx: Context, e: Event, rule: Rule) -> str | None:
    if e.date is None:
        return None
    named = ctx.meeting(e)
    if named is not None and named.date is not None:
        # Edge case 4: a letter follows the meeting actually held, not a rescheduled one.
        m = ctx.held_meeting(named)
        if m is None or m.date is None:
            return (f"{ctx.describe(e)} follows the meeting of {fmt(named.date)} ({named.id}), "
                    f"which was {named.status} and not held")
        if e.date < m.date:
            moved = (f", rescheduled from {fmt(named.date)}" if m is not named else "")
            return (f"{ctx.describe(e)} is dated before the meeting it follows "
                    f"({fmt(m.date)}{moved})")
        if m.date > ctx.as_of:
            return f"the meeting {ctx.describe(e)} follows ({fmt(m.date)}) is still to come"
        return None
    if rule.get("same_day"):
        # "at the meeting" (Bloxwich item 3 under "First Meeting", 3.2 [R]: on the first
        # meeting's date): on the day of a meeting that took place as scheduled (held, or
        # missed by the parents), not some later day.
        ok = ("held", "did_not_attend", None)
        if any(x.date == e.date and x.status in ok for x in ctx.meetings()):
            return None
        days = [x.date for x in ctx.meetings() if x.date and x.status in ok]
        when = ", ".join(fmt(d) for d in days[:3]) or "no meeting is recorded"
        return (f"{ctx.describe(e)} is not dated on the day of a meeting ({when}); it must "
                "be made at the meeting")
    if any(x.date and x.date <= e.date and x.status not in ("cancelled", "rescheduled")
           for x in ctx.meetings()):
        return None
    return f"no meeting is recorded on or before {ctx.describe(e)}"


@filter_rule(passes="""names a meeting (or one follows), dated after that meeting's
    written invite and on or before the meeting""")
def reminder_before_meeting(ctx: Context, e: Event, rule: Rule) -> str | None:
    if e.date is None:
        return None
    named = ctx.meeting(e)
    # A reminder of a rescheduled meeting reminds of the meeting that replaced it.
    m = (ctx.held_meeting(named) if named is not None else None) or named or next(
        (x for x in ctx.meetings() if x.date and x.date >= e.date
         and x.status not in ("cancelled", "rescheduled")), None)
    if m is None or m.date is None:
        return f"{ctx.describe(e)} is not followed by a meeting"
    ids = {m.id} | ({named.id} if named is not None else set())
    ids |= {x.id for x in ctx.case.events if x.type == "meeting" and ctx.replacement(x) is m}
    invites = [i.date for i in ctx.case.events if i.written and i.meeting in ids
               and "meeting_invite" in i.purposes and i.date]
    if e.date > m.date:
        return f"{ctx.describe(e)} comes after the meeting on {fmt(m.date)}"
    if invites and e.date <= min(invites):
        return (f"{ctx.describe(e)} is not after the invitation of {fmt(min(invites))}, so it "
                "is not a reminder")
    return None


@filter_rule(
    Param("below_pct", NUMBER, required=True), Param("inclusive", FLAG, False),
    passes="""dated on or after the first day year-to-date attendance fell below (or to)
    `below_pct`""")
def after_stage_start(ctx: Context, e: Event, rule: Rule) -> str | None:
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive"))
    start = ctx.first_below(pct, inclusive)
    word = "to" if inclusive else "below"
    if start is None:
        return f"attendance has not fallen {word} {pct:g}% this school year"
    if e.date is not None and e.date < start:
        return (f"{ctx.describe(e)} comes before attendance first fell {word} {pct:g}% "
                f"(on {fmt(start)})")
    return None


@filter_rule(
    Param("min_school_days", WHOLE), Param("max_school_days", WHOLE), Param("improved", FLAG),
    passes="""a `review` event names it (`of`), dated that many school days after it; with
    `improved`, only a review recording that value counts ("on review of the contract, if
    attendance has failed to improve": `improved: false`)""")
def reviewed(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Pass when a `review` event names this event (`of`) within the school-day bounds."""
    if e.date is None:
        return None
    lo, hi = rule.get("min_school_days"), rule.get("max_school_days")
    reviews = [r for r in ctx.dated_events() if r.type == "review" and r.of == e.id
               and r.date and r.date >= e.date]
    if not reviews:
        return f"no review of {ctx.describe(e)} is recorded (a review naming it)"
    if rule.get("improved") is not None:
        wanted = bool(rule.get("improved"))
        matching = [r for r in reviews if r.improved is wanted]
        if not matching:
            what = "improvement" if wanted else "no improvement (improved: false)"
            return (f"{sentence_case(ctx.describe(reviews[-1]))} of {ctx.describe(e)} does not "
                    f"record {what}; only a review that records {what} counts here")
        reviews = matching
    gaps = [(r, ctx.register.school_days_between(e.date, r.date or e.date)) for r in reviews]
    if any((lo is None or g >= int(lo)) and (hi is None or g <= int(hi)) for _, g in gaps):
        return None
    r, g = gaps[0]
    bounds = f"{lo} to {hi}" if lo is not None and hi is not None else (
        f"at least {lo}" if lo is not None else f"at most {hi}")
    return (f"{ctx.describe(r)} is {g} school days after {ctx.describe(e)}; the review should "
            f"be {bounds} school days after it")


@filter_rule(
    Param("min_school_days", WHOLE, 0),
    passes="""dated at least that many school days before the referral date (school days the
    register shows: days after its last mark are not counted)""")
def school_days_before_referral(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Pass when the event is at least `min_school_days` school days before the referral."""
    minimum = int(rule.get("min_school_days"))
    if e.date is None:
        return None
    gap = ctx.register.school_days_between(e.date, ctx.as_of)
    if gap >= minimum:
        return None
    return (f"{ctx.describe(e)} is only {gap} school days before the referral on "
            f"{fmt(ctx.as_of)}{ctx.unmarked_note()}; at least {minimum} are needed, so the "
            f"referral can be made from {fmt(ctx.register.add_school_days(e.date, minimum))}")


@filter_rule(
    Param("item", ITEM, required=True), Param("min_school_days", WHOLE, 0),
    Param("improved", FLAG),
    passes="""a `review` whose `of` names the evidence of `item` (A27), at least
    `min_school_days` after it; with `improved`, it must record that value (`false`: no
    improvement). Reviews of other things are not candidates""")
def review_of_item(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A review that names (`of`) the evidence of another item, `min_school_days` after it
    (A27)."""
    ref = ctx.outcomes.get(rule.get("item"))
    what = ctx.item_name(rule.get("item"))
    targets = {x.id: x for x in (ref.passing if ref else [])}
    if e.of not in targets:
        # A review of something else is not a candidate; one naming nothing is told so.
        other = ctx.case.event(e.of) if e.of else None
        if other is not None and ref is not None and ref.passing:
            return ""
        named = f" names {ctx.describe(other)}" if other else " does not name what it reviews"
        return f"{ctx.describe(e)}{named}; it must be the review of the {what}"
    target = targets[e.of]
    gap = int(rule.get("min_school_days"))
    if target.date and e.date and gap:
        days = ctx.register.school_days_between(target.date, e.date)
        if days < gap:
            return (f"{ctx.describe(e)} is {days} school days after {ctx.describe(target)}; it "
                    f"must be at least {gap} school days after it (from "
                    f"{fmt(ctx.register.add_school_days(target.date, gap))})")
    return review_records(ctx, e, rule)


@filter_rule(Param("improved", FLAG),
             passes="a `review` records `improved` as given")
def review_records(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A review records improvement as wanted (`improved: false`: it found none)."""
    if rule.get("improved") is None:
        return None
    wanted = bool(rule.get("improved"))
    if e.improved is wanted:
        return None
    what = "improvement" if wanted else "no improvement"
    found = {True: "records improvement", False: "records no improvement",
             None: "does not record whether attendance improved"}[e.improved]
    return f"{ctx.describe(e)} {found}; it counts here only if it records {what}"


@filter_rule(
    Param("codes", WORDS, ("N",)),
    passes="""dated on or after the first mark with those codes still in the register (the
    N-code letter follows the N marks it is about)""")
def after_marks(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Dated on or after the first of the marks it is about (still in the register)."""
    wanted = set(rule.get("codes"))
    marks = ctx.register.codes_in(wanted, end=ctx.as_of)
    if not marks or e.date is None:
        return None
    first = marks[0][0]
    if e.date < first:
        return (f"{ctx.describe(e)} comes before the first {'/'.join(sorted(wanted))} mark "
                f"still in the register ({fmt(first)} {marks[0][1]}), so it is not about it")
    return None


@filter_rule(
    Param("n", WHOLE, 1), Param("gap_school_days", WHOLE, 0),
    Param("kinds", WORDS, ("attendance_meeting",)),
    passes="""a meeting at least `gap_school_days` after the n-th earlier meeting of those
    kinds (Bloxwich Stage 2: 20 school days after the first)""")
def after_nth_meeting(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A meeting at least `gap_school_days` after the n-th (default first) meeting."""
    n = int(rule.get("n"))
    kinds = tuple(rule.get("kinds"))
    held = [m for m in ctx.meetings() if m.kind in kinds
            and m.status in (None, "held", "did_not_attend") and m.id != e.id]
    before = [m for m in held if m.date and e.date and m.date < e.date]
    if len(before) < n or e.date is None:
        return f"{ctx.describe(e)} is not preceded by {n} earlier meeting(s)"
    first = before[n - 1]
    gap = int(rule.get("gap_school_days"))
    days = ctx.register.school_days_between(first.date or e.date, e.date)
    if days < gap:
        return (f"{ctx.describe(e)} is {days} school days after {ctx.describe(first)}; at least "
                f"{gap} must have passed")
    return None
