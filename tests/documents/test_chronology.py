"""The chronology: every event in date order with people, what happened and bundle pages."""

from __future__ import annotations

import io
from dataclasses import replace

from pypdf import PdfReader

from referral_builder.documents.chronology import chronology_pdf
from tests.builders import D, event, ready_case


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_events_come_in_date_order_whatever_order_they_were_recorded():
    case = ready_case()
    case = replace(case, events=tuple(reversed(case.events)))
    text = text_of(chronology_pdf(case))
    dates = ["21 Sep 2026", "24 Sep 2026", "1 Oct 2026", "12 Oct 2026", "13 Oct 2026",
             "14 Oct 2026", "2 Nov 2026", "13 Nov 2026"]
    positions = [text.index(d) for d in dates]
    assert positions == sorted(positions)


def test_each_row_says_who_to_whom_and_what_happened():
    text = text_of(chronology_pdf(ready_case()))
    assert "Sam Patel, DSL" in text
    assert "Jane Smith (mother); Łukasz Nowak (father)" in text
    assert "Mother said Zoë has been anxious about school" in text
    assert "Attended: Jane Smith (mother)" in text
    assert "States attendance of 82.8%" in text
    assert "Encloses: attendance certificate" in text


def test_documents_show_their_bundle_pages_and_missing_ones_say_so():
    text = text_of(chronology_pdf(ready_case(), {"d1": 12, "d2": 14, "d3": 15, "d4": 20}))
    assert "p. 12" in text and "p. 20" in text
    assert "not in bundle: Warning letter" in text and "d5" not in text


def test_no_event_id_is_printed_only_what_and_when():
    case = ready_case(events=(
        event("m1", "meeting", D(2026, 10, 5), summary="Attendance meeting"),
        event("n1", "note", D(2026, 10, 6), summary="Notes of the meeting", meeting="m1"),
        event("r1", "review", D(2026, 10, 20), of="m1")))
    text = " ".join(text_of(chronology_pdf(case)).split())
    assert "About the meeting on 5 Oct 2026" in text
    assert "Review of the meeting of 5 Oct 2026" in text
    assert "(m1)" not in text and "m1" not in text


def test_undated_events_come_last():
    case = ready_case(events=(event("x", "note", None, summary="Undated note"),
                              event("y", "note", D(2026, 9, 1), summary="Dated note")))
    text = text_of(chronology_pdf(case))
    assert text.index("Dated note") < text.index("Undated note")
    assert "no date" in text


def test_a_case_without_events_says_so():
    assert "No actions are recorded." in text_of(chronology_pdf(ready_case(events=())))


def test_a_long_chronology_runs_over_pages_with_the_header_repeated():
    many = tuple(event(f"n{i}", "note", D(2026, 9, 1 + i % 28), summary=f"Note {i}")
                 for i in range(80))
    reader = PdfReader(io.BytesIO(chronology_pdf(ready_case(events=many))))
    assert len(reader.pages) > 2
    assert all("What happened" in p.extract_text() for p in reader.pages)
