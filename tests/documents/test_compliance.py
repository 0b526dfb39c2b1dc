"""The compliance table: the authority's words, status, reasons and evidence pages."""

from __future__ import annotations

import io

from pypdf import PdfReader

from referral_builder.documents.compliance import compliance_pdf, evidence_pages
from referral_builder.domain import engine
from referral_builder.services import checking
from tests.builders import make_case, ready_case


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def check(case):
    return engine.check(case, checking.checklists_for(case))


def test_every_item_is_listed_in_the_authoritys_words_with_its_status():
    case = ready_case()
    report = check(case)
    text = text_of(compliance_pdf(case, report))
    assert "checklist walsall, version 2024-09" in text
    assert "Letters sent with regards to attendance concerns, punctuality and support." in text
    assert "Current Attendance Certificate" in text
    assert "the referral is ready" in text
    assert text.count(" Met ") >= 10


def test_items_not_met_say_why():
    case = make_case()
    text = text_of(compliance_pdf(case, check(case)))
    assert "Not met" in text
    assert "Record the letter or email inviting the parents to a meeting" in text
    assert "the referral is not ready" in text


def test_evidence_points_to_the_pages_of_the_events_documents():
    case = ready_case()
    report = check(case)
    item = next(i for i in report.items if i.id == "wal_letters_attendance_concern")
    assert evidence_pages(case, item, {"d1": 13}) == [13]
    text = text_of(compliance_pdf(case, report, {"d1": 13, "d5": 40}))
    assert "letter 21 Sep 2026, p. 13" in text
    assert "letter 13 Nov 2026, p. 40" in text


def test_not_applicable_items_give_the_recorded_reason():
    case = ready_case()
    text = text_of(compliance_pdf(case, check(case)))
    assert "Recorded as not applicable: No agencies are involved." in text


def test_reasons_say_the_events_kind_and_date_never_its_id():
    case = ready_case()
    report = check(case)
    assert any("(e1)" in r for i in report.items for r in i.reasons)  # the published check
    text = text_of(compliance_pdf(case, report))
    assert "Met by the letter of 21 September 2026 to Jane Smith (mother)" in text
    assert "(e1)" not in text and "(e3b)" not in text
