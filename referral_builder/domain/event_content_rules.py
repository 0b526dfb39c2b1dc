"""Filter rules about what an event records: its purpose, outcome, sender, papers, figures.

Each takes one candidate event and returns None when it passes or the reason it does not.
Declared with `registry.filter_rule`.
"""

from __future__ import annotations

from . import codes
from .calendar import fmt
from .checklist import Rule
from .context import Context, human, sentence_case
from .model import Event
from .register import below
from .registry import (
    ADJUSTED_FORMULA,
    BASIS,
    FLAG,
    NUMBER,
    TEXT,
    UNRESOLVED_N,
    WHOLE,
    WORDS,
    Param,
    filter_rule,
)
from .roles import normalise_role


@filter_rule(passes="records the attendance % it quoted (`states_attendance_pct`)")
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


@filter_rule(Param("what", TEXT, "attendance_certificate"),
             passes="lists it in `encloses`")
def encloses(ctx: Context, e: Event, rule: Rule) -> str | None:
    what = rule.get("what")
    if what in e.encloses:
        return None
    return f"{ctx.describe(e)} does not enclose the {human(what)}"


@filter_rule(
    Param("purposes", WORDS), Param("words", WORDS),
    passes="""has one of the purposes, or its summary contains one of the words, or names the
    item in its `evidence_for` (the school saying what the record is for)""")
def mentions(ctx: Context, e: Event, rule: Rule) -> str | None:
    purposes = set(rule.get("purposes") or ())
    words = [w.lower() for w in rule.get("words") or ()]
    if purposes & set(e.purposes) or any(w in e.summary.lower() for w in words):
        return None
    if ctx.item_id and ctx.item_id in e.evidence_for:
        return None  # the school says what this record is evidence for
    wanted = " or ".join(human(p) for p in sorted(purposes)) or " or ".join(words)
    return f"{ctx.describe(e)} does not record the {wanted} it set out"


@filter_rule(Param("values", WORDS, required=True),
             passes="`outcome` is one of `values`")
def outcome_recorded(ctx: Context, e: Event, rule: Rule) -> str | None:
    values = tuple(rule.get("values") or ())
    if e.outcome in values:
        return None
    wanted = " or ".join(human(v) for v in values)
    if e.outcome:
        return f"{ctx.describe(e)} records the outcome \"{e.outcome}\"; the item needs {wanted}"
    return f"{ctx.describe(e)} has no outcome recorded ({wanted})"


@filter_rule(Param("roles", WORDS, required=True),
             passes="`by.role` is one of `roles` (normally `warn: true`)")
def by_role(ctx: Context, e: Event, rule: Rule) -> str | None:
    roles = {normalise_role(r) for r in rule.get("roles") or ()}
    if e.by is None or not e.by.role:
        return f"{ctx.describe(e)} does not say who sent it (needed: {', '.join(sorted(roles))})"
    if normalise_role(e.by.role) in roles:
        return None
    return (f"{ctx.describe(e)} was done by {e.by.name or 'someone'} ({e.by.role}); "
            f"the checklist names {' or '.join(human(r) for r in sorted(roles))}")


@filter_rule(passes="records `consent_requested: true` (a `medical_inquiry`)")
def consent_requested(ctx: Context, e: Event, rule: Rule) -> str | None:
    if e.consent_requested:
        return None
    return f"{ctx.describe(e)} does not record that consent was requested"


@filter_rule(
    Param("kinds", WORDS), Param("not_kinds", WORDS), Param("arranges", FLAG, False),
    passes="""the meeting the event names is of one of `kinds` (and names one), and not of
    `not_kinds` (A26: a panel invitation is never Letter 3); with `arranges: true`, the
    meeting is not dated before the letter""")
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


@filter_rule(
    Param("pct", NUMBER, required=True), Param("inclusive", FLAG, False),
    Param("basis", BASIS, "year_to_date"),
    Param("adjusted_formula", ADJUSTED_FORMULA, "exclude_authorised"),
    passes="""year-to-date attendance on the event's date, on that basis, is below (or at)
    `pct`""")
def attendance_at_event(ctx: Context, e: Event, rule: Rule) -> str | None:
    """Year-to-date attendance on the event's date (adjusted if asked) is below `pct`."""
    if e.date is None:
        return None
    pct, inclusive = float(rule.get("pct")), bool(rule.get("inclusive"))
    c = ctx.ytd(e.date, legal=False)  # the school's stage decision, not a legal count
    attended, possible, how = c.attended, c.possible, ""
    if rule.get("basis") == "adjusted":
        if rule.get("adjusted_formula") == "exclude_authorised":
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


@filter_rule(
    Param("sessions", WHOLE, 10), Param("school_weeks", WHOLE, 10),
    Param("codes", WORDS, tuple(sorted(codes.UNAUTH_PN))),
    Param("unresolved_n", UNRESOLVED_N, "block"),
    Param("max_prior", WHOLE, 2), Param("prior_years", WHOLE, 3),
    passes="""A30: a penalty notice that is not withdrawn, whose NR-09 threshold is met by the
    marks up to its own date (later absences cannot justify it), and that is not the third
    to the same parent for the child within 3 years (withdrawn notices do not count). Other
    event types pass""")
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
    sessions, weeks = int(rule.get("sessions")), int(rule.get("school_weeks"))
    counted = frozenset(rule.get("codes"))
    n_mode = rule.get("unresolved_n")
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
    years = int(rule.get("prior_years"))
    limit = int(rule.get("max_prior"))
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


@filter_rule(Param("kinds", WORDS),
             passes="a document of one of these kinds is attached to the event")
def document_kind(ctx: Context, e: Event, rule: Rule) -> str | None:
    kinds = set(rule.get("kinds") or ())
    if ctx.case.document_kinds(e) & kinds:
        return None
    return (f"{ctx.describe(e)} has no document of kind "
            f"{' or '.join(human(k) for k in sorted(kinds))} attached")
