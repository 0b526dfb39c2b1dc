"""The attendance certificate: counts, codes, the week-by-week register, N-code warning."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from referral_builder.documents.certificate import certificate_pdf
from tests.builders import D, absent, make_case, ready_case, term_marks


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_the_certificate_names_the_pupil_school_and_period():
    text = text_of(certificate_pdf(ready_case()))
    for words in ("Attendance certificate", "Zoë Smith", "3 May 2016", "A123456789012",
                  "Bloxwich Academy Primary (URN 123456)",
                  "1 September 2026 to 20 November 2026"):
        assert words in text


def test_the_sessions_add_up_with_percentages_of_possible():
    text = text_of(certificate_pdf(ready_case()))
    assert "Possible sessions 104 100%" in text
    assert "Authorised absence 2 1.9%" in text
    assert "Unauthorised absence 14 13.5%" in text
    assert "Attendance (present and approved activity) 88 84.6%" in text


def test_each_code_is_listed_with_its_meaning():
    text = text_of(certificate_pdf(ready_case()))
    assert "O Absent in other or unknown circumstances unauthorised absence 14" in text
    assert "I Illness authorised absence 2" in text


def test_the_peak_in_ten_school_weeks_is_stated():
    text = text_of(certificate_pdf(ready_case()))
    assert re.search(r"in any 10 school weeks: 14 sessions", text)


def test_the_register_grid_has_a_row_per_week_and_shows_half_term():
    text = text_of(certificate_pdf(ready_case()))
    assert "Week beginning" in text
    for week in ("31 Aug 2026", "7 Sep 2026", "26 Oct 2026", "16 Nov 2026"):
        assert week in text
    assert "26 Oct 2026 school holiday or closure" in text
    assert "14 Sep 2026 O O O O / \\ / \\ / \\" in text


def test_unresolved_n_codes_get_a_warning():
    marks = term_marks(overrides=absent([D(2026, 11, 18)], "N"))
    text = text_of(certificate_pdf(make_case(marks=marks)))
    assert "Warning: 2 session(s) are still coded N" in text
    assert "18 Nov 2026 AM, 18 Nov 2026 PM" in text


def test_no_warning_without_n_codes():
    assert "Warning" not in text_of(certificate_pdf(ready_case()))


def test_the_head_teacher_signs_under_section_566():
    text = text_of(certificate_pdf(ready_case()))
    assert "section 566 of the Education Act 1996" in text
    assert "Signed" in text and "Date" in text and "Mrs A Head" in text


def test_as_of_limits_the_period():
    text = text_of(certificate_pdf(ready_case(), D(2026, 10, 2)))
    assert "1 September 2026 to 2 October 2026" in text
    assert "9 Nov 2026" not in text
