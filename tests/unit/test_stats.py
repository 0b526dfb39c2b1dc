"""The attendance picture as of a date (referral_builder/domain/stats.py).

Autumn term 2026: starts Thu 3 Sep, half-term 26-30 Oct, referral Fri 20 Nov. Zoë Smith was
born on 3 May 2016 and admitted in 2021.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from referral_builder.domain import stats
from tests.builders import (
    D,
    absent,
    hundred_sessions,
    make_case,
    summer_to_autumn,
    term_marks,
    weekdays,
)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(weekdays(start, end))


def compute(marks, **changes) -> stats.Stats:
    return stats.compute(make_case(marks=marks, **changes))


class TestPeriod:
    def test_the_year_to_date_starts_on_1_september(self):
        # Summer-term absences (July 2026) belong to the previous school year. From 3 Sep:
        # Thu 3, Fri 4 Sep (2) + 7 Sep - 23 Oct (35) + 2 - 20 Nov (15) = 52 days, 104 sessions.
        s = compute(summer_to_autumn(absent(days(D(2026, 7, 6), D(2026, 7, 10)))))
        assert s.period_start == D(2026, 9, 1)
        assert (s.counts.possible, s.counts.absent) == (104, 0)
        assert s.first_school_day == D(2026, 9, 3)

    def test_a_later_admission_starts_the_period(self):
        pupil = replace(make_case().pupil, admission_date=D(2026, 11, 9))
        s = compute(term_marks(), pupil=pupil)
        assert s.period_start == D(2026, 11, 9)
        assert s.counts.possible == 20  # Mon 9 - Fri 20 Nov: 10 school days

    def test_as_of_cuts_the_register(self):
        s = stats.compute(make_case(marks=term_marks()), D(2026, 9, 11))
        assert s.as_of == D(2026, 9, 11)
        assert s.counts.possible == 14  # Thu 3, Fri 4, Mon 7 - Fri 11 Sep: 7 days

    def test_compulsory_school_age(self):
        # Born 3 May 2016: 5 on 3 May 2021, CSA from 31 Aug 2021; 16 on 3 May 2032 (before
        # September), so CSA ends on the last Friday in June 2032: 30 Jun is a Wednesday,
        # so Fri 25 Jun.
        s = compute(term_marks())
        assert (s.csa_start, s.csa_end, s.of_csa) == (D(2021, 8, 31), D(2032, 6, 25), True)


class TestThresholdWindows:
    def test_ten_sessions_in_one_week_meet_the_threshold_in_ten_windows(self):
        # Windows of 10 school weeks end at each school week. Week 7 Sep is in the windows
        # ending 7 Sep, 14, 21, 28 Sep, 5, 12, 19 Oct, 2, 9, 16 Nov: 10 of them (not the
        # one ending 31 Aug; half-term is not a school week).
        s = compute(term_marks(overrides=absent(days(D(2026, 9, 7), D(2026, 9, 11)))))
        met = stats.threshold_windows(s)
        assert [w.last_week for w in met] == [
            D(2026, 9, 7), D(2026, 9, 14), D(2026, 9, 21), D(2026, 9, 28), D(2026, 10, 5),
            D(2026, 10, 12), D(2026, 10, 19), D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16)]
        assert s.peak is not None and s.peak.count == 10
        assert s.summary().max_unauthorised_in_10_school_weeks == 10

    def test_nine_sessions_meet_no_window(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 9, 10)))
        overrides[(D(2026, 9, 11), "AM")] = "U"
        s = compute(term_marks(overrides=overrides))
        assert stats.threshold_windows(s) == []
        assert s.summary().max_unauthorised_in_10_school_weeks == 9

    def test_a_window_can_span_the_summer_holiday(self):
        # O all week Mon 13 - Fri 17 Jul (last summer-term week). The window ending with
        # week 31 Aug holds it (the holiday weeks are not school weeks).
        s = compute(summer_to_autumn(absent(days(D(2026, 7, 13), D(2026, 7, 17)))))
        assert s.summary().max_unauthorised_in_10_school_weeks == 10
        assert s.counts.unauthorised == 0  # but they are last school year's absences

    def test_sessions_before_compulsory_school_age_are_left_out(self):
        # Born 15 Jun 2021: CSA from 31 Aug 2026, so July's 10 sessions do not count.
        pupil = replace(make_case().pupil, date_of_birth=D(2021, 6, 15))
        s = compute(summer_to_autumn(absent(days(D(2026, 7, 13), D(2026, 7, 17)))),
                    pupil=pupil)
        assert s.summary().max_unauthorised_in_10_school_weeks == 0


class TestReturns:
    def test_ten_school_days_absent_make_an_attendance_return_due_on_the_tenth(self):
        s = compute(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 16)))))
        [(run, due)] = s.attendance_returns
        assert (run.start, run.end, run.days, due) == (
            D(2026, 10, 5), D(2026, 10, 16), 10, D(2026, 10, 16))

    def test_nine_days_are_not_enough(self):
        s = compute(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 15)))))
        assert s.attendance_returns == ()

    def test_a_late_mark_breaks_the_run(self):
        overrides = absent(days(D(2026, 10, 5), D(2026, 10, 16)))
        overrides[(D(2026, 10, 9), "AM")] = "L"  # 4 days, then 5
        assert compute(term_marks(overrides=overrides)).attendance_returns == ()

    def test_any_mix_of_g_n_o_u_makes_a_run(self):
        overrides = {**absent(days(D(2026, 10, 5), D(2026, 10, 9)), "G"),
                     **absent(days(D(2026, 10, 12), D(2026, 10, 16)), "N")}
        overrides[(D(2026, 10, 12), "AM")] = "U"
        assert len(compute(term_marks(overrides=overrides)).attendance_returns) == 1

    def test_half_term_neither_counts_nor_breaks_a_run(self):
        # Mon 19 - Fri 23 Oct, half-term, Mon 2 - Fri 6 Nov: 10 school days.
        s = compute(term_marks(overrides=absent(days(D(2026, 10, 19), D(2026, 11, 6)))))
        [(run, due)] = s.attendance_returns
        assert (run.days, due) == (10, D(2026, 11, 6))

    def test_fifteen_school_days_of_illness_make_a_sickness_return_due(self):
        # Mon 5 - Fri 23 Oct: 15 school days; the 15th is Fri 23 Oct.
        s = compute(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 23)), "I")))
        assert s.sickness.longest_run_days == 15
        assert s.sickness.illness_days_this_year == 15.0
        assert s.sickness.due_on == (D(2026, 10, 23),)

    def test_fourteen_days_of_illness_are_not_enough(self):
        s = compute(term_marks(overrides=absent(days(D(2026, 10, 5), D(2026, 10, 22)), "I")))
        assert (s.sickness.longest_run_days, s.sickness.due_on) == (14, ())

    def test_fifteen_days_of_illness_in_the_year_count_in_half_days(self):
        # 14 days (Mon 5 - Thu 22 Oct, 28 sessions), present Fri 23 Oct, then I on the
        # mornings of Mon 2 and Tue 3 Nov: the 30th I session, 15 days, is Tue 3 Nov AM.
        overrides = {**absent(days(D(2026, 10, 5), D(2026, 10, 22)), "I"),
                     (D(2026, 11, 2), "AM"): "I", (D(2026, 11, 3), "AM"): "I"}
        s = compute(term_marks(overrides=overrides))
        assert s.sickness.longest_run_days == 14
        assert s.sickness.illness_days_this_year == 15.0
        assert s.sickness.due_on == (D(2026, 11, 3),)


class TestOtherFigures:
    def test_broken_weeks_count_school_weeks_with_any_absence(self):
        # hundred_sessions: 11 school weeks (31 Aug week via Fri 4 Sep ... 16 Nov). One I in
        # week 7 Sep and one O in week 16 Nov; a late mark in week 5 Oct breaks nothing.
        s = compute(hundred_sessions({(D(2026, 9, 8), "AM"): "I",
                                      (D(2026, 11, 18), "PM"): "O",
                                      (D(2026, 10, 6), "AM"): "L"}))
        assert s.broken_weeks == (2, 11)

    def test_first_day_below_each_stage(self):
        # O all day Mon 7 - Wed 9 Sep. Judged from 20 sessions (Thu 17 Sep): 14/20 = 70%,
        # below 96, 95, 92, 90 and 80 but not 50.
        s = compute(hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 9)))))
        assert s.first_below == {96.0: D(2026, 9, 17), 95.0: D(2026, 9, 17),
                                 92.0: D(2026, 9, 17), 90.0: D(2026, 9, 17),
                                 80.0: D(2026, 9, 17), 50.0: None}

    def test_unresolved_n_and_out_of_era_marks_are_listed(self):
        s = compute(term_marks(overrides={(D(2026, 11, 19), "PM"): "N",
                                          (D(2026, 10, 5), "AM"): "H"}))
        assert s.unresolved_n == ((D(2026, 11, 19), "PM"),)
        assert s.out_of_era == ((D(2026, 10, 5), "AM", "H"),)
        assert s.summary().unresolved_n == 1

    def test_the_summary_matches_the_counts(self):
        overrides = {**absent(days(D(2026, 9, 7), D(2026, 9, 11)), "I"),
                     **absent([D(2026, 9, 14)], "V")}
        s = compute(hundred_sessions(overrides))
        summary = s.summary()
        assert (summary.possible, summary.present, summary.approved_activity,
                summary.authorised, summary.unauthorised) == (100, 88, 2, 10, 0)
        assert summary.attendance_pct == 90.0
        assert summary.persistent_absence  # exactly 10% absent is persistent absence
        assert not summary.severe_absence
