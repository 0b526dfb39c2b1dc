"""Register maths (domain-rules NR-02 to NR-05, NR-09, NR-13, NR-14, broken weeks).

Most registers here are the autumn term 2026: it starts on Thu 3 Sep, half-term is
26-30 Oct, and the referral is on Fri 20 Nov. `hundred_sessions` adds INSET days on
Thu 3 Sep and Mon 2 Nov so that exactly 100 sessions are possible.
"""

from __future__ import annotations

import datetime as dt

import pytest

from referral_builder.domain.csa import is_csa
from referral_builder.domain.model import Mark
from referral_builder.domain.register import Counts, Register, below
from tests.builders import (
    D,
    absent,
    hundred_sessions,
    summer_to_autumn,
    term_marks,
    weekdays,
)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(weekdays(start, end))


def am(*dates: dt.date, code: str) -> dict[tuple[dt.date, str], str]:
    return {(d, "AM"): code for d in dates}


# ---- NR-03 to NR-05: rates with exact comparisons -------------------------------------

class TestExactPercentages:
    def test_ninety_percent_exactly_is_not_below_ninety(self):
        assert not below(90, 100, 90)

    def test_ninety_percent_exactly_is_at_or_below_ninety(self):
        assert below(90, 100, 90, inclusive=True)

    def test_89_96_percent_is_below_ninety_although_it_rounds_to_ninety(self):
        c = Counts(present=2249, unauthorised=251)  # 2249 / 2500 = 89.96 %
        assert round(c.attendance_pct(), 1) == 90.0
        assert c.attendance_below(90)

    def test_a_threshold_with_decimals_is_read_exactly(self):
        assert not below(8996, 10000, 89.96)
        assert below(8996, 10000, 89.96, inclusive=True)
        assert below(8995, 10000, 89.96)

    def test_just_above_the_threshold_is_not_below_it_even_inclusively(self):
        assert not below(9001, 10000, 90, inclusive=True)


class TestCounts:
    def test_a_term_of_full_attendance_has_a_hundred_possible_sessions(self):
        c = Register(hundred_sessions()).counts()
        assert (c.possible, c.present, c.attended, c.absent) == (100, 100, 100, 0)
        assert c.attendance_pct() == 100.0

    def test_inset_days_are_counted_as_closures_not_possible_sessions(self):
        c = Register(hundred_sessions()).counts()
        assert c.closure == 4 + 10  # two INSET days and the half-term week

    def test_ten_unauthorised_sessions_in_a_hundred_is_ninety_percent(self):
        marks = hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11)), "O"))
        c = Register(marks).counts()
        assert (c.attended, c.unauthorised, c.possible) == (90, 10, 100)
        assert c.attendance_pct() == 90.0
        assert not c.attendance_below(90)
        assert c.attendance_below(90, inclusive=True)

    def test_ninety_percent_exactly_is_persistent_absence(self):
        marks = hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11)), "I"))
        assert Register(marks).counts().persistent_absence

    def test_nine_absent_sessions_in_a_hundred_is_not_persistent_absence(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 9, 10)), "I")
        overrides[(D(2026, 9, 11), "AM")] = "I"
        c = Register(hundred_sessions(overrides)).counts()
        assert c.absent == 9
        assert not c.persistent_absence

    def test_fifty_absent_sessions_in_a_hundred_is_severe_absence(self):
        overrides = absent(days(D(2026, 9, 4), D(2026, 10, 8)), "O")  # 25 school days
        c = Register(hundred_sessions(overrides)).counts()
        assert c.absent == 50
        assert c.severe_absence

    def test_forty_nine_absent_sessions_in_a_hundred_is_not_severe_absence(self):
        overrides = absent(days(D(2026, 9, 4), D(2026, 10, 7)), "O")
        overrides[(D(2026, 10, 8), "AM")] = "O"
        c = Register(hundred_sessions(overrides)).counts()
        assert c.absent == 49
        assert not c.severe_absence
        assert c.persistent_absence

    def test_no_possible_sessions_gives_no_percentage_and_no_stage(self):
        c = Counts(not_possible=4, closure=6)
        assert c.attendance_pct() is None
        assert not c.attendance_below(90, inclusive=True)
        assert not c.persistent_absence
        assert not c.severe_absence

    def test_a_register_of_closures_only_has_no_possible_sessions(self):
        marks = term_marks(D(2026, 10, 26), D(2026, 10, 30), holidays=[(D(2026, 10, 26),
                                                                      D(2026, 10, 30))])
        assert Register(marks).counts().possible == 0

    @pytest.mark.parametrize(("code", "field"), [
        ("L", "present"), ("K", "approved_activity"), ("V", "approved_activity"),
        ("I", "authorised"), ("M", "authorised"), ("C2", "authorised"),
        ("G", "unauthorised"), ("N", "unauthorised"), ("U", "unauthorised"),
        ("X", "not_possible"), ("D", "not_possible"), ("Q", "not_possible"),
        ("Y1", "not_possible"),
    ])
    def test_each_code_is_counted_in_its_class(self, code, field):
        marks = hundred_sessions({(D(2026, 9, 8), "AM"): code})
        c = Register(marks).counts()
        baseline = Register(hundred_sessions()).counts()
        assert getattr(c, field) == getattr(baseline, field) + (0 if field == "present" else 1)
        assert c.by_code[code] == 1

    def test_approved_educational_activity_counts_as_attendance(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 9, 11)), "V")
        c = Register(hundred_sessions(overrides)).counts()
        assert c.attended == 100
        assert c.approved_activity == 10

    def test_not_possible_sessions_leave_the_percentage_to_the_other_sessions(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 9, 11)), "Y2")
        overrides |= absent([D(2026, 9, 14)], "O")
        c = Register(hundred_sessions(overrides)).counts()
        assert (c.possible, c.attended) == (90, 88)

    def test_counts_are_limited_to_the_dates_given_both_inclusive(self):
        overrides = absent([D(2026, 9, 7), D(2026, 9, 11), D(2026, 9, 14)], "O")
        c = Register(hundred_sessions(overrides)).counts(D(2026, 9, 7), D(2026, 9, 11))
        assert (c.possible, c.unauthorised) == (10, 4)

    def test_a_day_filter_leaves_out_the_days_it_rejects(self):
        overrides = absent([D(2026, 9, 7), D(2026, 9, 14)], "O")
        c = Register(hundred_sessions(overrides)).counts(
            include=lambda d: d >= D(2026, 9, 10))
        assert c.unauthorised == 2


# ---- school days and school weeks -----------------------------------------------------

class TestSchoolCalendar:
    def test_an_inset_day_coded_hash_is_not_a_school_day(self):
        reg = Register(hundred_sessions())
        assert not reg.is_school_day(D(2026, 11, 2))
        assert reg.is_school_day(D(2026, 11, 3))

    def test_a_whole_school_y4_closure_is_not_a_school_day(self):
        reg = Register(term_marks(overrides=absent([D(2026, 12, 1)], "Y4"),
                                  end=D(2026, 12, 4)))
        assert not reg.is_school_day(D(2026, 12, 1))

    def test_a_day_the_pupil_could_not_attend_but_the_school_met_is_a_school_day(self):
        reg = Register(term_marks(overrides=absent([D(2026, 11, 18)], "Y1")))
        assert reg.is_school_day(D(2026, 11, 18))

    def test_a_day_with_one_closed_session_and_one_open_is_a_school_day(self):
        reg = Register(term_marks(overrides={(D(2026, 11, 18), "PM"): "#"}))
        assert reg.is_school_day(D(2026, 11, 18))

    def test_half_term_is_not_a_school_week(self):
        weeks = Register(term_marks()).school_weeks()
        assert D(2026, 10, 19) in weeks
        assert D(2026, 10, 26) not in weeks
        assert D(2026, 11, 2) in weeks

    def test_a_week_with_only_two_school_days_is_still_a_school_week(self):
        weeks = Register(term_marks()).school_weeks()
        assert weeks[0] == D(2026, 8, 31)  # Thu 3 and Fri 4 Sep
        assert len(weeks) == 11

    def test_a_week_closed_by_snow_every_day_is_not_a_school_week(self):
        snow = absent(days(D(2026, 11, 9), D(2026, 11, 13)), "Y4")
        weeks = Register(term_marks(overrides=snow)).school_weeks()
        assert D(2026, 11, 9) not in weeks
        assert len(weeks) == 10

    def test_school_weeks_stop_at_the_week_of_the_date_given(self):
        weeks = Register(term_marks()).school_weeks(until=D(2026, 10, 21))
        assert weeks[-1] == D(2026, 10, 19)


class TestSchoolDayArithmetic:
    def test_the_school_day_after_the_friday_before_half_term_is_the_monday_after(self):
        reg = Register(term_marks())
        assert reg.add_school_days(D(2026, 10, 23), 1) == D(2026, 11, 2)
        assert reg.school_days_between(D(2026, 10, 23), D(2026, 11, 2)) == 1

    def test_school_days_between_counts_the_end_but_not_the_start(self):
        reg = Register(term_marks())
        assert reg.school_days_between(D(2026, 11, 16), D(2026, 11, 20)) == 4

    def test_school_days_between_a_date_and_an_earlier_one_is_zero(self):
        reg = Register(term_marks())
        assert reg.school_days_between(D(2026, 11, 20), D(2026, 11, 16)) == 0
        assert reg.school_days_between(D(2026, 11, 20), D(2026, 11, 20)) == 0

    def test_days_after_the_last_mark_are_not_school_days(self):
        # Issue 14.1: nothing shows the school met after the last mark (Fri 20 Nov 2026), so
        # only the five school days of 16-20 Nov count from Fri 13 Nov to Fri 27 Nov.
        reg = Register(term_marks())
        assert reg.school_days_between(D(2026, 11, 13), D(2026, 11, 27)) == 5
        assert reg.school_days_between(D(2026, 11, 20), D(2026, 11, 30)) == 0

    def test_the_christmas_holiday_after_the_last_mark_is_not_counted(self):
        # Marks to Thu 18 Dec 2025; a referral on Mon 5 Jan 2026: the weekdays between
        # (Fri 19 Dec and the Christmas holiday) are not school days the register shows.
        reg = Register(term_marks(D(2025, 12, 1), D(2025, 12, 18), holidays=()))
        assert reg.school_days_between(D(2025, 12, 11), D(2026, 1, 5)) == 5
        assert reg.weekdays_after(D(2026, 1, 5)) == [
            D(2025, 12, 19), D(2025, 12, 22), D(2025, 12, 23), D(2025, 12, 24),
            D(2025, 12, 25), D(2025, 12, 26), D(2025, 12, 29), D(2025, 12, 30),
            D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 5)]

    def test_a_holiday_the_register_marks_is_not_counted(self):
        # Half term 26-30 Oct 2026 is marked `#`: Fri 23 Oct to Mon 2 Nov is one school day.
        reg = Register(term_marks())
        assert reg.school_days_between(D(2026, 10, 23), D(2026, 11, 2)) == 1

    def test_adding_school_days_past_the_register_skips_the_weekend(self):
        reg = Register(term_marks())
        assert reg.add_school_days(D(2026, 11, 20), 1) == D(2026, 11, 23)
        assert reg.add_school_days(D(2026, 11, 20), 3) == D(2026, 11, 25)

    def test_adding_school_days_runs_through_the_register_then_beyond_it(self):
        reg = Register(term_marks())
        assert reg.add_school_days(D(2026, 11, 18), 5) == D(2026, 11, 25)

    def test_adding_no_school_days_gives_the_same_date(self):
        assert Register(term_marks()).add_school_days(D(2026, 10, 24), 0) == D(2026, 10, 24)

    def test_inset_days_are_skipped_when_adding_school_days(self):
        reg = Register(hundred_sessions())
        assert reg.add_school_days(D(2026, 10, 23), 1) == D(2026, 11, 3)


class TestFirstDateBelow:
    def test_attendance_falls_below_95_on_the_first_day_it_is_below_after_the_minimum(self):
        marks = hundred_sessions(absent([D(2026, 9, 4)], "O"))
        reg = Register(marks)
        # 2 of the first 2 sessions missed; at 20 possible sessions (Thu 17 Sep) it is 90 %.
        assert reg.first_date_below(95, D(2026, 9, 1), D(2026, 11, 20),
                                    min_possible=20) == D(2026, 9, 17)

    def test_without_a_minimum_the_first_bad_day_counts(self):
        reg = Register(hundred_sessions(absent([D(2026, 9, 4)], "O")))
        assert reg.first_date_below(95, D(2026, 9, 1), D(2026, 11, 20)) == D(2026, 9, 4)

    def test_a_pupil_who_never_fell_below_has_no_date(self):
        # One day off on Mon 16 Nov, when 90 sessions were possible: never below 95 %.
        reg = Register(hundred_sessions(absent([D(2026, 11, 16)], "O")))
        assert reg.first_date_below(95, D(2026, 9, 1), D(2026, 11, 20),
                                    min_possible=20) is None

    def test_reaching_exactly_ninety_counts_only_when_inclusive(self):
        # 10 sessions missed in the week of 7 Sep: on Thu 17 Sep, the 20th possible session,
        # 10 of 20 attended (50 %), then rising.
        marks = hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11)), "O"))
        reg = Register(marks)
        # By Fri 20 Nov: 90 of 100 exactly; below 90 only while the running figure is lower.
        first = reg.first_date_below(90, D(2026, 9, 1), D(2026, 11, 20), min_possible=20)
        assert first == D(2026, 9, 17)  # 10 of 20 possible
        assert reg.first_date_below(50, D(2026, 9, 1), D(2026, 11, 20),
                                    min_possible=20) is None
        assert reg.first_date_below(50, D(2026, 9, 1), D(2026, 11, 20), min_possible=20,
                                    inclusive=True) == D(2026, 9, 17)


# ---- NR-09: unauthorised sessions in rolling windows of 10 school weeks --------------

# School weeks from the last week of the summer term: 13 Jul (1), then 31 Aug (2) after
# the summer holiday, 7, 14, 21, 28 Sep, 5, 12, 19 Oct (9), half-term skipped, 2 Nov (10).
LAST_WEEK_OF_SUMMER_TERM = D(2026, 7, 13)
WEEK_AFTER_HALF_TERM = D(2026, 11, 2)


def four_g_and_six_u(*, drop_one: bool = False) -> dict[tuple[dt.date, str], str]:
    """4 G (a holiday on Thu 16 and Fri 17 Jul) and 6 U (late every morning after half-term)."""
    marks = absent([D(2026, 7, 16), D(2026, 7, 17)], "G")
    marks |= am(*days(D(2026, 11, 2), D(2026, 11, 6)), code="U")
    if not drop_one:
        marks |= am(D(2026, 10, 19), code="U")
    return marks


class TestUnauthorisedWindows:
    def test_ten_sessions_across_the_summer_holiday_and_half_term_meet_the_threshold(self):
        peak = Register(summer_to_autumn(four_g_and_six_u())).peak_unauthorised(10)
        assert peak is not None
        assert peak.count == 10
        assert (peak.first_week, peak.last_week, peak.weeks) == (
            LAST_WEEK_OF_SUMMER_TERM, WEEK_AFTER_HALF_TERM, 10)

    def test_nine_sessions_do_not_reach_ten(self):
        peak = Register(summer_to_autumn(four_g_and_six_u(drop_one=True))).peak_unauthorised()
        assert peak is not None
        assert peak.count == 9

    def test_the_next_window_no_longer_holds_the_summer_term_week(self):
        windows = Register(summer_to_autumn(four_g_and_six_u())).unauthorised_windows(10)
        after = next(w for w in windows if w.last_week == D(2026, 11, 9))
        assert after.first_week == D(2026, 8, 31)
        assert after.count == 6

    def test_holiday_weeks_are_skipped_so_ten_school_weeks_span_seventeen_calendar_weeks(self):
        windows = Register(summer_to_autumn(four_g_and_six_u())).unauthorised_windows(10)
        w = next(w for w in windows if w.last_week == WEEK_AFTER_HALF_TERM)
        # Mon 13 Jul to Sun 8 Nov: the summer holiday's 6 weeks and half-term are skipped.
        assert (w.end - w.first_week).days + 1 == 17 * 7

    def test_sessions_eleven_school_weeks_apart_never_share_a_window(self):
        overrides = absent([D(2026, 7, 9), D(2026, 7, 10)], "G")  # week of 6 Jul
        overrides |= am(*days(D(2026, 11, 2), D(2026, 11, 6)), D(2026, 10, 19), code="U")
        peak = Register(summer_to_autumn(overrides)).peak_unauthorised()
        assert peak is not None
        assert peak.count == 6

    def test_lateness_before_the_register_closed_never_counts(self):
        overrides = am(*days(D(2026, 11, 2), D(2026, 11, 13)), code="L")
        peak = Register(summer_to_autumn(overrides)).peak_unauthorised()
        assert peak is not None
        assert peak.count == 0

    def test_authorised_absence_never_counts(self):
        overrides = absent(days(D(2026, 11, 2), D(2026, 11, 13)), "I")
        peak = Register(summer_to_autumn(overrides)).peak_unauthorised()
        assert peak is not None
        assert peak.count == 0

    def test_sessions_before_compulsory_school_age_are_not_counted(self):
        dob = D(2021, 8, 31)  # compulsory school age from Mon 31 Aug 2026
        reg = Register(summer_to_autumn(four_g_and_six_u()))
        peak = reg.peak_unauthorised(10, include=lambda d: is_csa(dob, d))
        assert peak is not None
        assert peak.count == 6
        assert reg.peak_unauthorised(10).count == 10  # type: ignore[union-attr]

    def test_there_is_one_window_per_school_week_shorter_at_the_start(self):
        reg = Register(summer_to_autumn())
        windows = reg.unauthorised_windows(10)
        assert [w.last_week for w in windows] == reg.school_weeks()
        assert [w.weeks for w in windows[:11]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]

    def test_unresolved_n_marks_are_counted_and_reported_separately(self):
        overrides = four_g_and_six_u()
        overrides |= am(*days(D(2026, 11, 2), D(2026, 11, 4)), code="N")
        peak = Register(summer_to_autumn(overrides)).peak_unauthorised()
        assert peak is not None
        assert (peak.count, peak.n_codes) == (10, 3)

    def test_the_codes_counted_can_be_narrowed(self):
        overrides = four_g_and_six_u()
        overrides |= am(*days(D(2026, 11, 2), D(2026, 11, 4)), code="N")
        peak = Register(summer_to_autumn(overrides)).peak_unauthorised(
            10, counted=frozenset({"G", "O", "U"}))
        assert peak is not None
        assert (peak.count, peak.n_codes) == (7, 0)

    def test_sessions_after_the_date_given_are_not_counted(self):
        reg = Register(summer_to_autumn(four_g_and_six_u()))
        windows = reg.unauthorised_windows(10, until=D(2026, 11, 3))
        assert windows[-1].last_week == WEEK_AFTER_HALF_TERM
        assert windows[-1].count == 4 + 1 + 2  # G in July, U on 19 Oct, U on 2 and 3 Nov

    def test_a_shorter_window_of_six_school_weeks_is_supported(self):
        reg = Register(summer_to_autumn(four_g_and_six_u()))
        peak = reg.peak_unauthorised(6)
        assert peak is not None
        assert peak.count == 6  # Mon 19 Oct and 2-6 Nov; July is too far back


# ---- NR-13: the 10-day attendance return ----------------------------------------------

TEN_DAYS_ACROSS_HALF_TERM = days(D(2026, 10, 19), D(2026, 11, 6))  # 19-23 Oct, 2-6 Nov


class TestAttendanceReturnRuns:
    def test_ten_school_days_absent_across_half_term_make_one_run(self):
        reg = Register(term_marks(overrides=absent(TEN_DAYS_ACROSS_HALF_TERM, "O")))
        runs = reg.attendance_return_runs()
        assert [(r.start, r.end, r.days) for r in runs] == [
            (D(2026, 10, 19), D(2026, 11, 6), 10)]

    def test_nine_school_days_are_not_enough(self):
        reg = Register(term_marks(overrides=absent(TEN_DAYS_ACROSS_HALF_TERM[:-1], "O")))
        assert reg.attendance_return_runs() == []

    def test_a_weekend_neither_counts_nor_breaks_the_run(self):
        reg = Register(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 16)), "O")))
        assert [r.days for r in reg.attendance_return_runs()] == [10]

    def test_any_mix_of_g_n_o_and_u_makes_a_run(self):
        mixed = {}
        for n, d in enumerate(TEN_DAYS_ACROSS_HALF_TERM):
            mixed |= {(d, "AM"): "GNOU"[n % 4], (d, "PM"): "GNOU"[(n + 1) % 4]}
        reg = Register(term_marks(overrides=mixed))
        assert [r.days for r in reg.attendance_return_runs()] == [10]

    def test_an_inset_day_inside_the_run_neither_counts_nor_breaks_it(self):
        overrides = absent(days(D(2026, 10, 5), D(2026, 10, 19)), "O")
        overrides |= absent([D(2026, 10, 9)], "#")
        reg = Register(term_marks(overrides=overrides))
        assert [(r.start, r.end, r.days) for r in reg.attendance_return_runs()] == [
            (D(2026, 10, 5), D(2026, 10, 19), 10)]

    def test_a_y4_site_closure_inside_the_run_neither_counts_nor_breaks_it(self):
        overrides = absent(days(D(2026, 10, 5), D(2026, 10, 19)), "O")
        overrides |= absent([D(2026, 10, 9)], "Y4")
        reg = Register(term_marks(overrides=overrides))
        assert [r.days for r in reg.attendance_return_runs()] == [10]

    @pytest.mark.parametrize(("am_code", "pm_code"), [
        ("L", "L"),      # late before the register closed is present
        ("I", "I"),      # illness
        ("/", "O"),      # one present session
        ("O", "I"),      # one authorised session
        ("Q", "Q"),      # unable to attend, the school met
        ("Y1", "Y1"),    # transport not available
    ])
    def test_a_day_with_another_code_breaks_the_run(self, am_code, pm_code):
        overrides = absent(TEN_DAYS_ACROSS_HALF_TERM, "O")
        overrides |= {(D(2026, 11, 4), "AM"): am_code, (D(2026, 11, 4), "PM"): pm_code}
        reg = Register(term_marks(overrides=overrides))
        assert reg.attendance_return_runs() == []
        all_runs = reg.runs(lambda day: all(c in "GNOU" for c in day.values()))
        assert [r.days for r in all_runs] == [7, 2]

    def test_each_episode_of_ten_days_is_its_own_run(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 9, 18)), "O")
        overrides |= absent(days(D(2026, 10, 5), D(2026, 10, 16)), "G")
        reg = Register(term_marks(overrides=overrides))
        assert [r.start for r in reg.attendance_return_runs()] == [
            D(2026, 9, 7), D(2026, 10, 5)]

    def test_a_run_before_compulsory_school_age_is_left_out_when_filtered(self):
        overrides = absent(days(D(2026, 7, 6), D(2026, 7, 17)), "O")
        reg = Register(summer_to_autumn(overrides))
        dob = D(2021, 8, 31)  # compulsory school age from 31 Aug 2026
        assert len(reg.attendance_return_runs()) == 1
        assert reg.attendance_return_runs(include=lambda d: is_csa(dob, d)) == []


# ---- NR-14: sickness runs -------------------------------------------------------------

class TestSicknessRuns:
    def test_fifteen_school_days_of_illness_make_a_run_of_fifteen(self):
        reg = Register(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 23)), "I")))
        assert [(r.start, r.end, r.days) for r in reg.sickness_runs()] == [
            (D(2026, 10, 5), D(2026, 10, 23), 15)]

    def test_half_term_neither_counts_nor_breaks_a_sickness_run(self):
        ill = absent(days(D(2026, 10, 12), D(2026, 11, 6)), "I")  # 10 + 5 school days
        reg = Register(term_marks(overrides=ill))
        assert [r.days for r in reg.sickness_runs()] == [15]

    def test_one_present_session_breaks_a_sickness_run(self):
        ill = absent(days(D(2026, 10, 5), D(2026, 10, 23)), "I")
        ill[(D(2026, 10, 14), "PM")] = "\\"
        reg = Register(term_marks(overrides=ill))
        assert [r.days for r in reg.sickness_runs()] == [7, 7]

    def test_a_medical_appointment_is_not_sickness(self):
        ill = absent(days(D(2026, 10, 5), D(2026, 10, 23)), "I")
        ill[(D(2026, 10, 14), "AM")] = "M"
        assert max(r.days for r in Register(term_marks(overrides=ill)).sickness_runs()) == 7


# ---- broken weeks ---------------------------------------------------------------------

class TestBrokenWeeks:
    def test_weeks_with_any_absence_are_broken_out_of_the_weeks_in_session(self):
        overrides = {(D(2026, 9, 8), "AM"): "O", (D(2026, 10, 16), "PM"): "I"}
        assert Register(hundred_sessions(overrides)).broken_weeks() == (2, 11)

    def test_lateness_and_approved_activity_do_not_break_a_week(self):
        overrides = {(D(2026, 9, 8), "AM"): "L", (D(2026, 10, 16), "PM"): "V"}
        assert Register(hundred_sessions(overrides)).broken_weeks() == (0, 11)

    def test_broken_weeks_are_limited_to_the_dates_given(self):
        overrides = {(D(2026, 9, 8), "AM"): "O", (D(2026, 10, 16), "PM"): "I"}
        reg = Register(hundred_sessions(overrides))
        # Weeks of 28 Sep, 5, 12 and 19 Oct; half-term week has no school days.
        assert reg.broken_weeks(D(2026, 10, 1), D(2026, 10, 31)) == (1, 4)


class TestMarks:
    def test_sessions_come_in_date_then_am_pm_order_whatever_order_they_were_given(self):
        marks = [Mark(D(2026, 9, 8), "PM", "O"), Mark(D(2026, 9, 7), "PM", "\\"),
                 Mark(D(2026, 9, 8), "AM", "/"), Mark(D(2026, 9, 7), "AM", "L")]
        assert list(Register(marks).sessions()) == [
            (D(2026, 9, 7), "AM", "L"), (D(2026, 9, 7), "PM", "\\"),
            (D(2026, 9, 8), "AM", "/"), (D(2026, 9, 8), "PM", "O")]

    def test_codes_in_finds_every_session_with_the_wanted_codes(self):
        overrides = {(D(2026, 9, 8), "AM"): "N", (D(2026, 10, 16), "PM"): "N"}
        found = Register(hundred_sessions(overrides)).codes_in({"N"}, end=D(2026, 10, 1))
        assert found == [(D(2026, 9, 8), "AM", "N")]
