"""Register export shapes (issue 17): per session (Arbor, SIMS-style), per day, weekly grid,
with or without a pupil column; MARK_CODE and MINUTES_LATE cross-checked; the preview's
flags (issue 14.4). Every sample holds the same marks for one made-up pupil, Grace Gray
(UPN K820123456789, MIS id 1007), 7 Sep - 16 Oct 2026: each shape must read exactly those
marks and give the same attendance figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from referral_builder.domain import register_import as ri
from referral_builder.domain import stats
from referral_builder.domain.errors import RegisterImportError
from referral_builder.domain.model import Mark
from tests.builders import make_case
from tests.samples.registers import make_samples as samples

D = dt.date
SAMPLES = Path(samples.__file__).parent
GRACE = [Mark(d, s, c) for (d, s), c in samples.pupil_marks(6).items()]


def rows(text: str) -> list[ri.Row]:
    return ri.split_csv(text)


def read(text: str, **kw) -> list[Mark]:
    rs = rows(text)
    mapping = ri.detect(rs)
    assert mapping is not None
    return ri.read_marks(rs, mapping, **kw)


def problems(text: str, **kw) -> list[tuple[int, str]]:
    with pytest.raises(RegisterImportError) as caught:
        read(text, **kw)
    return caught.value.problems


def figures(marks: list[Mark]):
    return stats.compute(make_case(marks=tuple(marks)), D(2026, 10, 16)).summary()


class TestSamplesReadTheSameMarks:
    def test_the_plain_csv_is_the_reference(self):
        marks = read((SAMPLES / "plain-one-pupil.csv").read_text())
        assert marks == GRACE
        s = figures(marks)
        # 30 school days, one closed (#): 58 possible sessions; I x4 + M x1 authorised,
        # O x6 unauthorised
        assert (s.possible, s.authorised, s.unauthorised) == (58, 5, 6)

    @pytest.mark.parametrize("name, pupil", [
        ("arbor-class-30.csv", "K820123456789"),
        ("arbor-class-30.csv", "1007"),
        ("per-day-semicolon.csv", None),
        ("weekly-grid.csv", None),
    ])
    def test_each_shape_gives_the_same_marks_and_figures(self, name, pupil):
        marks = read((SAMPLES / name).read_text(encoding="utf-8"), pupil=pupil)
        assert marks == GRACE
        assert figures(marks) == figures(GRACE)

    def test_the_arbor_export_is_detected_with_its_extra_columns(self):
        mapping = ri.detect(rows((SAMPLES / "arbor-class-30.csv").read_text()))
        assert mapping is not None and mapping.shape == "session"
        assert {"student_id", "upn", "surname", "forename", "minutes_late",
                "mark_code"} <= set(mapping.columns)

    def test_the_arbor_export_lists_its_30_pupils_with_names(self):
        rs = rows((SAMPLES / "arbor-class-30.csv").read_text())
        found = ri.pupils(rs, ri.detect(rs))
        assert len(found) == 30
        grace = next(p for p in found if p.key == "K820123456789")
        assert grace.label == "Gray, Grace (K820123456789, 1007)"
        assert grace.rows == 60

    def test_a_whole_class_file_without_a_pupil_is_refused(self):
        assert problems((SAMPLES / "arbor-class-30.csv").read_text()) == [
            (0, "the file holds 30 pupils: choose one by UPN or MIS id")]

    def test_a_pupil_not_in_the_file_is_named(self):
        assert problems((SAMPLES / "arbor-class-30.csv").read_text(), pupil="Z999") == [
            (0, 'no pupil "Z999" in the file (it holds 30 pupils)')]

    def test_a_pupil_can_be_chosen_by_name(self):
        text = "Legal surname,Forename,Date,Session,Code\nGray,Grace,2026-09-07,AM,/\n" \
               "Cole,Caleb,2026-09-07,AM,O\n"
        assert read(text, pupil="gray, grace") == [Mark(D(2026, 9, 7), "AM", "/")]


class TestHeaders:
    @pytest.mark.parametrize("header", [
        "DATE,PERIOD,RAW_MARK", "Student ID,Date,Session Name,Mark", "Date,AM-PM,Code",
        "date,session,mark"])
    def test_per_session_headers(self, header):
        pupil = "Student ID" in header
        body = "\n".join(f"{'1007,' if pupil else ''}07/09/2026,{s},{c}"
                         for s, c in (("MORNING", "/"), ("AFTERNOON", "\\")))
        assert read(f"{header}\n{body}\n") == [Mark(D(2026, 9, 7), "AM", "/"),
                                               Mark(D(2026, 9, 7), "PM", "\\")]

    def test_a_weekly_grid_with_long_day_names(self):
        text = ("W/C,Monday AM,Monday PM,Tuesday AM,Tuesday PM,Wednesday AM,Wednesday PM,"
                "Thursday AM,Thursday PM,Friday AM,Friday PM\n"
                "2026-09-07,/,\\,O,O,,,/,\\,-,-\n")
        assert read(text) == [Mark(D(2026, 9, 7), "AM", "/"), Mark(D(2026, 9, 7), "PM", "\\"),
                              Mark(D(2026, 9, 8), "AM", "O"), Mark(D(2026, 9, 8), "PM", "O"),
                              Mark(D(2026, 9, 10), "AM", "/"), Mark(D(2026, 9, 10), "PM", "\\")]

    def test_a_grid_week_that_does_not_begin_on_a_monday(self):
        head = "Week beginning," + ",".join(f"{d} {s}" for d in ("Mon", "Tue", "Wed", "Thu",
                                                                   "Fri") for s in ("AM", "PM"))
        assert problems(f"{head}\n09/09/2026,/,\\\n") == [
            (2, "the week beginning 09/09/2026 is a Wednesday, not a Monday")]

    def test_an_unknown_header_is_not_guessed(self):
        assert ri.detect(rows((SAMPLES / "unknown-shape.csv").read_text())) is None

    def test_excel_date_time_cells_written_as_midnight_are_dates(self):
        assert read("Date,Session,Mark\n2026-09-07 00:00:00,AM,/\n") == [
            Mark(D(2026, 9, 7), "AM", "/")]


class TestCrossChecks:
    HEAD = "DATE,PERIOD,RAW_MARK,MARK_CODE,MINUTES_LATE\n"

    def test_present_am_with_an_o_mark_names_the_line(self):
        text = self.HEAD + "2026-09-07,MORNING,/,PRESENT_AM,0\n2026-09-08,MORNING,O,PRESENT_AM,0\n"
        assert problems(text) == [
            (3, 'the mark "O" does not match its meaning "PRESENT_AM" (expected / or L or \\)')]

    def test_minutes_late_with_a_present_mark(self):
        assert problems(self.HEAD + "2026-09-07,MORNING,/,,15\n") == [
            (2, '15 minutes late with the mark "/": a late arrival is marked L or U')]

    def test_minutes_late_that_is_not_a_number(self):
        assert problems(self.HEAD + "2026-09-07,MORNING,L,,ten\n") == [
            (2, 'minutes late "ten" is not a number of minutes')]

    def test_late_with_minutes_is_fine(self):
        assert read(self.HEAD + "2026-09-07,MORNING,L,LATE_BEFORE_REGISTER_CLOSED,12\n") == [
            Mark(D(2026, 9, 7), "AM", "L")]


class TestManualMapping:
    def test_a_mapping_reads_an_unknown_shape(self):
        rs = rows((SAMPLES / "unknown-shape.csv").read_text())
        mapping = ri.Mapping.manual({"student_id": 0, "date": 1, "session": 2, "mark": 3})
        assert ri.read_marks(rs, mapping) == GRACE

    def test_a_saved_mapping_is_found_again_by_heading(self):
        rs = rows((SAMPLES / "unknown-shape.csv").read_text())
        mapping = ri.Mapping.manual({"student_id": 0, "date": 1, "session": 2, "mark": 3})
        names = mapping.names(rs[0].cells)
        assert names == {"student_id": "Pupil ref", "date": "Attendance day",
                         "session": "Half", "mark": "Symbol"}
        assert ri.Mapping.from_names(rs[0].cells, names) == mapping
        assert ri.Mapping.from_names(("Pupil ref", "Day", "Half", "Symbol"), names) is None

    @pytest.mark.parametrize("columns, message", [
        ({"session": 1, "mark": 2}, "choose the column with the date"),
        ({"date": 0, "mark": 2}, "choose both the session column and the mark column"),
        ({"date": 0, "am": 1}, "choose the session and mark columns, or the AM and PM columns"),
        ({"date": 0, "session": 0, "mark": 2}, "each column can be given one meaning only"),
    ])
    def test_an_incomplete_mapping_says_what_is_missing(self, columns, message):
        with pytest.raises(ValueError, match=message):
            ri.Mapping.manual(columns)


class TestLimits:
    def test_more_marks_than_a_pupil_can_have_is_refused(self):
        start = D(2020, 1, 1)
        lines = [f"{start + dt.timedelta(days=n)},AM,/" for n in range(ri.MAX_MARKS_PER_PUPIL + 1)]
        assert problems("Date,Session,Code\n" + "\n".join(lines)) == [
            (0, "the file has more than 1,000 marks for one pupil; a school year has under 400 "
                "sessions: export one or two school years")]


class TestPreview:
    TODAY = D(2026, 10, 20)

    def test_the_sample_preview(self):
        p = ri.preview(GRACE, today=self.TODAY)
        assert (p.first, p.last, p.school_days, p.weeks) == (D(2026, 9, 7), D(2026, 10, 16),
                                                             29, 6)
        assert p.sessions_per_week == 9.7
        assert ("O", "Absent in other or unknown circumstances", 6) in p.codes
        assert p.holidays == [(CLOSED := D(2026, 9, 25), CLOSED)]
        assert p.legacy == [] and p.warnings == []

    def test_marks_after_today_are_flagged(self):
        p = ri.preview(GRACE, today=D(2026, 10, 14))
        assert p.warnings == ["2 days after today (15 Oct 2026, 16 Oct 2026) have marks: a "
                              "register is taken on the day, so export only up to today."]

    def test_a_legacy_code_after_august_2024_is_flagged_but_not_before(self):
        marks = [Mark(D(2024, 7, 15), "AM", "H"), Mark(D(2024, 9, 9), "AM", "H"),
                 Mark(D(2024, 9, 9), "PM", "H")]
        p = ri.preview(marks, today=self.TODAY)
        assert p.legacy == [("H", "Agreed family holiday (withdrawn 2024)",
                             [D(2024, 7, 15), D(2024, 9, 9)])]
        assert p.warnings[0] == ('The legacy code "H" is used on 9 Sep 2024, after the codes '
                                 "changed on 19 Aug 2024: correct these marks in the MIS to a "
                                 "2024 code and export again.")

    def test_a_mark_on_a_bank_holiday_is_flagged(self):
        marks = [Mark(D(2027, 5, 3), "AM", "/"), Mark(D(2027, 5, 4), "AM", "/"),
                 Mark(D(2027, 5, 4), "PM", "\\")]
        p = ri.preview(marks, today=D(2027, 6, 1))
        assert any(w.startswith("Marks other than # on 3 May 2027, when the school was closed")
                   for w in p.warnings)

    def test_a_mark_where_the_class_has_hash_is_flagged(self):
        rs = rows((SAMPLES / "arbor-class-30.csv").read_text().replace(
            "1007,K820123456789,Gray,Grace,2026-09-25,MORNING,#,SCHOOL_CLOSED",
            "1007,K820123456789,Gray,Grace,2026-09-25,MORNING,O,UNAUTHORISED_OTHER"))
        mapping = ri.detect(rs)
        marks = ri.read_marks(rs, mapping, pupil="1007")
        p = ri.preview(marks, today=self.TODAY, closures=ri.closed_sessions(rs, mapping))
        assert any("Marks other than # on 25 Sep 2026" in w for w in p.warnings)

    def test_a_saturday_and_a_week_with_one_session_are_flagged(self):
        marks = [Mark(D(2026, 9, 12), "AM", "/"), Mark(D(2026, 9, 14), "AM", "/"),
                 Mark(D(2026, 9, 14), "PM", "\\")]
        p = ri.preview(marks, today=self.TODAY)
        assert "Marks on a Saturday or Sunday (12 Sep 2026)" in p.warnings[0]
        assert p.warnings[1].startswith("1 school week has only one session (week beginning "
                                        "7 Sep 2026)")

    def test_bank_holidays(self):
        hols = ri.bank_holidays(2026, 2027)
        assert {D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31),
                D(2026, 12, 25), D(2026, 12, 28), D(2027, 3, 26), D(2027, 3, 29)} <= hols
        assert D(2026, 12, 26) not in hols  # a Saturday: Boxing Day moves to Monday 28th
