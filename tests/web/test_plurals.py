"""Verbs agree with their counts on pages: "1 session is", "2 sessions are", "1 of 12 items
is" (issue 14.11). The engine's sentences keep their published wording; `plain` mends them
for pages, and `counted` writes the number, noun and verb in templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from referral_builder.services import checking
from referral_builder.web.filters import counted, plain
from tests.builders import make_case


@pytest.mark.parametrize(("n", "noun", "verb", "words"), [
    (0, "item", "is", "0 items are"),
    (1, "item", "is", "1 item is"),
    (2, "item", "is", "2 items are"),
    (1, "page", None, "1 page"),
    (23, "page", None, "23 pages"),
    (1, "letter", "has", "1 letter has"),
    (2, "letter", "has", "2 letters have"),
    (3, "copy", "was", "3 copies were"),
])
def test_counted_agrees(n: int, noun: str, verb: str | None, words: str) -> None:
    plural = "copies" if noun == "copy" else None
    assert counted(n, noun, verb, plural) == words


@pytest.mark.parametrize(("engine", "page"), [
    ("1 sessions are still coded N (reason not yet established).",
     "1 session is still coded N (reason not yet established)."),
    ("2 sessions are still coded N (reason not yet established).",
     "2 sessions are still coded N (reason not yet established)."),
    ("1 marks are not codes in force on their date: H on 2 Sep 2024 AM. Replace each",
     "1 mark is not a code in force on its date: H on 2 September 2024 AM. Replace each"),
    ("1 marks use codes from the wrong code set for their date (H; first H on 2 Sep 2024 AM)",
     "1 mark uses a code from the wrong code set for its date (H; first H on 2 September "
     "2024 AM)"),
    ("1 authorised medical absences since 1 Sep 2026 have no medical proof dated on or after "
     "them (3 Sep 2026 AM)",
     "1 authorised medical absence since 1 September 2026 has no medical proof dated on or "
     "after it (3 September 2026 AM)"),
    ("the period started on 1 Oct 2026; only 1 of its 10 school days have run by 2 Oct 2026",
     "The period started on 1 October 2026; only 1 of its 10 school days has run by "
     "2 October 2026"),
    ("Not ready: 1 of 12 checklist items are not met", "Not ready: 1 of 12 checklist items is "
     "not met"),
    ("the register showed at most 1 unauthorised sessions in any 10 school weeks; 10 are needed",
     "The register showed at most 1 unauthorised session in any 10 school weeks; 10 are "
     "needed"),
    ("11 sessions are still coded N", "11 sessions are still coded N"),
    ("Year 1 pupils are taught in the annexe", "Year 1 pupils are taught in the annexe"),
    ("it is 1 school days after the letter", "It is 1 school day after the letter"),
])
def test_plain_makes_the_verb_agree_with_one(engine: str, page: str) -> None:
    assert plain(engine) == page


def _n_marks(count: int):  # type: ignore[no-untyped-def]
    """The standard case with `count` sessions coded N in its last full week."""
    case = make_case()
    days = sorted({m.date for m in case.marks if m.code == "/"})[-5:]
    n = {(d, "AM") for d in days[:count]}
    return replace(case, marks=tuple(replace(m, code="N") if (m.date, m.session) in n else m
                                     for m in case.marks))


@pytest.mark.parametrize("count", [1, 3])
def test_the_engines_own_warning_about_n_marks_reads_right(count: int) -> None:
    from referral_builder.schemas.case import LoadedCase

    _, report = checking.check_case(LoadedCase(_n_marks(count)), dt.date(2026, 11, 20))
    [warning] = [plain(w) for w in report.warnings if "coded N" in w]
    expected = "1 session is" if count == 1 else f"{count} sessions are"
    assert warning.startswith(f"{expected} still coded N"), warning


@pytest.mark.parametrize(("csv", "message"), [
    ("Date,Session,Code\n2026-09-07,AM,/\n2026-09-07,XX,/\n",
     "The file has 1 problem: fix it and upload it again"),
    ("Date,Session,Code\n2026-09-07,AM,/\n2026-09-07,XX,/\n31/02/2026,AM,/\n",
     "The file has 2 problems: fix them and upload it again"),
])
def test_the_register_upload_counts_its_problems_in_words_that_agree(
        client, csv: str, message: str) -> None:  # type: ignore[no-untyped-def]
    import io

    from tests.web.conftest import field_errors, version_of

    client.sign_in("dsl@school.example")
    version = version_of(client.get("/cases/1/register").get_data(as_text=True))
    r = client.post("/cases/1/register", {"version": version,
                                          "csv_file": (io.BytesIO(csv.encode()), "reg.csv")},
                    content_type="multipart/form-data")
    assert field_errors(r.get_data(as_text=True))[0] == message
