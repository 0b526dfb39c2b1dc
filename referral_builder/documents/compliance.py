"""The compliance table: each checklist item in the authority's words, its status and evidence."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from referral_builder.documents import _layout as L
from referral_builder.documents.wording import plain
from referral_builder.domain.calendar import fmt
from referral_builder.domain.model import Case
from referral_builder.domain.results import CheckReport, ItemResult

STATUS_WORDS = {"met": "Met", "not_met": "Not met", "not_applicable": "Not applicable"}
TYPE_WORDS = {"phone_call": "phone call", "home_visit": "home visit",
              "agency_contact": "agency contact", "support_offer": "support offer",
              "medical_inquiry": "medical inquiry", "notice_to_improve": "notice to improve",
              "penalty_notice": "penalty notice"}


def evidence_pages(case: Case, item: ItemResult, page_of: Mapping[str, int]) -> list[int]:
    """Return the first bundle page of every document behind the item's evidence events."""
    pages: list[int] = []
    for event_id in item.evidence:
        e = case.event(event_id)
        if e is not None:
            pages += [page_of[d] for d in e.documents if d in page_of]
    return sorted(set(pages))


#: Evidence lines shown per item; the chronology (section B) lists the rest.
MAX_EVIDENCE_LINES = 12


def _evidence_cell(case: Case, item: ItemResult, page_of: Mapping[str, int]) -> list[str]:
    lines = []
    shown = item.evidence
    if len(shown) > MAX_EVIDENCE_LINES:
        shown = shown[:MAX_EVIDENCE_LINES - 1]
    for event_id in shown:
        e = case.event(event_id)
        if e is None:
            lines.append("a record that is no longer in the case")
            continue
        kind = TYPE_WORDS.get(e.type, e.type)
        when = fmt(e.date) if e.date else "no date"
        pages = L.pages_text([page_of[d] for d in e.documents if d in page_of])
        lines.append(f"{kind} {when}" + (f", {pages}" if pages else ""))
    if len(shown) < len(item.evidence):
        lines.append(f"and {len(item.evidence) - len(shown)} more: see the chronology")
    return lines


def compliance_pdf(case: Case, report: CheckReport,
                   page_of: Mapping[str, int] | None = None) -> bytes:
    """Render the compliance table for `report`; `page_of` maps document ids to bundle pages."""
    return compliance_part(case, report, page_of).pdf


def compliance_part(case: Case, report: CheckReport,
                    page_of: Mapping[str, int] | None = None, *,
                    memo: dict[object, object] | None = None,
                    section: L.Divider | None = None) -> L.Part:
    """Lay out the compliance table; `memo` keeps the cells that do not print a page number
    from one layout pass to the next (they are parsed and measured once); `section` is the
    bundle section's divider heading, printed at the top."""
    st = L.styles()
    memo = {} if memo is None else memo
    spots: list[L.Spot] = []
    page_of = page_of or {}
    width = L.frame_width(L.LANDSCAPE)
    verdict = ("Every item is met or not applicable: the referral is ready." if report.ready
               else f"{len(report.outstanding)} item(s) are not met: the referral is not ready.")
    story: list[Flowable] = [
        *L.section_head("Compliance with the evidence checklist", section),
        L.para(f"{L.text(case.pupil.full_name)}, checked as of {L.long_date(report.as_of)}. "
               f"{verdict}", st["body"]),
    ]
    widths = [24 * mm, 0, 26 * mm, 82 * mm, 44 * mm]
    widths[1] = width - sum(widths)
    for ref in report.checklists:
        items = [i for i in report.items if i.checklist == ref.id]
        story += L.heading(f"{L.text(ref.title)} (checklist {L.text(ref.id)}, version "
                           f"{L.text(ref.version)})", st["h2"])
        rows: list[list[Flowable]] = [[L.para(h, st["cellb"]) for h in (
            "Item", "What the authority asks for", "Status", "Why", "Evidence")]]
        shade = []
        for n, item in enumerate(items, start=1):
            first = evidence_pages(case, item, page_of)
            evidence = "<br/>".join("• " + L.text(x) for x in _evidence_cell(case, item, page_of))
            need = "" if item.mandatory else "<br/>Conditional"
            fixed = memo.get(("compliance", ref.id, item.id))
            if not isinstance(fixed, list):
                fixed = memo[("compliance", ref.id, item.id)] = [
                    L.para(L.text(item.number) + need, st["cell"]),
                    L.para(L.text(item.wording), st["cell"]),
                    L.para(STATUS_WORDS.get(item.status, item.status), st["cellb"]),
                    L.para("<br/>".join(L.text(plain(r, case)) for r in item.reasons),
                           st["cell"]),
                ]
            rows.append([*fixed, L.LinkSpot(L.para(evidence, st["cell"]),
                                            f"page:{first[0]}" if first else None, spots)])
            if item.status == "not_met":
                shade.append(("BACKGROUND", (2, n), (2, n), L.RED))
        story.append(L.table(rows, widths, extra=shade))
    if report.warnings:
        story += L.heading("Warnings", st["h2"])
        story += [L.para("• " + L.text(plain(w, case)), st["small"]) for w in report.warnings]
    return L.render(story, title=f"Compliance: {case.pupil.full_name}", pagesize=L.LANDSCAPE,
                    spots=spots)
