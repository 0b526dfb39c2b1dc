"""Case rules that judge the case record: declaration, statements, chronology, meetings
missed, medical proof, reviews, documents and family.

Each returns (met, reasons, evidence ids). Declared with `registry.case_rule`.
"""

from __future__ import annotations

import datetime as dt
import itertools

from . import codes
from .calendar import fmt, monday
from .checklist import Rule
from .context import Context, human, sentence_case
from .model import Event
from .registry import ITEM, NUMBER, TEXT, WHOLE, WORDS, CaseResult, Param, case_rule, one_of


@case_rule(met="`declaration.confirmed` is true, with a name and role")
def declaration(ctx: Context, rule: Rule) -> CaseResult:
    d = ctx.case.declaration
    if not d.confirmed:
        return False, ["The referrer has not yet ticked the box confirming they have read and "
                       "understood the evidence requirements"], []
    if not d.name or not d.role:
        return False, ["The confirmation needs the name and role of the person confirming"], []
    when = f" on {fmt(d.at.date())} at {d.at:%H:%M}" if d.at else ""
    return True, [f"Confirmed by {d.name} ({d.role}){when}"], []


@case_rule(Param("key", TEXT, required=True), Param("min_words", WHOLE, 5),
           met="`free_text[key]` has at least `min_words` words")
def free_text(ctx: Context, rule: Rule) -> CaseResult:
    key, minimum = rule.get("key"), int(rule.get("min_words"))
    text = ctx.case.free_text.get(key, "").strip()
    words = len(text.split())
    if words >= minimum:
        return True, [f"The statement \"{human(key)}\" is written ({words} words)"], []
    if not text:
        return False, [f"Write the statement \"{human(key)}\""], []
    return False, [f"The statement \"{human(key)}\" has {words} words; write at least "
                   f"{minimum}"], []


@case_rule(met="""dated events cover the window, with communication both to and from the
    carers""")
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


@case_rule(
    Param("below_pct", NUMBER, 95),
    met="""every I or M mark since attendance fell below `below_pct` is backed by medical proof
    dated on or after it. A29: proof is a document of kind `medical_evidence` attached to any
    event, a `medical_inquiry` with the GP or a consultant whose outcome is recorded, an
    incoming letter or email with purpose `medical_evidence` (a paper from the family), or an
    incoming contact from the GP; the school's own inquiry with the school nurse is
    investigation, not proof""")
def medical_evidence(ctx: Context, rule: Rule) -> CaseResult:
    pct = float(rule.get("below_pct"))
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
        one = len(uncovered) == 1
        absences, have, them = ("absence", "has", "it") if one else ("absences", "have", "them")
        return False, [f"{len(uncovered)} authorised medical {absences} since {fmt(start)} "
                       f"{have} no medical proof dated on or after {them} ({listed}){note}; "
                       "attach the medical evidence (a document of kind medical evidence) or, "
                       f"under this policy, code {them} O"], []
    return True, [f"Medical proof from the family or a health professional is recorded for the "
                  f"I and M marks since {fmt(start)}"], [e.id for e in records]


@case_rule(
    Param("reinvite", one_of("following_week", "none"), "following_week"),
    met="""every meeting the carers did not attend has a `did_not_attend` letter on or after
    it and (unless `none`) an invite to a meeting in the following calendar week""")
def did_not_attend_followup(ctx: Context, rule: Rule) -> CaseResult:
    # `reinvite: none` checks only the did-not-attend letter (e.g. an attendance panel).
    want_reinvite = rule.get("reinvite") not in ("none", None, False)
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


def not_attended(m: Event) -> bool:
    if m.status in ("cancelled", "rescheduled"):
        return False
    return m.status == "did_not_attend" or m.attended == ()


@case_rule(
    Param("item", ITEM, required=True), Param("min_school_days", WHOLE, 0),
    met="""the referral is at least that many school days after the earliest evidence of
    `item` (school days the register shows)""")
def school_days_since(ctx: Context, rule: Rule) -> CaseResult:
    ref = ctx.outcomes.get(rule.get("item"))
    minimum = int(rule.get("min_school_days"))
    if ref is None or ref.earliest is None:
        return False, [f"The {ctx.item_name(rule.get('item'))} is not recorded yet"], []
    gap = ctx.register.school_days_between(ref.earliest, ctx.as_of)
    text = (f"The referral is {gap} school days after the {ctx.item_name(rule.get('item'))} "
            f"of {fmt(ref.earliest)}")
    if gap < minimum:
        return False, [f"{text}{ctx.unmarked_note()}; at least {minimum} are needed"], []
    return True, [text], []


@case_rule(
    Param("min_school_days", WHOLE, 20), Param("max_school_days", WHOLE, 30),
    Param("from_item", ITEM),
    met="""consecutive `review` events (starting from the earliest evidence of `from_item`) are
    that many school days apart, with at least one review""")
def review_intervals(ctx: Context, rule: Rule) -> CaseResult:
    lo, hi = int(rule.get("min_school_days")), int(rule.get("max_school_days"))
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


@case_rule(Param("kinds", WORDS),
           met="a document of one of these kinds is in the case (A25: the completed referral form)")
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


@case_rule(met="""every carer with parental responsibility has a `date_of_birth`, and
    `siblings` is recorded (`[]` for none) with each sibling's school; or the Attendance Panel
    Meeting's record holds them (its summary names the siblings and the dates of birth, it
    has meeting notes attached, or its `evidence_for` names the item)""")
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
