"""Fuzzing the register CSV import: whatever a school uploads, the only failure is a
RegisterImportError with line-numbered problems; a valid register reads back exactly."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from referral_builder.domain.errors import RegisterImportError
from referral_builder.domain.model import Mark
from referral_builder.domain.register_import import parse_register_csv
from tests.fuzz.profile import count, fuzz_settings
from tests.unit.test_register_import import registers, write_csv

WITHIN = (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
TOKENS = ["2026-09-07", "07/09/2026", "7/9/2026", "31/02/2026", "2026-02-30", "13/13/2026",
          "0/0/0000", "9999-99-99", "AM", "PM", "am", "pm", "Morning", "Afternoon", "/", "\\",
          "O", "N", "#", "X", "Y", "Z", "-", "", " ", "Date", "Session", "Code", "Mark",
          "AM/PM", "AM Mark", "PM Mark", "\ufeff", '"', '""', "'", "\x00", "\r", "é", "٣",
          "１２", "2026-09-07T00:00", "+", "=SUM(A1)", "NaN", "1e9"]


def check(text: str, within: tuple[dt.date, dt.date] | None = None) -> None:
    try:
        marks = parse_register_csv(text, within=within)
    except RegisterImportError as exc:
        assert exc.problems, "a RegisterImportError must say what is wrong"
        for line, message in exc.problems:
            assert isinstance(line, int) and line >= 0
            assert isinstance(message, str) and message
    else:
        assert marks, "a register with no problem has marks"
        assert all(isinstance(m, Mark) for m in marks)
        keys = [(m.date, m.session) for m in marks]
        assert len(keys) == len(set(keys)), "a (date, session) read twice"
        assert keys == sorted(keys, key=lambda k: (k[0], k[1] != "AM"))
        if within is not None:
            assert all(within[0] <= m.date <= within[1] for m in marks)


@fuzz_settings
@given(st.text())
def test_any_text(text: str) -> None:
    count("register: any text")
    check(text)


@fuzz_settings
@given(st.lists(st.lists(st.sampled_from(TOKENS) | st.text(max_size=12), max_size=6),
                max_size=12),
       st.sampled_from([",", ";", "\t", "|", " "]), st.sampled_from(["\n", "\r\n", "\r"]),
       st.booleans())
def test_csv_like_rows(rows: list[list[str]], sep: str, newline: str, within: bool) -> None:
    count("register: csv-like rows")
    check(newline.join(sep.join(r) for r in rows), WITHIN if within else None)


@fuzz_settings
@given(registers(), st.booleans(), st.booleans(), st.sampled_from(",;\t"), st.booleans(),
       st.data())
def test_a_valid_register_mutated(marks, per_day, header, sep, uk, data) -> None:  # type: ignore[no-untyped-def]
    """Start from a file that reads back exactly, then damage it: never a crash."""
    count("register: mutated valid file")
    text = write_csv(marks, per_day=per_day, header=header, sep=sep, uk=uk)
    assert parse_register_csv(text) == marks
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        how = data.draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        piece = data.draw(st.sampled_from(TOKENS) | st.text(max_size=3))
        if how == "insert":
            text = text[:at] + piece + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + len(piece) + 1:]
        elif how == "replace":
            text = text[:at] + piece + text[at + len(piece):]
        else:
            text = text[:at]
    check(text, data.draw(st.sampled_from([None, WITHIN])))


@fuzz_settings
@given(registers(), st.booleans(), st.booleans(), st.sampled_from(",;\t"), st.booleans(),
       st.sampled_from(["", "\ufeff"]), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_valid_register_reads_back_exactly(marks, per_day, header, sep, uk, bom, newline,
                                             trailing_blank_lines) -> None:  # type: ignore[no-untyped-def]
    count("register: round trip")
    text = write_csv(marks, per_day=per_day, header=header, sep=sep, uk=uk)
    text = bom + text.replace("\n", newline) + (newline * 2 if trailing_blank_lines else "")
    assert parse_register_csv(text) == marks
