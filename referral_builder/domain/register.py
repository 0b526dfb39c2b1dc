"""Register maths: session classes, school days and weeks, rates, thresholds and returns.

Implements domain-rules NR-02 to NR-05, NR-09, NR-13, NR-14 and broken weeks. All
percentages are compared with integer arithmetic; rounding is for display only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from . import codes
from .calendar import ONE_DAY, monday
from .codes import SessionClass
from .model import SESSIONS, Mark

DayFilter = Callable[[dt.date], bool]

#: Marks that say nothing: the session is missing, not coded (NR-02).
MISSING_MARKS = frozenset({"", "-"})


def below(part: int, whole: int, pct: float, *, inclusive: bool = False) -> bool:
    """Tell whether 100*part/whole is below `pct` (or at it when inclusive), exactly.

    Integer cross-multiplication with the threshold as an exact fraction, so 89.96 is never
    taken for 90 and 90.0 is exactly 90.
    """
    lhs, rhs = 100 * part, Fraction(str(pct)) * whole
    return lhs <= rhs if inclusive else lhs < rhs


@dataclass(frozen=True)
class Counts:
    """Sessions by class over a period. `attended + authorised + unauthorised == possible`."""

    present: int = 0
    approved_activity: int = 0
    authorised: int = 0
    unauthorised: int = 0
    not_possible: int = 0
    closure: int = 0
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def possible(self) -> int:
        return self.present + self.approved_activity + self.authorised + self.unauthorised

    @property
    def attended(self) -> int:
        return self.present + self.approved_activity

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    def attendance_pct(self) -> float | None:
        """Attendance as a float for display, None when no session was possible."""
        return 100 * self.attended / self.possible if self.possible else None

    def attendance_below(self, pct: float, *, inclusive: bool = False) -> bool:
        """Compare unrounded attendance with `pct` (100*A/P < pct, or <= when inclusive)."""
        if not self.possible:
            return False
        return below(self.attended, self.possible, pct, inclusive=inclusive)

    @property
    def persistent_absence(self) -> bool:
        """NR-04: absence is at least 10% of possible sessions."""
        return bool(self.possible) and 10 * self.absent >= self.possible

    @property
    def severe_absence(self) -> bool:
        """NR-05: absence is at least 50% of possible sessions."""
        return bool(self.possible) and 2 * self.absent >= self.possible


@dataclass(frozen=True)
class Window:
    """A run of consecutive school weeks and the unauthorised sessions counted in it."""

    first_week: dt.date  # Monday
    last_week: dt.date  # Monday
    weeks: int
    count: int
    n_codes: int  # of which provisional N marks

    @property
    def end(self) -> dt.date:
        return self.last_week + dt.timedelta(days=6)


@dataclass(frozen=True)
class Run:
    """Consecutive school days that all satisfy a condition (used by the returns)."""

    start: dt.date
    end: dt.date
    days: int


_CLASS_FIELD = {
    SessionClass.PRESENT: "present",
    SessionClass.AEA: "approved_activity",
    SessionClass.AUTH: "authorised",
    SessionClass.UNAUTH: "unauthorised",
    SessionClass.NOT_POSSIBLE: "not_possible",
    SessionClass.CLOSURE: "closure",
}


class Register:
    """A pupil's marks, indexed by day, with the derived calendar of school days and weeks.

    A school day is a date on which the school met for at least one session: any mark other
    than a closure (`#`, whole-school `Y4`). A school week is a Monday-Sunday week with at
    least one school session.
    """

    def __init__(self, marks: Iterable[Mark]) -> None:
        self.days: dict[dt.date, dict[str, str]] = {}
        #: Sessions given a blank or `-` mark: missing (NR-02), not a code.
        self.blank: list[tuple[dt.date, str]] = []
        for m in marks:
            if m.code.strip() in MISSING_MARKS:
                self.blank.append((m.date, m.session))
                continue
            self.days.setdefault(m.date, {})[m.session] = m.code
        self.days = dict(sorted(self.days.items()))
        self._school_days = [d for d, s in self.days.items() if any(
            self.cls(d, c) is not SessionClass.CLOSURE for c in s.values())]
        self._school_day_set = frozenset(self._school_days)

    # ---- marks -------------------------------------------------------------------------
    @staticmethod
    def cls(day: dt.date, code: str) -> SessionClass:
        return codes.lookup(code, day).cls

    def sessions(self, start: dt.date | None = None, end: dt.date | None = None
                 ) -> Iterable[tuple[dt.date, str, str]]:
        """Yield (date, session, code) in order, optionally limited to start..end inclusive."""
        for d, day in self.days.items():
            if (start and d < start) or (end and d > end):
                continue
            for s in SESSIONS:
                if s in day:
                    yield d, s, day[s]

    @property
    def first_date(self) -> dt.date | None:
        return next(iter(self.days), None)

    @property
    def last_date(self) -> dt.date | None:
        return next(reversed(self.days), None) if self.days else None

    def missing_sessions(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Sessions with no mark between start and end inclusive (NR-02, edge case 34).

        A session marked blank or `-`, or the other session of a day that has only one mark:
        the register was not completed, so a threshold over these days cannot be decided.
        """
        found = {(d, s) for d, s in self.blank if start <= d <= end}
        for d, day in self.days.items():
            if start <= d <= end and len(day) < len(SESSIONS):
                found.update((d, s) for s in SESSIONS if s not in day)
        return sorted(found, key=lambda x: (x[0], SESSIONS.index(x[1])))

    # ---- calendar ----------------------------------------------------------------------
    def is_school_day(self, d: dt.date) -> bool:
        return d in self._school_day_set

    def school_days(self, start: dt.date | None = None, end: dt.date | None = None
                    ) -> list[dt.date]:
        return [d for d in self._school_days
                if (start is None or d >= start) and (end is None or d <= end)]

    def school_weeks(self, until: dt.date | None = None) -> list[dt.date]:
        """Return the Mondays of school weeks, oldest first, up to the week containing `until`."""
        limit = monday(until) if until else None
        weeks = dict.fromkeys(monday(d) for d in self._school_days)
        return [w for w in weeks if limit is None or w <= limit]

    def school_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count school days d with start < d <= end: days the register shows the school met.

        A holiday or closure (`#`, whole-school `Y4`) is not a school day, and nor is a day
        after the last mark: nothing shows the school met then (issue 14.1), so a period
        that must have run (a review period, the days before a referral) is counted only on
        days the register covers.
        """
        if end <= start:
            return 0
        return sum(1 for d in self._school_days if start < d <= end)

    def weekdays_after(self, end: dt.date) -> list[dt.date]:
        """The weekdays after the last mark up to `end`: days the register does not cover."""
        day = (self.last_date or end) + ONE_DAY
        found = []
        while day <= end:
            if day.weekday() < 5:
                found.append(day)
            day += ONE_DAY
        return found

    def add_school_days(self, start: dt.date, n: int) -> dt.date:
        """Return the n-th school day after `start` (weekdays stand in past the register)."""
        later = [d for d in self._school_days if d > start]
        if n <= len(later):
            return later[n - 1] if n > 0 else start
        d = max(start, self.last_date or start)
        remaining = n - len(later)
        while remaining:
            d += ONE_DAY
            if d.weekday() < 5:
                remaining -= 1
        return d

    # ---- counts ------------------------------------------------------------------------
    def counts(self, start: dt.date | None = None, end: dt.date | None = None,
               include: DayFilter | None = None) -> Counts:
        """Count sessions by class from `start` to `end` inclusive, optionally filtering days."""
        tally: Counter[str] = Counter()
        by_code: Counter[str] = Counter()
        for d, _s, code in self.sessions(start, end):
            if include is not None and not include(d):
                continue
            tally[_CLASS_FIELD[self.cls(d, code)]] += 1
            by_code[code] += 1
        return Counts(by_code=dict(sorted(by_code.items())), **tally)

    def first_date_below(self, pct: float, start: dt.date, end: dt.date, *,
                         inclusive: bool = False, min_possible: int = 0) -> dt.date | None:
        """Return the first date on which attendance from `start` fell below `pct`.

        The running figure is checked after each school day (both sessions counted).
        """
        attended = possible = 0
        for d in self.school_days(start, end):
            for code in self.days[d].values():
                k = self.cls(d, code)
                if k in codes.POSSIBLE:
                    possible += 1
                    attended += k in (SessionClass.PRESENT, SessionClass.AEA)
            if possible and possible >= min_possible and below(
                    attended, possible, pct, inclusive=inclusive):
                return d
        return None

    def codes_in(self, wanted: Iterable[str], start: dt.date | None = None,
                 end: dt.date | None = None) -> list[tuple[dt.date, str, str]]:
        """Return the (date, session, code) of every mark with one of the `wanted` codes."""
        want = frozenset(wanted)
        return [(d, s, c) for d, s, c in self.sessions(start, end) if c in want]

    # ---- NR-09: unauthorised sessions in rolling school-week windows -------------------
    def unauthorised_windows(self, weeks: int = 10, *, until: dt.date | None = None,
                             include: DayFilter | None = None,
                             counted: frozenset[str] = codes.UNAUTH_PN) -> list[Window]:
        """Return one window per school week: the `weeks` school weeks ending with it.

        Windows at the very start of the register are shorter than `weeks`; a count in a
        shorter run of weeks is a count in every 10-week period that contains it.
        """
        all_weeks = self.school_weeks(until)
        per_week: Counter[dt.date] = Counter()
        n_per_week: Counter[dt.date] = Counter()
        for d, _s, code in self.sessions(end=until):
            if code in counted and (include is None or include(d)):
                per_week[monday(d)] += 1
                n_per_week[monday(d)] += code == "N"
        windows = []
        for i, last in enumerate(all_weeks):
            span = all_weeks[max(0, i - weeks + 1): i + 1]
            windows.append(Window(span[0], last, len(span),
                                  sum(per_week[w] for w in span),
                                  sum(n_per_week[w] for w in span)))
        return windows

    def peak_unauthorised(self, weeks: int = 10, **kwargs: object) -> Window | None:
        windows = self.unauthorised_windows(weeks, **kwargs)  # type: ignore[arg-type]
        return max(windows, key=lambda w: w.count, default=None)

    # ---- runs for the statutory returns ------------------------------------------------
    def runs(self, day_matches: Callable[[dict[str, str]], bool],
             breaks_run: Callable[[dt.date, dict[str, str]], bool] | None = None) -> list[Run]:
        """Return maximal runs of consecutive school days whose marks satisfy `day_matches`.

        Days that are not school days (weekends, holidays, closures) neither count nor break.
        """
        result: list[Run] = []
        start: dt.date | None = None
        prev: dt.date | None = None
        length = 0
        for d in self._school_days:
            day = self.days[d]
            if len(day) == len(SESSIONS) and day_matches(day):
                if start is None:
                    start, length = d, 0
                length += 1
                prev = d
            elif start is not None and prev is not None:
                result.append(Run(start, prev, length))
                start = None
        if start is not None and prev is not None:
            result.append(Run(start, prev, length))
        return result

    def attendance_return_runs(self, min_days: int = 10,
                               include: DayFilter | None = None) -> list[Run]:
        """NR-13: runs of >= `min_days` school days absent exclusively with G, N, O or U."""
        runs = self.runs(lambda day: all(c in codes.UNAUTH_PN for c in day.values()))
        return [r for r in runs if r.days >= min_days
                and (include is None or (include(r.start) and include(r.end)))]

    def sickness_runs(self) -> list[Run]:
        """Runs of school days with both sessions coded I (NR-14)."""
        return self.runs(lambda day: all(c == "I" for c in day.values()))

    def broken_weeks(self, start: dt.date | None = None, end: dt.date | None = None
                     ) -> tuple[int, int]:
        """Return (broken, in session): school weeks with at least one absence, and all weeks."""
        weeks: dict[dt.date, bool] = {}
        for d, _s, code in self.sessions(start, end):
            if not self.is_school_day(d):
                continue
            w = monday(d)
            absent = self.cls(d, code) in (SessionClass.AUTH, SessionClass.UNAUTH)
            weeks[w] = weeks.get(w, False) or absent
        return sum(weeks.values()), len(weeks)
