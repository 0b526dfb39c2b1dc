"""The bundle's own pages: cover, index, section dividers, and the stamp on every page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from referral_builder.documents import _layout as L
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.model import Case
from referral_builder.domain.results import CheckReport

GENERIC_DECLARATION = ("I confirm that I have read and understood the local authority's evidence "
                       "requirements for this referral.")


@dataclass(frozen=True)
class IndexEntry:
    title: str
    pages: str
    target: str
    level: int = 0


def cover_part(case: Case, report: CheckReport, checklists: Sequence[Checklist], *,
               draft: bool) -> L.Part:
    st = L.styles()
    p = case.pupil
    width = L.frame_width(L.PORTRAIT)
    outstanding = len(report.outstanding)
    readiness = (f"Ready: all {len(report.items)} checklist items are met or not applicable."
                 if report.ready else
                 f"Not ready: {outstanding} of {len(report.items)} checklist items are not met "
                 "(see section A).")
    carers = "<br/>".join(
        L.text(f"{c.name} ({c.relationship or 'relationship not recorded'})"
               + (", parental responsibility" if c.parental_responsibility else "")
               + (", day-to-day care" if c.day_to_day_care else "")
               + (f"; not to be contacted: {c.contact_restriction}" if c.contact_restriction
                  else ""))
        for c in case.carers) or "None recorded"
    rows = [
        ("Case reference", L.text(case.reference)),
        ("Pupil", L.text(f"{p.full_name}, born {L.long_date(p.date_of_birth)}")
         + (f"<br/>UPN {L.text(p.upn)}" if p.upn else "")
         + (f"<br/>{L.text(p.year_group)}" if p.year_group else "")),
        ("School", L.text(case.school.name + (f" (URN {case.school.urn})" if case.school.urn
                                              else ""))
         + (f"<br/>Head teacher: {L.text(case.school.head_teacher)}"
            if case.school.head_teacher else "")),
        ("Local authority", L.text(case.school.local_authority or case.authority)),
        ("Checklists", "<br/>".join(L.text(f"{c.title} ({c.id}, version {c.version})")
                                    for c in report.checklists)),
        ("Parents and carers", carers),
        ("Referral date", L.long_date(case.referral_date)),
        ("Checked as of", L.long_date(report.as_of)),
        ("Readiness", f"<b>{L.text(readiness)}</b>"),
    ]
    table = L.table([[L.para(k, st["cellb"]), L.para(v, st["cell"])] for k, v in rows],
                    [42 * mm, width - 42 * mm], header=False)
    wording = next((c.confirmation for c in checklists if c.confirmation), GENERIC_DECLARATION)
    d = case.declaration
    if d.confirmed:
        at = (f" on {L.long_date(d.at.date())} at {d.at:%H:%M}" if d.at else "")
        who = ", ".join(x for x in (d.name, d.role) if x) or "the referrer"
        confirmed = f"Confirmed by {L.text(who)}{at}."
    else:
        confirmed = "<b>Not confirmed.</b> The referrer has not yet confirmed this."
    story: list[Flowable] = [
        L.para("Attendance legal intervention referral", st["h1"]),
        L.para("DRAFT evidence bundle: not ready to send" if draft else "Evidence bundle",
               st["h2"]),
        table,
        L.para("Declaration", st["h2"]),
        L.para(f"“{L.text(wording)}”", st["body"]),
        L.para(confirmed, st["body"]),
    ]
    return L.render(story, title=f"Referral bundle {case.reference}")


def index_part(entries: Sequence[IndexEntry], *, memo: dict[object, object] | None = None,
               missing: Sequence[str] = ()) -> L.Part:
    """Lay out the index, then the `missing` copies (letters and emails used as evidence with
    no copy attached); `memo` keeps each entry's title from one layout pass to the next."""
    st = L.styles()
    memo = {} if memo is None else memo
    spots: list[L.Spot] = []
    width = L.frame_width(L.PORTRAIT)
    story: list[Flowable] = [
        L.para("Index", st["h1"]),
        L.para("Page numbers are those printed at the foot of each page, which are also the "
               "PDF page numbers. Every entry links to its page.", st["small"]),
        Spacer(1, 4 * mm),
    ]
    story += [_entry_row(e, width, memo, spots) for e in entries]
    if missing:
        story += L.heading("Copies not attached", st["h2"])
        story.append(L.para("These letters and emails meet a checklist item but no copy of "
                            "them is in this bundle. Attach each copy to its record and make "
                            "the bundle again.", st["small"]))
        hanging = ParagraphStyle("missing", st["cell"], leftIndent=4 * mm, bulletIndent=0,
                                 spaceAfter=2)
        story += [L.para("<bullet>•</bullet>" + L.text(line), hanging) for line in missing]
    return L.render(story, title="Index", spots=spots)


def _entry_row(e: IndexEntry, width: float, memo: dict[object, object],
               spots: list[L.Spot]) -> Flowable:
    """One index line: the title, its pages at the right, the whole line linked."""
    st = L.styles()
    right = ParagraphStyle("index-page", st["cell"], alignment=TA_RIGHT)
    right_bold = ParagraphStyle("index-page-b", st["cellb"], alignment=TA_RIGHT)
    style = st["cellb"] if e.level == 0 else st["cell"]
    indent = 8 * mm * e.level
    title = memo.get(("index", e.target, e.title))
    if title is None:
        title = memo[("index", e.target, e.title)] = L.para(L.text(e.title), style)
    row = Table([["", title, L.para(L.text(e.pages), right_bold if e.level == 0 else right)]],
                colWidths=[indent, width - indent - 30 * mm, 30 * mm])
    row.setStyle(TableStyle([
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LINEBELOW", (1, 0), (-1, -1), 0.25, L.LIGHT),
        ("TOPPADDING", (0, 0), (-1, -1), 5 if e.level == 0 else 1.5)]))
    return L.LinkSpot(row, e.target, spots)


def divider_part(section: L.Divider, entries: Sequence[IndexEntry], *,
                 memo: dict[object, object] | None = None) -> L.Part:
    """The divider of a section of documents: its heading, then the section's own index
    (each document with its pages, linked), so the page is never near-empty."""
    st = L.styles()
    memo = {} if memo is None else memo
    spots: list[L.Spot] = []
    width = L.frame_width(L.PORTRAIT)
    story: list[Flowable] = [*L.section_head(section[1], section),
                             L.para("Documents in this section", st["h2"])]
    story[-1].keepWithNext = 1
    story += [_entry_row(e, width, memo, spots) for e in entries]
    return L.render(story, title=f"Section dividers: {section[0]}", spots=spots)


def stamp_pdf(sizes: Sequence[tuple[float, float]], reference: str, *, draft: bool,
              when: dt.date | None = None) -> bytes:
    """Make one overlay page per bundle page: "Page N of M", the case reference, DRAFT."""
    regular, bold = L.fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=sizes[0] if sizes else L.PORTRAIT)
    total = len(sizes)
    for n, (w, h) in enumerate(sizes, start=1):
        c.setPageSize((w, h))
        if draft:
            c.saveState()
            c.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.18)
            c.setFont(bold, min(w, h) / 4)
            c.translate(w / 2, h / 2)
            c.rotate(45 if h >= w else 30)
            c.drawCentredString(0, -min(w, h) / 12, "DRAFT")
            c.restoreState()
        left = f"{reference}" + ("  DRAFT: not ready to send" if draft else "")
        right = f"Page {n} of {total}"
        c.setFont(regular, 10)
        y = 8 * mm
        for x, txt, anchor in ((12 * mm, left, "left"), (w - 12 * mm, right, "right")):
            tw = c.stringWidth(txt, regular, 10)
            x0 = x if anchor == "left" else x - tw
            c.setFillColorRGB(1, 1, 1)
            c.rect(x0 - 2, y - 3, tw + 4, 13, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.drawString(x0, y, txt)
        c.showPage()
    c.save()
    return out.getvalue()
