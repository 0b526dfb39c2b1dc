"""Register CSV import (referral_builder/domain/register_import.py).

A UK school's MIS export: one row per session or one row per day, with or without a header,
comma, semicolon or tab separated, ISO or UK (day-first) dates. Every problem is reported at
once with its line number, and nothing is imported from a file with a problem.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral_builder.domain import codes
from referral_builder.domain.calendar import school_year_of
from referral_builder.domain.errors import InvalidCase, RegisterImportError
from referral_builder.domain.model import Mark
from referral_builder.domain.register_import import check_marks, parse_date, parse_register_csv

D = dt.date
YEAR_2026 = school_year_of(D(2026, 9, 7))  # 1 Sep 2026 - 31 Aug 2027

MON, TUE = D(2026, 9, 7), D(2026, 9, 8)
TWO_DAYS = [Mark(MON, "AM", "/"), Mark(MON, "PM", "\\"), Mark(TUE, "AM", "O"),
            Mark(TUE, "PM", "I")]


def problems(text: str, **kwargs) -> list[tuple[int, str]]:
    with pytest.raises(RegisterImportError) as caught:
        parse_register_csv(text, **kwargs)
    return caught.value.problems


# ---- shapes and headers ----------------------------------------------------------------

class TestShapes:
    @pytest.mark.parametrize("text", [
        "Date,Session,Code\n2026-09-07,AM,/\n2026-09-07,PM,\\\n2026-09-08,AM,O\n2026-09-08,PM,I\n",
        "2026-09-07,AM,/\n2026-09-07,PM,\\\n2026-09-08,AM,O\n2026-09-08,PM,I\n",
        "Date,AM,PM\n2026-09-07,/,\\\n2026-09-08,O,I\n",
        "2026-09-07,/,\\\n2026-09-08,O,I\n",
    ], ids=["per-session header", "per-session bare", "per-day header", "per-day bare"])
    def test_every_shape_with_and_without_a_header_reads_the_same_marks(self, text):
        assert parse_register_csv(text) == TWO_DAYS

    @pytest.mark.parametrize("header", [
        "Date,AM/PM,Mark", "date,session,code", "DATE,SESSION,CODE", "Session Date,Period,"
        "Attendance Mark", "Date,AM / PM,Attendance Code", "Attendance date,am or pm,Session mark",
    ])
    def test_per_session_header_variants(self, header):
        text = f"{header}\n07/09/2026,AM,/\n07/09/2026,PM,\\\n08/09/2026,AM,O\n08/09/2026,PM,I\n"
        assert parse_register_csv(text) == TWO_DAYS

    @pytest.mark.parametrize("header", ["Date,AM,PM", "Date,AM Mark,PM Mark",
                                        "Date,Morning,Afternoon", "date,am code,pm code"])
    def test_per_day_header_variants(self, header):
        assert parse_register_csv(f"{header}\n2026-09-07,/,\\\n2026-09-08,O,I\n") == TWO_DAYS

    def test_columns_can_come_in_any_order_under_a_header(self):
        text = "Code,Pupil,Session,Date\nO,Zoë,PM,2026-09-08\n/,Zoë,AM,2026-09-07\n"
        assert parse_register_csv(text) == [Mark(MON, "AM", "/"), Mark(TUE, "PM", "O")]

    def test_session_words_morning_and_afternoon(self):
        assert parse_register_csv("2026-09-07,Morning,/\n2026-09-07,afternoon,L\n") == [
            Mark(MON, "AM", "/"), Mark(MON, "PM", "L")]

    def test_marks_come_back_by_date_with_am_before_pm(self):
        text = "2026-09-08,PM,I\n2026-09-07,PM,\\\n2026-09-08,AM,O\n2026-09-07,AM,/\n"
        assert parse_register_csv(text) == TWO_DAYS

    def test_a_header_without_the_needed_columns_is_named(self):
        assert problems("Day,Mark\n2026-09-07,/\n") == [
            (1, 'the header row ("Day", "Mark") needs columns Date, Session and Mark, or Date, '
                "AM and PM, or Week beginning and Mon AM to Fri PM")]

    def test_a_header_with_no_rows(self):
        assert problems("Date,Session,Code\n") == [
            (0, "the file has a header row but no register marks")]

    @pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", " , ,\n"])
    def test_an_empty_file(self, text):
        assert problems(text) == [(0, "the file has no register marks")]


class TestDelimitersAndEncoding:
    @pytest.mark.parametrize("sep", [";", "\t"])
    def test_semicolons_and_tabs(self, sep):
        text = "\n".join(sep.join(r) for r in (("Date", "AM", "PM"), ("07/09/2026", "/", "\\"),
                                                ("08/09/2026", "O", "I"))) + "\n"
        assert parse_register_csv(text) == TWO_DAYS

    def test_a_byte_order_mark_is_ignored(self):
        assert parse_register_csv("\ufeffDate,Session,Code\n2026-09-07,AM,/\n") == [
            Mark(MON, "AM", "/")]

    def test_windows_line_endings(self):
        assert parse_register_csv("Date,AM,PM\r\n2026-09-07,/,\\\r\n2026-09-08,O,I\r\n") == \
            TWO_DAYS

    def test_spreadsheet_padding_and_blank_lines_are_ignored(self):
        text = "Date,AM,PM,,\n\n2026-09-07,/,\\,,\n,,,,\n2026-09-08,O,I,,\n"
        assert parse_register_csv(text) == TWO_DAYS

    def test_codes_are_read_in_any_case_and_trimmed(self):
        assert parse_register_csv("2026-09-07, am , o \n2026-09-07,PM,c1\n") == [
            Mark(MON, "AM", "O"), Mark(MON, "PM", "C1")]


# ---- dates -----------------------------------------------------------------------------

class TestDates:
    def test_uk_dates_are_day_first(self):
        assert parse_date("03/10/2026") == D(2026, 10, 3)

    def test_single_digit_days_and_months(self):
        assert parse_date("3/9/2026") == D(2026, 9, 3)

    def test_iso_dates(self):
        assert parse_date("2026-10-03") == D(2026, 10, 3)

    def test_31_february_is_not_a_real_date(self):
        assert parse_date("31/02/2026") == '"31/02/2026" is not a real date'

    def test_a_us_month_first_date_suggests_writing_the_day_first(self):
        assert parse_date("10/13/2026") == (
            '"10/13/2026" is not a real date (write the day first: dd/mm/yyyy)')

    def test_a_date_wrong_both_ways_gets_no_day_first_hint(self):
        # 13/13: writing the day first would not help.
        assert parse_date("13/13/2026") == '"13/13/2026" is not a real date'

    @pytest.mark.parametrize("raw", ["2026/10/03", "3 Oct 2026", "03-10-2026", "26-10-03",
                                     "03/10/26", "next Tuesday"])
    def test_other_spellings_are_not_dates(self, raw):
        assert parse_date(raw) == f'"{raw}" is not a date (use dd/mm/yyyy or YYYY-MM-DD)'

    def test_an_iso_date_that_does_not_exist(self):
        assert parse_date("2026-02-30") == '"2026-02-30" is not a real date'


# ---- problems, all at once -------------------------------------------------------------

class TestProblems:
    def test_an_unknown_code_names_the_code_date_and_session(self):
        assert problems("2026-09-07,AM,Q9\n") == [
            (1, '"Q9" on 2026-09-07 AM is not a DfE attendance code')]

    def test_a_duplicate_session_names_the_first_line(self):
        text = "Date,Session,Code\n2026-09-07,AM,/\n2026-09-07,PM,\\\n07/09/2026,AM,O\n"
        assert problems(text) == [(4, "07/09/2026 AM is already on line 2")]

    def test_a_date_outside_the_school_year(self):
        assert problems("2026-08-28,AM,/\n2026-09-07,AM,/\n", within=YEAR_2026) == [
            (1, "2026-08-28 is outside the school year 2026/27 (1 Sep 2026 – 31 Aug 2027)")]

    def test_the_last_day_of_the_school_year_is_inside_it(self):
        marks = parse_register_csv("2026-09-01,AM,#\n2027-08-31,AM,#\n", within=YEAR_2026)
        assert [m.date for m in marks] == [D(2026, 9, 1), D(2027, 8, 31)]

    def test_a_period_that_is_not_a_school_year_is_shown_as_dates(self):
        within = (D(2026, 9, 3), D(2026, 11, 20))
        assert problems("2026-11-23,AM,/\n", within=within) == [
            (1, "2026-11-23 is outside 3 Sep 2026 – 20 Nov 2026")]

    @pytest.mark.parametrize("blank", ["", "-", "  "])
    def test_a_blank_per_session_mark(self, blank):
        assert problems(f"Date,Session,Code\n2026-09-07,AM,{blank}\n") == [
            (2, "2026-09-07 AM has no mark")]

    def test_a_day_with_neither_mark(self):
        assert problems("Date,AM,PM\n2026-09-07,-,\n") == [
            (2, "2026-09-07 has no AM or PM mark")]

    def test_a_day_with_one_blank_session_reads_the_other(self):
        assert parse_register_csv("Date,AM,PM\n2026-09-07,-,O\n2026-09-08,/,\n") == [
            Mark(MON, "PM", "O"), Mark(TUE, "AM", "/")]

    def test_a_missing_date(self):
        assert problems("Date,Session,Code\n,AM,/\n") == [(2, "enter the date")]

    def test_a_bad_session(self):
        assert problems("2026-09-07,AM,/\n2026-09-07,Eve,/\n") == [
            (2, '"Eve" is not a session (use AM or PM)')]

    def test_too_many_columns_without_a_header(self):
        assert problems("2026-09-07,AM,/,extra\n") == [
            (1, "expected 3 columns (date, session, code), found 4")]

    def test_every_problem_is_reported_with_its_line_and_nothing_is_imported(self):
        text = ("Date,Session,Code\n"        # 1
                "2026-09-07,AM,/\n"          # 2 fine
                "31/02/2026,AM,/\n"          # 3 impossible date
                "\n"                          # 4 blank line, still counted
                "2026-09-07,PM,ZZ\n"         # 5 unknown code
                "2026-09-07,AM,O\n"          # 6 duplicate of line 2
                "2026-09-08,PM,\n"           # 7 no mark
                "10/13/2026,PM,/\n")         # 8 month first
        with pytest.raises(RegisterImportError) as caught:
            parse_register_csv(text)
        assert caught.value.problems == [
            (3, '"31/02/2026" is not a real date'),
            (5, '"ZZ" on 2026-09-07 PM is not a DfE attendance code'),
            (6, "2026-09-07 AM is already on line 2"),
            (7, "2026-09-08 PM has no mark"),
            (8, '"10/13/2026" is not a real date (write the day first: dd/mm/yyyy)'),
        ]
        assert str(caught.value).startswith('line 3: "31/02/2026" is not a real date; line 5: ')

    def test_line_numbers_count_lines_inside_quoted_cells(self):
        text = 'Date,Session,Code\n"2026-09-07",AM,/\n"2026-09-07","PM","\nO"\n2026-09-08,AM,Q9\n'
        found = problems(text)
        assert found[-1] == (5, '"Q9" on 2026-09-08 AM is not a DfE attendance code')


class TestCodesByDate:
    def test_a_legacy_code_before_19_august_2024_is_read(self):
        assert parse_register_csv("2024-07-01,AM,H\n") == [Mark(D(2024, 7, 1), "AM", "H")]

    def test_a_legacy_code_after_it_is_still_read_so_the_engine_can_warn(self):
        assert parse_register_csv("2026-09-07,AM,H\n") == [Mark(MON, "AM", "H")]


class TestCheckMarks:
    def test_a_repeated_session_names_its_position(self):
        with pytest.raises(InvalidCase) as caught:
            check_marks([Mark(MON, "AM", "/"), Mark(MON, "PM", "\\"), Mark(MON, "AM", "O")])
        assert (caught.value.path, caught.value.message) == (
            "register.marks[2]", "2026-09-07 AM appears twice")

    def test_distinct_sessions_pass(self):
        check_marks(TWO_DAYS)


# ---- properties ------------------------------------------------------------------------

FIRST, LAST = D(2023, 9, 1), D(2027, 8, 31)


@st.composite
def registers(draw) -> list[Mark]:
    """A valid set of marks: distinct (date, session), each with a code valid on its date."""
    keys = draw(st.sets(st.tuples(st.dates(FIRST, LAST), st.sampled_from(("AM", "PM"))),
                        min_size=1, max_size=40))
    marks = []
    for d, s in sorted(keys, key=lambda k: (k[0], k[1] != "AM")):
        code = draw(st.sampled_from(sorted(codes.code_table(d))))
        marks.append(Mark(d, s, code))  # type: ignore[arg-type]
    return marks


def write_csv(marks: list[Mark], *, per_day: bool, header: bool, sep: str, uk: bool) -> str:
    def date(d: dt.date) -> str:
        return d.strftime("%d/%m/%Y") if uk else d.isoformat()

    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator="\n")
    if per_day:
        if header:
            w.writerow(("Date", "AM", "PM"))
        days: dict[dt.date, dict[str, str]] = {}
        for m in marks:
            days.setdefault(m.date, {})[m.session] = m.code
        for d, day in days.items():
            w.writerow((date(d), day.get("AM", ""), day.get("PM", "")))
    else:
        if header:
            w.writerow(("Date", "Session", "Code"))
        for m in marks:
            w.writerow((date(m.date), m.session, m.code))
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(registers(), st.booleans(), st.booleans(), st.sampled_from(",;\t"), st.booleans(),
       st.booleans())
def test_any_valid_register_written_as_csv_reads_back_exactly(marks, per_day, header, sep, uk,
                                                              backwards):
    written = list(reversed(marks)) if backwards else marks  # the file's order does not matter
    text = write_csv(written, per_day=per_day, header=header, sep=sep, uk=uk)
    assert parse_register_csv(text) == marks


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_nothing_but_register_import_error(text):
    try:
        marks = parse_register_csv(text)
    except RegisterImportError as exc:
        assert exc.problems
        assert all(isinstance(n, int) and n >= 0 and msg for n, msg in exc.problems)
    else:
        assert all(isinstance(m, Mark) for m in marks)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["2026-09-07", "07/09/2026", "31/02/2026", "AM",
                                          "PM", "am", "/", "\\", "O", "-", "", "Date",
                                          "Session", "Code", "x", "10/13/2026", "#", " "]),
                         min_size=0, max_size=5), max_size=8),
       st.sampled_from(",;\t"))
def test_csv_like_rows_raise_nothing_but_register_import_error(rows, sep):
    text = "\n".join(sep.join(r) for r in rows)
    with contextlib.suppress(RegisterImportError):
        parse_register_csv(text, within=YEAR_2026)
