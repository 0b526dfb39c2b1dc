"""School years, school weeks and date arithmetic shared by the register and the engine."""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def monday(d: dt.date) -> dt.date:
    """Return the Monday of the Monday-Sunday week containing `d`."""
    return d - dt.timedelta(days=d.weekday())


def school_year_start(d: dt.date) -> dt.date:
    """Return 1 September of the school year (September to August) containing `d`."""
    return dt.date(d.year if d.month >= 9 else d.year - 1, 9, 1)


def school_year_of(d: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day (1 Sep, 31 Aug) of the school year containing `d`."""
    start = school_year_start(d)
    return start, dt.date(start.year + 1, 8, 31)


def add_working_days(d: dt.date, n: int) -> dt.date:
    """Return the date `n` weekdays after `d` (used for deemed receipt of posted letters)."""
    while n > 0:
        d += ONE_DAY
        if d.weekday() < 5:
            n -= 1
    return d


def long_date(d: dt.date) -> str:
    """14 October 2026: the form every page, drop-down and document uses."""
    return f"{d.day} {d:%B %Y}"


def fmt(d: dt.date) -> str:
    """Format a date the way school letters do: 14 Oct 2026."""
    return f"{d.day} {d:%b %Y}"
