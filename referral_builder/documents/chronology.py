"""The chronology: every recorded action in date order, with the bundle pages of its documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from referral_builder.documents import _layout as L
from referral_builder.domain.model import Case, Event

TYPE_WORDS = {
    "letter": "Letter", "email": "Email", "text": "Text message", "phone_call": "Phone call",
    "home_visit": "Home visit", "meeting": "Meeting", "agency_contact": "Agency contact",
    "support_offer": "Support offered", "referral": "Referral for support",
    "medical_inquiry": "Medical inquiry", "review": "Review",
    "notice_to_improve": "Notice to improve", "penalty_notice": "Penalty notice", "note": "Note",
}


def words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def sorted_events(case: Case) -> list[Event]:
    """Events in date order (then time, then id); undated events last."""
    return sorted(case.events, key=lambda e: (e.date is None, e.date or dt.date.min,
                                              e.time or "", e.id))


def carer_names(case: Case, ids: tuple[str, ...]) -> str:
    names = []
    for cid in ids:
        c = case.carer(cid)
        names.append(f"{c.name} ({c.relationship})" if c and c.relationship else
                     c.name if c else cid)
    return "; ".join(names)


def what_happened(case: Case, e: Event) -> str:
    """Say in a line or two what the event was, from its type-specific fields."""
    parts: list[str] = []
    if e.summary:
        parts.append(e.summary)
    if e.purposes:
        parts.append("Purpose: " + ", ".join(words(p) for p in e.purposes))
    if e.meeting:
        m = case.event(e.meeting)
        when = f" on {L.short_date(m.date)}" + (f" at {m.time}" if m.time else "") if m else ""
        parts.append(f"About the meeting{when}" if m else "About a meeting no longer recorded")
    if e.states_attendance_pct is not None:
        parts.append(f"States attendance of {e.states_attendance_pct:g}%")
    if e.encloses:
        parts.append("Encloses: " + ", ".join(words(x) for x in e.encloses))
    if e.type == "meeting":
        kind = words(e.kind) or "meeting"
        came = carer_names(case, e.attended) if e.attended else ""
        attended = ("Attended: " + came) if came else (
            "No parent or carer attended" if e.attended is not None else "")
        parts += [kind.capitalize(), attended]
        if e.plan_agreed is not None:
            parts.append("Plan agreed" if e.plan_agreed else "No plan agreed")
    if e.agency:
        parts.append(f"Agency: {words(e.agency)}")
    if e.support:
        parts.append(f"Support: {words(e.support)}")
    if e.service:
        parts.append(f"Service: {words(e.service)}" + (" (internal)" if e.internal else ""))
    if e.consent_requested:
        parts.append("Consent requested")
    if e.of:
        target = case.event(e.of)
        parts.append(f"Review of the {words(target.type)} of {L.short_date(target.date)}"
                     if target else "Review of a record no longer in the case")
    if e.direction == "incoming":
        parts.append("Received from the family or agency")
    return ". ".join(p.rstrip(".") for p in parts if p) + ("." if parts else "")


def outcome(e: Event) -> str:
    bits = [e.outcome or "", words(e.status)]
    if e.improved is not None:
        bits.append("improved" if e.improved else "not improved")
    return "; ".join(b for b in bits if b)


def chronology_pdf(case: Case, page_of: Mapping[str, int] | None = None) -> bytes:
    """Render the chronology; `page_of` gives each document id's first bundle page."""
    return chronology_part(case, page_of).pdf


def chronology_part(case: Case, page_of: Mapping[str, int] | None = None, *,
                    memo: dict[object, object] | None = None,
                    section: L.Divider | None = None) -> L.Part:
    """Lay out the chronology; `memo` keeps the cells that do not print a page number from
    one layout pass to the next (they are parsed and measured once); `section` is the
    bundle section's divider heading, printed at the top."""
    st = L.styles()
    memo = {} if memo is None else memo
    titles = {d.id: d.title or d.file.rsplit("/", 1)[-1] for d in case.documents}
    spots: list[L.Spot] = []
    page_of = page_of or {}
    width = L.frame_width(L.LANDSCAPE)
    head = ("Date", "Type", "By", "To or with", "What happened", "Outcome", "Bundle pages")
    rows: list[list[Flowable]] = [[L.para(h, st["cellb"]) for h in head]]
    for e in sorted_events(case):
        when = L.short_date(e.date) + (f"\n{e.time}" if e.time else "")
        by = ", ".join(x for x in (e.by.name, e.by.role) if x) if e.by else ""
        pages = [page_of[d] for d in e.documents if d in page_of]
        missing = [titles.get(d) or "a copy" for d in e.documents if d not in page_of]
        ref = L.pages_text(pages) + (f" (not in bundle: {', '.join(missing)})" if missing else "")
        cell = L.para(L.text(ref), st["cell"])
        target = f"doc:{e.documents[0]}" if pages else None
        fixed = memo.get(("chronology", e.id))
        if not isinstance(fixed, list):
            fixed = memo[("chronology", e.id)] = [
                L.para(L.text(when).replace("\n", "<br/>"), st["cell"]),
                L.para(L.text(TYPE_WORDS.get(e.type, words(e.type))), st["cellb"]),
                L.para(L.text(by), st["cell"]),
                L.para(L.text(carer_names(case, e.people)), st["cell"]),
                L.para(L.text(what_happened(case, e)), st["cell"]),
                L.para(L.text(outcome(e)), st["cell"]),
            ]
        rows.append([*fixed, L.LinkSpot(cell, target, spots)])
    widths = [24 * mm, 28 * mm, 32 * mm, 40 * mm, 0, 36 * mm, 24 * mm]
    widths[4] = width - sum(widths)
    story: list[Flowable] = [
        *L.section_head("Chronology", section),
        L.para(f"{L.text(case.pupil.full_name)}, {L.text(case.school.name)}. Every recorded "
               f"action in date order ({len(case.events)} entries). Bundle page numbers "
               "link to the document.", st["body"]),
    ]
    if len(rows) == 1:
        story.append(L.para("No actions are recorded.", st["body"]))
    else:
        story.append(L.table(rows, widths))
    return L.render(story, title=f"Chronology: {case.pupil.full_name}",
                    pagesize=L.LANDSCAPE, spots=spots)
