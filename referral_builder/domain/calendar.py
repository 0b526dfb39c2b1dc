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



def easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def bank_holidays(first_year: int, last_year: int) -> set[dt.date]:
    """England's bank holidays (with substitute days and the one-off changes since 2020)."""
    out: set[dt.date] = set()
    for y in range(first_year, last_year + 1):
        new_year = dt.date(y, 1, 1)
        out.add(new_year + dt.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
        e = easter(y)
        out |= {e - dt.timedelta(days=2), e + dt.timedelta(days=1)}
        out.add({2020: dt.date(2020, 5, 8)}.get(y, _first_monday(y, 5)))
        out.add({2022: dt.date(2022, 6, 2)}.get(y, _last_monday(y, 5)))
        out.add(_last_monday(y, 8))
        christmas, boxing = dt.date(y, 12, 25), dt.date(y, 12, 26)
        if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
            out |= {dt.date(y, 12, 27), dt.date(y, 12, 28)}
        elif christmas.weekday() == 6:  # Sunday: Tuesday for Christmas, Monday for Boxing Day
            out |= {dt.date(y, 12, 26), dt.date(y, 12, 27)}
        else:
            out |= {christmas, boxing if boxing.weekday() < 5 else dt.date(y, 12, 28)}
        extra = {2022: (dt.date(2022, 6, 3), dt.date(2022, 9, 19)), 2023: (dt.date(2023, 5, 8),)}
        out |= set(extra.get(y, ()))
    return out


def _first_monday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())
