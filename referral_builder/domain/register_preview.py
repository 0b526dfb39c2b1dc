"""What a person sees before register marks are saved: the range, sessions per week, the
codes and anything odd (legacy codes after the change, marks after today, on a weekend or a
bank holiday, weeks with one session)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import codes
from .calendar import bank_holidays, fmt, monday
from .model import SESSIONS, Mark


@dataclass
class Preview:
    """What a person should see before marks are saved."""

    marks: list[Mark]
    first: dt.date
    last: dt.date
    school_days: int
    weeks: int
    sessions_per_week: float
    codes: list[tuple[str, str, int]]  # code, meaning, count
    legacy: list[tuple[str, str, list[dt.date]]]  # code, meaning, dates (any era)
    holidays: list[tuple[dt.date, dt.date]]  # runs of days marked # (planned closure)
    warnings: list[str] = field(default_factory=list)


def preview(marks: Sequence[Mark], *, today: dt.date,
            closures: Iterable[tuple[dt.date, str]] = ()) -> Preview:
    """Describe marks before they are saved: range, sessions per week, codes, and warnings.

    `closures` are sessions known to be closed (from a whole-class file, say); with the
    national bank holidays, a mark other than `#` on one of them is flagged.
    """
    marks = sorted(marks, key=lambda m: (m.date, SESSIONS.index(m.session)))
    first, last = marks[0].date, marks[-1].date
    per_week: Counter[dt.date] = Counter(monday(m.date) for m in marks if m.code != "#")
    by_code: Counter[str] = Counter(m.code for m in marks)
    found = [(c, codes.lookup(c, next(m.date for m in marks if m.code == c)).meaning, n)
             for c, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))]
    legacy_dates: dict[str, list[dt.date]] = defaultdict(list)
    for m in marks:
        if m.code in codes.LEGACY_ONLY:
            legacy_dates[m.code].append(m.date)
    legacy = [(c, codes.CODES_LEGACY[c].meaning, sorted(set(ds)))
              for c, ds in sorted(legacy_dates.items())]
    warnings: list[str] = []

    late_legacy = [(c, d) for m in marks for c, d in [(m.code, m.date)]
                   if c in codes.LEGACY_ONLY and d >= codes.CODES_2024_FROM]
    for code in sorted({c for c, _ in late_legacy}):
        dates = sorted({d for c, d in late_legacy if c == code})
        warnings.append(f'The legacy code "{code}" is used on {_dates(dates)}, after the codes '
                        f"changed on {fmt(codes.CODES_2024_FROM)}: correct these marks in the "
                        "MIS to a 2024 code and export again.")
    early_new = sorted({(m.code, m.date) for m in marks
                        if m.date < codes.CODES_2024_FROM and m.code not in codes.CODES_LEGACY})
    for code in sorted({c for c, _ in early_new}):
        dates = [d for c, d in early_new if c == code]
        warnings.append(f'The code "{code}" is used on {_dates(dates)}, before it existed '
                        f"({fmt(codes.CODES_2024_FROM)}): check these marks in the MIS.")
    future = sorted({m.date for m in marks if m.date > today and m.code != "#"})
    if future:
        warnings.append(f"{len(future)} day{'s' * (len(future) != 1)} after today "
                        f"({_dates(future)}) {'have' if len(future) != 1 else 'has'} marks: "
                        "a register is taken on the day, so export only up to today.")
    weekend = sorted({m.date for m in marks if m.date.weekday() >= 5})
    if weekend:
        warnings.append(f"Marks on a Saturday or Sunday ({_dates(weekend)}): check the "
                        "export's dates are the school days, written day first.")
    closed = set(closures)
    holidays = bank_holidays(first.year, last.year)
    wrong = sorted({m.date for m in marks if m.code != "#" and (
        m.date in holidays or (m.date, m.session) in closed)})
    if wrong:
        warnings.append(f"Marks other than # on {_dates(wrong)}, when the school was closed "
                        "(a bank holiday, or # for the rest of the class): mark planned "
                        "closures # in the MIS and export again.")
    weeks = sorted(per_week)
    short = [w for w in weeks if per_week[w] == 1]
    if short:
        warnings.append(f"{len(short)} school week{'s' * (len(short) != 1)} "
                        f"{'have' if len(short) != 1 else 'has'} only one session "
                        f"(week{'s' * (len(short) != 1)} beginning {_dates(short)}): check "
                        "the export is not missing marks.")
    school_days = len({m.date for m in marks if m.code != "#"})
    return Preview(
        marks=list(marks), first=first, last=last, school_days=school_days, weeks=len(weeks),
        sessions_per_week=round(sum(per_week.values()) / len(weeks), 1) if weeks else 0.0,
        codes=found, legacy=legacy, holidays=_runs(sorted({m.date for m in marks
                                                           if m.code == "#"})),
        warnings=warnings)


def _dates(dates: Sequence[dt.date], limit: int = 5) -> str:
    shown = ", ".join(fmt(d) for d in dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def _runs(dates: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Group dates into runs, a weekend inside a run not breaking it."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in dates:
        if runs and (d - runs[-1][1]).days <= 3 and all(
                (runs[-1][1] + dt.timedelta(days=k)).weekday() >= 5
                for k in range(1, (d - runs[-1][1]).days)):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs
