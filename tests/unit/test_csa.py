"""Compulsory school age (domain-rules NR-06, NR-07) with the spec's test vectors."""

from __future__ import annotations

import datetime as dt

import pytest

from referral_builder.domain.csa import csa_end, csa_start, is_csa, last_friday_of_june

D = dt.date


class TestStart:
    @pytest.mark.parametrize(("dob", "start"), [
        (D(2019, 2, 10), D(2024, 3, 31)),   # IPSEA example
        (D(2019, 8, 31), D(2024, 8, 31)),   # 5th birthday on a prescribed day
        (D(2019, 9, 1), D(2024, 12, 31)),
        (D(2019, 12, 31), D(2024, 12, 31)),
        (D(2020, 1, 1), D(2025, 3, 31)),    # next prescribed day is in the following year
        (D(2020, 2, 29), D(2025, 3, 31)),   # 29 Feb: birthday taken as 1 Mar 2025
        (D(2019, 3, 31), D(2024, 3, 31)),
        (D(2019, 4, 1), D(2024, 8, 31)),
    ])
    def test_csa_starts_on_the_first_prescribed_day_on_or_after_the_fifth_birthday(
            self, dob, start):
        assert csa_start(dob) == start

    def test_a_29_february_child_is_not_of_csa_the_day_before_31_march(self):
        assert not is_csa(D(2020, 2, 29), D(2025, 3, 30))
        assert is_csa(D(2020, 2, 29), D(2025, 3, 31))


class TestEnd:
    @pytest.mark.parametrize(("dob", "end"), [
        (D(2007, 9, 23), D(2024, 6, 28)),   # IPSEA example
        (D(2010, 7, 15), D(2026, 6, 26)),   # turns 16 in July, after the last Friday
        (D(2010, 6, 1), D(2026, 6, 26)),
        (D(2010, 8, 31), D(2026, 6, 26)),   # last day of the school year
        (D(2010, 9, 1), D(2027, 6, 25)),    # first day of the next school year
        (D(2008, 2, 29), D(2024, 6, 28)),
    ])
    def test_csa_ends_on_the_last_friday_of_june_of_the_school_year_the_pupil_turns_16(
            self, dob, end):
        assert csa_end(dob) == end

    @pytest.mark.parametrize(("year", "friday"), [
        (2024, D(2024, 6, 28)), (2025, D(2025, 6, 27)), (2026, D(2026, 6, 26)),
        (2027, D(2027, 6, 25)), (2028, D(2028, 6, 30)),
    ])
    def test_last_friday_of_june(self, year, friday):
        found = last_friday_of_june(year)
        assert found == friday
        assert found.weekday() == 4


class TestIsCsa:
    def test_the_first_prescribed_day_is_inside_compulsory_school_age(self):
        assert is_csa(D(2019, 2, 10), D(2024, 3, 31))

    def test_the_day_before_it_is_not(self):
        assert not is_csa(D(2019, 2, 10), D(2024, 3, 30))

    def test_the_last_friday_of_june_is_still_inside_compulsory_school_age(self):
        assert is_csa(D(2007, 9, 23), D(2024, 6, 28))

    def test_the_saturday_after_it_is_not(self):
        assert not is_csa(D(2007, 9, 23), D(2024, 6, 29))
