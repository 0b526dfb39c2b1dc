"""The rule types checklists are written in (evidence_checklists/README.md).

Filter rules take one candidate event and return None when it passes, or the reason it does
not. Case rules look at the case or the register and return (met, reasons, evidence ids).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from . import codes, csa, stats
from .calendar import ONE_DAY, add_working_days, fmt, monday
from .checklist import Rule
from .codes import SessionClass
from .context import Context, human, sentence_case
from .model import Event
from .register import below

ABSENT_CLASSES = (SessionClass.AUTH, SessionClass.UNAUTH)

FilterFn = Callable[[Context, Event, Rule], "str | None"]
CaseResult = tuple[bool, list[str], list[str]]
CaseFn = Callable[[Context, Rule], CaseResult]

#: One table of role synonyms (issue 13.4): every spelling a school uses -> one role.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "attendance_officer": ("ao", "la_ao", "la_attendance_officer", "attendance_officer",
                           "local_authority_attendance_officer", "education_welfare_officer",
                           "ewo", "attendance_lead_officer"),
    "assistant_head": ("aht", "aht_inclusion", "assistant_head", "assistant_head_inclusion",
                       "assistant_head_teacher", "assistant_headteacher",
                       "assistant_head_teacher_inclusion", "assistant_headteacher_inclusion",
                       "assistant_principal", "inclusion_lead"),
    "child_and_family_support_worker": ("c_and_fsw", "cfsw", "c_fsw", "candfsw",
                                        "child_and_family_support_worker",
                                        "child_family_support_worker",
                                        "family_support_worker", "fsw"),
    "head_of_academy": ("head_of_academy", "academy_head", "principal"),
    "head": ("head", "head_teacher", "headteacher", "headmaster", "headmistress"),
    "head_of_school": ("head_of_school", "hos"),
    "executive_headteacher": ("executive_headteacher", "executive_head_teacher",
                              "executive_head", "eht"),
    "deputy_head": ("deputy_head", "deputy_head_teacher", "deputy_headteacher", "dht",
                    "deputy_head_of_school", "deputy_principal"),
    "class_teacher": ("class_teacher", "teacher", "form_tutor"),
    "dsl": ("dsl", "designated_safeguarding_lead"),
    "ddsl": ("ddsl", "deputy_designated_safeguarding_lead", "deputy_dsl"),
    "school_nurse": ("school_nurse", "school_nursing_service", "nurse"),
    "senco": ("senco", "special_educational_needs_coordinator", "sendco"),
}
ROLE_ALIASES = {alias: role for role, aliases in ROLE_SYNONYMS.items() for alias in aliases}


def normalise_role(role: str) -> str:
    """Reduce a role as people write it ("AHT (Inclusion)", "C&FSW") to its table entry."""
    text = role.lower().replace("&", " and ")
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    key = "_".join(text.split())
    return ROLE_ALIASES.get(key, key)


# ---- filter rules ----------------------------------------------------------------------

def in_window(ctx: Context, e: Event, rule: Rule) -> str | None:
    if ctx.window is None or e.date is None or e.date >= ctx.window[0]:
        return None
    weeks = ctx.checklist.param("window_school_weeks")
    return (f"{ctx.describe(e)} is older than the {weeks} school weeks before the referral "
            f"(the window starts on {fmt(ctx.window[0])})")


def min_notice(ctx: Context, e: Event, rule: Rule) -> str | None:
    days = int(rule.get("days", 7))
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
        what = _item_name(ctx, rule.get("item"))
        return f"{ctx.describe(e)} is the only {what}; it must come after an earlier one"
    earliest = first
    gap = int(rule.get("gap_school_days", 0))
    if gap:
        earliest = ctx.register.add_school_days(earliest, gap)
    if e.date < earliest:
        what = _item_name(ctx, rule.get("item"))
        extra = f" plus {gap} school days" if gap else ""
        return (f"{ctx.describe(e)} comes before the {what} of {fmt(first)}{extra}; "
                "it must come after it")
    return None


def before_item(ctx: Context, e: Event, rule: Rule) -> str | None:
    ref = ctx.outcomes.get(rule.get("item"))
    if ref is None or ref.latest is None or e.date is None or e.date <= ref.latest:
        return None
    return (f"{ctx.describe(e)} comes after the {_item_name(ctx, rule.get('item'))} of "
            f"{fmt(ref.latest)}; it must come first")


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


def after_stage_start(ctx: Context, e: Event, rule: Rule) -> str | None:
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive", False))
    start = ctx.first_below(pct, inclusive)
    word = "to" if inclusive else "below"
    if start is None:
        return f"attendance has not fallen {word} {pct:g}% this school year"
    if e.date is not None and e.date < start:
        return (f"{ctx.describe(e)} comes before attendance first fell {word} {pct:g}% "
                f"(on {fmt(start)})")
    return None


def states_attendance_pct(ctx: Context, e: Event, rule: Rule) -> str | None:
    if e.states_attendance_pct is None:
        return f"{ctx.describe(e)} does not record the attendance % it stated"
    if e.date is not None:
        actual = ctx.ytd(e.date, legal=False).attendance_pct()
        if actual is not None and abs(actual - e.states_attendance_pct) > 1.0:
            ctx.warnings.append(
                f"{sentence_case(ctx.describe(e))} states {e.states_attendance_pct:g}% attendance; "
                f"the register gives {actual:.1f}% on that date.")
    return None


def encloses(ctx: Context, e: Event, rule: Rule) -> str | None:
    what = rule.get("what", "attendance_certificate")
    if what in e.encloses:
        return None
    return f"{ctx.describe(e)} does not enclose the {human(what)}"


def mentions(ctx: Context, e: Event, rule: Rule) -> str | None:
    purposes = set(rule.get("purposes") or ())
    words = [w.lower() for w in rule.get("words") or ()]
    if purposes & set(e.purposes) or any(w in e.summary.lower() for w in words):
        return None
    if ctx.item_id and ctx.item_id in e.evidence_for:
        return None  # the school says what this record is evidence for
    wanted = " or ".join(human(p) for p in sorted(purposes)) or " or ".join(words)
    return f"{ctx.describe(e)} does not record the {wanted} it set out"


def outcome_recorded(ctx: Context, e: Event, rule: Rule) -> str | None:
    values = tuple(rule.get("values") or ())
    if e.outcome in values:
        return None
    wanted = " or ".join(human(v) for v in values)
    if e.outcome:
        return f"{ctx.describe(e)} records the outcome \"{e.outcome}\"; the item needs {wanted}"
    return f"{ctx.describe(e)} has no outcome recorded ({wanted})"


def by_role(ctx: Context, e: Event, rule: Rule) -> str | None:
    roles = {normalise_role(r) for r in rule.get("roles") or ()}
    if e.by is None or not e.by.role:
        return f"{ctx.describe(e)} does not say who sent it (needed: {', '.join(sorted(roles))})"
    if normalise_role(e.by.role) in roles:
        return None
    return (f"{ctx.describe(e)} was done by {e.by.name or 'someone'} ({e.by.role}); "
            f"the checklist names {' or '.join(human(r) for r in sorted(roles))}")


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


def school_days_before_referral(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Pass when the event is at least `min_school_days` school days before the referral."""
    minimum = int(rule.get("min_school_days", 0))
    if e.date is None:
        return None
    gap = ctx.register.school_days_between(e.date, ctx.as_of)
    if gap >= minimum:
        return None
    return (f"{ctx.describe(e)} is only {gap} school days before the referral on "
            f"{fmt(ctx.as_of)}; at least {minimum} are needed, so the referral can be made "
            f"from {fmt(ctx.register.add_school_days(e.date, minimum))}")


def consent_requested(ctx: Context, e: Event, rule: Rule) -> str | None:
    if e.consent_requested:
        return None
    return f"{ctx.describe(e)} does not record that consent was requested"


def meeting_kind(ctx: Context, e: Event, rule: Rule) -> str | None:
    """The meeting a letter names is (or is not) of these kinds (A26: a panel invite is not
    Letter 3)."""
    m = ctx.meeting(e)
    kinds, not_kinds = tuple(rule.get("kinds") or ()), tuple(rule.get("not_kinds") or ())
    if m is None:
        return f"{ctx.describe(e)} does not name the meeting it arranges" if kinds else None
    if kinds and m.kind not in kinds:
        return (f"{ctx.describe(e)} is about {ctx.describe(m)} ({human(m.kind or 'other')}); "
                f"it must be about: {' or '.join(human(k) for k in kinds)}")
    if m.kind in not_kinds:
        return (f"{ctx.describe(e)} invites to {ctx.describe(m)} ({human(m.kind or 'other')}), "
                "so it is not this letter")
    if rule.get("arranges") and m.date and e.date and m.date < e.date:
        return (f"{ctx.describe(e)} is dated after {ctx.describe(m)}, so it cannot arrange "
                "that meeting")
    return None


def review_of_item(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A review that names (`of`) the evidence of another item, `min_school_days` after it
    (A27)."""
    ref = ctx.outcomes.get(rule.get("item"))
    what = _item_name(ctx, rule.get("item"))
    targets = {x.id: x for x in (ref.passing if ref else [])}
    if e.of not in targets:
        # A review of something else is not a candidate; one naming nothing is told so.
        other = ctx.case.event(e.of) if e.of else None
        if other is not None and ref is not None and ref.passing:
            return ""
        named = f" names {ctx.describe(other)}" if other else " does not name what it reviews"
        return f"{ctx.describe(e)}{named}; it must be the review of the {what}"
    target = targets[e.of]
    gap = int(rule.get("min_school_days", 0))
    if target.date and e.date and gap:
        days = ctx.register.school_days_between(target.date, e.date)
        if days < gap:
            return (f"{ctx.describe(e)} is {days} school days after {ctx.describe(target)}; it "
                    f"must be at least {gap} school days after it (from "
                    f"{fmt(ctx.register.add_school_days(target.date, gap))})")
    return review_records(ctx, e, rule)


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


def after_marks(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Dated on or after the first of the marks it is about (still in the register)."""
    wanted = set(rule.get("codes") or ("N",))
    marks = ctx.register.codes_in(wanted, end=ctx.as_of)
    if not marks or e.date is None:
        return None
    first = marks[0][0]
    if e.date < first:
        return (f"{ctx.describe(e)} comes before the first {'/'.join(sorted(wanted))} mark "
                f"still in the register ({fmt(first)} {marks[0][1]}), so it is not about it")
    return None


def after_nth_meeting(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A meeting at least `gap_school_days` after the n-th (default first) meeting."""
    n = int(rule.get("n", 1))
    kinds = tuple(rule.get("kinds") or ("attendance_meeting",))
    held = [m for m in ctx.meetings() if m.kind in kinds
            and m.status in (None, "held", "did_not_attend") and m.id != e.id]
    before = [m for m in held if m.date and e.date and m.date < e.date]
    if len(before) < n or e.date is None:
        return f"{ctx.describe(e)} is not preceded by {n} earlier meeting(s)"
    first = before[n - 1]
    gap = int(rule.get("gap_school_days", 0))
    days = ctx.register.school_days_between(first.date or e.date, e.date)
    if days < gap:
        return (f"{ctx.describe(e)} is {days} school days after {ctx.describe(first)}; at least "
                f"{gap} must have passed")
    return None


def attendance_at_event(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Year-to-date attendance on the event's date (adjusted if asked) is below `pct`."""
    if e.date is None:
        return None
    pct, inclusive = float(rule.get("pct")), bool(rule.get("inclusive", False))
    c = ctx.ytd(e.date, legal=False)  # the school's stage decision, not a legal count
    attended, possible, how = c.attended, c.possible, ""
    if rule.get("basis") == "adjusted":
        if rule.get("adjusted_formula", "exclude_authorised") == "exclude_authorised":
            possible, how = c.possible - c.authorised, " leaving out authorised absence"
        else:
            attended, how = c.possible - c.unauthorised, " counting authorised absence"
    if possible <= 0:
        return f"there are no possible sessions before {ctx.describe(e)} to judge attendance"
    if below(attended, possible, pct, inclusive=inclusive):
        return None
    word = "at or below" if inclusive else "below"
    return (f"on {fmt(e.date)} attendance{how} was {100 * attended / possible:.1f}% "
            f"({attended} of {possible}); {ctx.describe(e)} needs it {word} {pct:g}%")


def notice_lawful(ctx: Context, e: Event, rule: Rule) -> str | None:
    """A30/NR-09/NR-10: a penalty notice judged at its own date.

    The threshold is counted on the marks up to the notice's date (absences after it cannot
    justify it); a withdrawn notice counts for nothing; a third notice to the same parent for
    the same child within 3 years cannot be issued.
    """
    if e.date is None or e.type != "penalty_notice":
        return None
    if e.status == "withdrawn":
        return f"{ctx.describe(e)} was withdrawn"
    sessions, weeks = int(rule.get("sessions", 10)), int(rule.get("school_weeks", 10))
    counted = frozenset(rule.get("codes") or codes.UNAUTH_PN)
    n_mode = rule.get("unresolved_n", "block")
    if n_mode == "exclude":
        counted = counted - {"N"}
    windows = ctx.register.unauthorised_windows(weeks, until=e.date, include=ctx.csa_day,
                                                counted=counted)
    firm = [w for w in windows
            if w.count - (w.n_codes if n_mode == "block" else 0) >= sessions]
    if not firm:
        peak = max((w.count for w in windows), default=0)
        return (f"on the date of {ctx.describe(e)} the register showed at most {peak} "
                f"unauthorised sessions in any {weeks} school weeks; {sessions} are needed, and "
                "absences after the notice cannot justify it")
    years = int(rule.get("prior_years", 3))
    limit = int(rule.get("max_prior", 2))
    try:
        since = e.date.replace(year=e.date.year - years)
    except ValueError:  # 29 February
        since = e.date.replace(year=e.date.year - years, day=28)
    for carer in e.to or ("",):
        prior = [p for p in ctx.case.events if p.type == "penalty_notice" and p.id != e.id
                 and p.status != "withdrawn" and p.date and since < p.date
                 and (p.date, p.id) < (e.date, e.id) and (not carer or carer in p.to)]
        if len(prior) >= limit:
            who = ctx.carer_label(carer) if carer else "the parent"
            listed = ", ".join(ctx.describe(p) for p in prior[:3])
            return (f"{ctx.describe(e)} would be at least the third notice to {who} for this "
                    f"child within {years} years ({listed}); it cannot be issued (NR-10)")
    return None


def document_kind(ctx: Context, e: Event, rule: Rule) -> str | None:
    kinds = set(rule.get("kinds") or ())
    if ctx.case.document_kinds(e) & kinds:
        return None
    return (f"{ctx.describe(e)} has no document of kind "
            f"{' or '.join(human(k) for k in sorted(kinds))} attached")


FILTERS: dict[str, FilterFn] = {
    "in_window": in_window, "min_notice": min_notice, "after_item": after_item,
    "before_item": before_item, "after_meeting": after_meeting,
    "reminder_before_meeting": reminder_before_meeting, "after_stage_start": after_stage_start,
    "states_attendance_pct": states_attendance_pct, "encloses": encloses,
    "mentions": mentions, "outcome_recorded": outcome_recorded, "by_role": by_role,
    "reviewed": reviewed, "school_days_before_referral": school_days_before_referral,
    "consent_requested": consent_requested, "meeting_kind": meeting_kind,
    "review_of_item": review_of_item, "review_records": review_records,
    "after_marks": after_marks, "after_nth_meeting": after_nth_meeting,
    "attendance_at_event": attendance_at_event, "notice_lawful": notice_lawful,
    "document_kind": document_kind,
}


def _item_name(ctx: Context, item_id: str) -> str:
    item = ctx.checklist.item(item_id)
    return f"item {item.number} evidence" if item else item_id


# ---- case rules ------------------------------------------------------------------------

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


def declaration(ctx: Context, rule: Rule) -> CaseResult:
    d = ctx.case.declaration
    if not d.confirmed:
        return False, ["The referrer has not yet ticked the box confirming they have read and "
                       "understood the evidence requirements"], []
    if not d.name or not d.role:
        return False, ["The confirmation needs the name and role of the person confirming"], []
    when = f" on {fmt(d.at.date())} at {d.at:%H:%M}" if d.at else ""
    return True, [f"Confirmed by {d.name} ({d.role}){when}"], []


def free_text(ctx: Context, rule: Rule) -> CaseResult:
    key, minimum = rule.get("key"), int(rule.get("min_words", 5))
    text = ctx.case.free_text.get(key, "").strip()
    words = len(text.split())
    if words >= minimum:
        return True, [f"The statement \"{human(key)}\" is written ({words} words)"], []
    if not text:
        return False, [f"Write the statement \"{human(key)}\""], []
    return False, [f"The statement \"{human(key)}\" has {words} words; write at least "
                   f"{minimum}"], []


def unauthorised_threshold(ctx: Context, rule: Rule) -> CaseResult:
    sessions = int(rule.get("sessions", 10))
    weeks = int(rule.get("school_weeks", 10))
    counted = frozenset(rule.get("codes") or codes.UNAUTH_PN)
    n_mode = rule.get("unresolved_n", "block")
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


def attendance_below(ctx: Context, rule: Rule) -> CaseResult:
    pct, inclusive = float(rule.get("pct")), bool(rule.get("inclusive", False))
    basis = rule.get("basis", "year_to_date")
    if basis == "window":
        weeks = int(rule.get("school_weeks", 6))
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
        if rule.get("adjusted_formula", "exclude_authorised") == "exclude_authorised":
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


def stage_reached(ctx: Context, rule: Rule) -> CaseResult:
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive", False))
    start = ctx.first_below(pct, inclusive)
    word = "to" if inclusive else "below"
    if start is None:
        return False, [f"Attendance has not fallen {word} {pct:g}% this school year"], []
    text = f"Attendance first fell {word} {pct:g}% on {fmt(start)}"
    review = rule.get("review_school_days")
    if review:
        text += f"; the review point is {fmt(ctx.register.add_school_days(start, int(review)))}"
    return True, [text], []


def certificate_current(ctx: Context, rule: Rule) -> CaseResult:
    limit = int(rule.get("max_age_school_days", 5))
    days = ctx.register.school_days(end=ctx.as_of)
    if not days:
        return False, ["No register marks are recorded, so no attendance certificate can be "
                       "produced"], []
    last = days[-1]
    age = ctx.register.school_days_between(last, ctx.as_of)
    # Nothing after the last mark is known to be a school day (it may be a holiday), so the
    # gap is told as weekdays, never as school days.
    unit = "weekday" if ctx.register.last_date and ctx.as_of > ctx.register.last_date \
        else "school day"
    gap = f"{age} {unit}{'s' * (age != 1)}"
    if age > limit:
        return False, [f"The register ends on {fmt(last)}, {gap} before the referral; a "
                       f"current certificate needs marks to within {limit} school days. "
                       "Import the latest marks, or check the date of referral"], []
    return True, [f"The attendance certificate is produced from marks up to {fmt(last)}, "
                  f"{gap} before the referral"], []


def chronology(ctx: Context, rule: Rule) -> CaseResult:
    events = ctx.dated_events()
    if ctx.window:
        events = [e for e in events if e.date and e.date >= ctx.window[0]]
    if not events:
        return False, ["No dated actions are recorded in the period the referral covers"], []
    reasons = []
    to_carers = [e for e in events if e.type in ("letter", "email", "text", "phone_call",
                                                 "home_visit") and e.direction == "outgoing"]
    from_carers = [e for e in events if (e.direction == "incoming" and e.type != "agency_contact")
                   or (e.type == "meeting" and e.attended)
                   or (e.type in ("phone_call", "home_visit") and e.outcome)]
    if not to_carers:
        reasons.append("The log has no contact made to the parents (letters, emails, texts, "
                       "calls or visits)")
    if not from_carers:
        reasons.append("The log has no contact from the parents (an incoming call, email or "
                       "text, a call answered, or a meeting they attended)")
    if reasons:
        return False, reasons, []
    return True, [f"{len(events)} dated entries from {fmt(events[0].date or ctx.as_of)} to "
                  f"{fmt(events[-1].date or ctx.as_of)}, with contact both to and from the "
                  "parents"], [e.id for e in events]


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


def is_medical_proof(ctx: Context, e: Event) -> bool:
    """A29: proof comes from the family or a health professional, not the school's nurse.

    A document of kind `medical_evidence` attached to any event; a `medical_inquiry` with the
    GP or a consultant whose outcome is recorded; an incoming letter or email with purpose
    `medical_evidence` (a paper from the family); or an incoming contact from the GP.
    """
    if "medical_evidence" in ctx.case.document_kinds(e):
        return True
    if e.type == "medical_inquiry":
        return bool(set(e.with_) & {"gp", "consultant"}) and bool(e.outcome)
    if e.type == "agency_contact":
        return e.agency == "gp" and e.direction == "incoming"
    return e.written and e.direction == "incoming" and "medical_evidence" in e.purposes


def medical_evidence(ctx: Context, rule: Rule) -> CaseResult:
    pct = float(rule.get("below_pct", 95))
    start = ctx.first_below(pct)
    if start is None:
        return True, [f"Attendance has not fallen below {pct:g}%, so the medical-evidence "
                      "policy has not started"], []
    sessions = ctx.register.codes_in(codes.MEDICAL, start, ctx.as_of)
    if not sessions:
        return True, [f"No I or M marks since attendance fell below {pct:g}% on {fmt(start)}"], []
    records = [e for e in ctx.dated_events() if is_medical_proof(ctx, e)]
    latest = max((e.date for e in records if e.date), default=None)
    uncovered = [(d, s, c) for d, s, c in sessions if latest is None or d > latest]
    if uncovered:
        listed = ", ".join(f"{c} on {fmt(d)} {s}" for d, s, c in uncovered[:6])
        school_only = [e for e in ctx.dated_events() if e.type == "medical_inquiry"
                       and e not in records]
        note = ("; the school's own inquiries (" + ", ".join(ctx.describe(e) for e in
                school_only[:2]) + ") investigate but are not proof from the family or a "
                "health professional") if school_only else ""
        return False, [f"{len(uncovered)} authorised medical absences since {fmt(start)} have no "
                       f"medical proof dated on or after them ({listed}){note}; attach the "
                       "medical evidence (a document of kind medical evidence) or, under this "
                       "policy, code them O"], []
    return True, [f"Medical proof from the family or a health professional is recorded for the "
                  f"I and M marks since {fmt(start)}"], [e.id for e in records]


def did_not_attend_followup(ctx: Context, rule: Rule) -> CaseResult:
    # `reinvite: none` checks only the did-not-attend letter (e.g. an attendance panel).
    want_reinvite = rule.get("reinvite", "following_week") not in (None, "none", False)
    missed = [m for m in ctx.meetings() if not_attended(m)]
    if not missed:
        held = [m for m in ctx.meetings() if m.status not in ("cancelled", "rescheduled")]
        if not held:
            return True, ["No meeting was held, so none was missed"], []
        return True, [f"The parents came to every meeting held ({len(held)})"], []
    reasons: list[str] = []
    used: list[str] = []
    written = [e for e in ctx.dated_events() if e.written]
    for m in missed:
        assert m.date is not None
        dna = [e for e in written if "did_not_attend" in e.purposes and e.date
               and e.date >= m.date and e.meeting in (None, m.id)]
        week = monday(m.date) + dt.timedelta(days=7)
        reinvites = []
        for e in written:
            target = ctx.meeting(e)
            if ("meeting_invite" in e.purposes and e.date and e.date >= m.date and target
                    and target.date and week <= target.date < week + dt.timedelta(days=7)):
                reinvites.append(e)
        if not dna:
            reasons.append(f"No did-not-attend letter is recorded after the missed meeting on "
                           f"{fmt(m.date)}")
        if want_reinvite and not reinvites:
            reasons.append(f"No re-invitation to a meeting in the week after {fmt(m.date)} "
                           f"(the week of {fmt(week)}) is recorded")
        used += [e.id for e in dna + reinvites]
    if reasons:
        return False, reasons, used
    dates = ", ".join(fmt(m.date) for m in missed if m.date)
    what = "Did-not-attend letters and re-invitations follow" if want_reinvite else (
        "Did-not-attend letters follow")
    return True, [f"{what} the missed meeting(s) on {dates}"], used


def school_days_since(ctx: Context, rule: Rule) -> CaseResult:
    ref = ctx.outcomes.get(rule.get("item"))
    minimum = int(rule.get("min_school_days", 0))
    if ref is None or ref.earliest is None:
        return False, [f"The {_item_name(ctx, rule.get('item'))} is not recorded yet"], []
    gap = ctx.register.school_days_between(ref.earliest, ctx.as_of)
    text = (f"The referral is {gap} school days after the {_item_name(ctx, rule.get('item'))} "
            f"of {fmt(ref.earliest)}")
    if gap < minimum:
        return False, [f"{text}; at least {minimum} are needed"], []
    return True, [text], []


def review_intervals(ctx: Context, rule: Rule) -> CaseResult:
    lo, hi = int(rule.get("min_school_days", 20)), int(rule.get("max_school_days", 30))
    ref = ctx.outcomes.get(rule.get("from_item")) if rule.get("from_item") else None
    # A review that names (`of`) something other than the plan is not one of its reviews
    # (e.g. the 15-day check after a letter); one that names nothing is taken as the plan's.
    plan = {e.id for e in ref.passing} if ref is not None else set()
    reviews = [e for e in ctx.dated_events() if e.type == "review"
               and (e.of is None or not plan or e.of in plan)]
    if not reviews:
        return False, ["No review of the plan is recorded"], []
    points: list[tuple[str, dt.date]] = []
    if ref is not None and ref.earliest is not None:
        points.append(("the plan", ref.earliest))
    points += [(ctx.describe(e), e.date) for e in reviews if e.date]
    reasons = []
    for (a_label, a), (b_label, b) in itertools.pairwise(points):
        gap = ctx.register.school_days_between(a, b)
        if not lo <= gap <= hi:
            reasons.append(f"{sentence_case(b_label)} is {gap} school days after {a_label} "
                           f"({fmt(a)}); reviews should be {lo} to {hi} school days apart")
    if reasons:
        return False, reasons, [e.id for e in reviews]
    return True, [f"{len(reviews)} reviews, each {lo} to {hi} school days apart"], [
        e.id for e in reviews]


def first_day_contact(ctx: Context, rule: Rule) -> CaseResult:
    """Every absence this school year has a contact (a phone call) on its first day.

    An absence starts on a school day with an absent session when the school day before had
    none; `codes` narrows which marks count as absence. With `from_item`, only absences
    starting on or after that item's earliest evidence count (Stockport Stage 2: "first day
    calling for any further absences"); until that item has evidence, the whole year does.
    """
    types = tuple(rule.get("types") or ("phone_call",))
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


def return_made(ctx: Context, rule: Rule) -> CaseResult:
    trigger = rule.get("trigger", "attendance_return")
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


def not_attended(m: Event) -> bool:
    if m.status in ("cancelled", "rescheduled"):
        return False
    return m.status == "did_not_attend" or m.attended == ()


def document_of_kind(ctx: Context, rule: Rule) -> CaseResult:
    """A document of one of these kinds is attached to the case (A25)."""
    kinds = set(rule.get("kinds") or ())
    found = [d for d in ctx.case.documents if d.kind in kinds]
    what = " or ".join(human(k) for k in sorted(kinds))
    if not found:
        return False, [f"No document of kind {what} is attached to the case (the completed "
                       "form itself, tagged with that kind)"], []
    events = [e.id for e in ctx.case.events if set(e.documents) & {d.id for d in found}]
    names = ", ".join(f"{d.title or d.file} ({d.id})" for d in found[:3])
    return True, [f"Attached: {names}"], events


def family_recorded(ctx: Context, rule: Rule) -> CaseResult:
    """Seed 002 panel: everyone with parental responsibility, with their date of birth, and
    the other siblings and their schools."""
    reasons = []
    pr = [c for c in ctx.case.carers if c.parental_responsibility]
    if not pr:
        reasons.append("No carer with parental responsibility is recorded")
    reasons += [f"The date of birth of {ctx.carer_label(c.id)}, who has parental "
                "responsibility, is not recorded" for c in pr if c.date_of_birth is None]
    siblings = ctx.case.siblings
    if siblings is None:
        reasons.append("The pupil's other siblings and their schools are not recorded (record "
                       "them, or that there are none)")
    else:
        reasons += [f"The school of the sibling {s.name} is not recorded"
                    for s in siblings if not s.school.strip()]
    if reasons:
        # The panel's own record (its minutes) may hold them instead of the case fields.
        minutes = [m for m in ctx.meetings() if m.kind == "attendance_panel" and (
            ctx.item_id in m.evidence_for or (
                "sibling" in m.summary.lower() and any(
                    w in m.summary.lower() for w in ("date of birth", "dates of birth",
                                                     "dob")))
            or "meeting_notes" in ctx.case.document_kinds(m))]
        if minutes:
            m = minutes[0]
            return True, [f"The record of {ctx.describe(m)} establishes the people with "
                          "parental responsibility, their dates of birth and the siblings' "
                          "schools"], [m.id]
        return False, [*reasons, "(or record them in the Attendance Panel Meeting's notes)"], []
    sib = (f"{len(siblings)} sibling(s) with their schools" if siblings
           else "no other siblings")
    return True, [f"{len(pr)} people with parental responsibility, with dates of birth, and "
                  f"{sib} are recorded"], []


def period_run(ctx: Context, rule: Rule) -> CaseResult:
    """A24: a period that starts when attendance falls below `below_pct` must have run its
    `school_days` by the referral date."""
    pct, inclusive = float(rule.get("below_pct")), bool(rule.get("inclusive", False))
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
                       f"{fmt(ctx.as_of)}. It ends on {fmt(end)}"], []
    return True, [f"The period started on {fmt(start)} (attendance first {word} {pct:g}%) and "
                  f"ran its {days} school days to {fmt(end)}"], []


CASE_RULES: dict[str, CaseFn] = {
    "csa": rule_csa, "evidence_window": evidence_window, "declaration": declaration,
    "free_text": free_text,
    "unauthorised_threshold": unauthorised_threshold, "attendance_below": attendance_below,
    "stage_reached": stage_reached, "certificate_current": certificate_current,
    "chronology": chronology, "no_unresolved_n": no_unresolved_n,
    "medical_evidence": medical_evidence, "did_not_attend_followup": did_not_attend_followup,
    "school_days_since": school_days_since, "review_intervals": review_intervals,
    "return_made": return_made, "first_day_contact": first_day_contact,
    "document_of_kind": document_of_kind, "family_recorded": family_recorded,
    "period_run": period_run,
}
