"""Compulsory school age (Education Act 1996 s.8; domain-rules NR-06, NR-07)."""

from __future__ import annotations

import calendar
import datetime as dt


def _birthday(dob: dt.date, age: int) -> dt.date:
    """Return the `age`-th birthday; 29 February becomes 1 March in a non-leap year."""
    year = dob.year + age
    if dob.month == 2 and dob.day == 29 and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return dob.replace(year=year)


def csa_start(dob: dt.date) -> dt.date:
    """Return the first prescribed day (31 Mar, 31 Aug, 31 Dec) on or after the 5th birthday."""
    b5 = _birthday(dob, 5)
    for candidate in (
        dt.date(b5.year, 3, 31),
        dt.date(b5.year, 8, 31),
        dt.date(b5.year, 12, 31),
        dt.date(b5.year + 1, 3, 31),
    ):
        if candidate >= b5:
            return candidate
    raise AssertionError("unreachable: 31 March of the next year always follows")


def last_friday_of_june(year: int) -> dt.date:
    d = dt.date(year, 6, 30)
    return d - dt.timedelta(days=(d.weekday() - calendar.FRIDAY) % 7)


def csa_end(dob: dt.date) -> dt.date:
    """Return the last Friday in June of the school year (Sep-Aug) in which the pupil turns 16."""
    b16 = _birthday(dob, 16)
    year = b16.year if b16.month <= 8 else b16.year + 1
    return last_friday_of_june(year)


def is_csa(dob: dt.date, day: dt.date) -> bool:
    """Tell whether the pupil is of compulsory school age on `day` (both ends inclusive)."""
    return csa_start(dob) <= day <= csa_end(dob)
