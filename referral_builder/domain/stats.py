"""The attendance picture for one pupil as of a date: what `referral-builder stats` prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import codes, csa
from .calendar import school_year_start
from .model import Case
from .register import Counts, DayFilter, Register, Run, Window
from .results import AttendanceSummary

STAGE_THRESHOLDS = (96.0, 95.0, 92.0, 90.0, 80.0, 50.0)


@dataclass(frozen=True)
class SicknessPicture:
    longest_run_days: int
    illness_days_this_year: float
    due_on: tuple[dt.date, ...]


@dataclass(frozen=True)
class Stats:
    as_of: dt.date
    period_start: dt.date
    counts: Counts
    csa_start: dt.date
    csa_end: dt.date
    of_csa: bool
    threshold_windows_all: tuple[Window, ...]  # one per school week, CSA sessions only
    peak: Window | None
    attendance_returns: tuple[tuple[Run, dt.date], ...]  # NR-13: run and the day it fell due
    sickness: SicknessPicture
    broken_weeks: tuple[int, int]
    first_below: dict[float, dt.date | None]
    unresolved_n: tuple[tuple[dt.date, str], ...]
    out_of_era: tuple[tuple[dt.date, str, str], ...]
    first_school_day: dt.date | None

    def summary(self) -> AttendanceSummary:
        """The `attendance` block of the check report: all sessions, peak over CSA sessions."""
        c = self.counts
        peak = max((w.count for w in self.threshold_windows_all if w.end >= self.period_start),
                   default=0)
        return AttendanceSummary(
            start=self.first_school_day, end=self.as_of, possible=c.possible,
            present=c.present, approved_activity=c.approved_activity, authorised=c.authorised,
            unauthorised=c.unauthorised, persistent_absence=c.persistent_absence,
            severe_absence=c.severe_absence, max_unauthorised_in_10_school_weeks=peak,
            unresolved_n=len(self.unresolved_n))


def attendance_returns(register: Register, include: DayFilter | None = None,
                       ) -> list[tuple[Run, dt.date]]:
    """NR-13: each run of 10+ school days absent with G, N, O or U, and the day it fell due."""
    runs = register.attendance_return_runs(10, include=include)
    return [(r, register.add_school_days(r.start, 9)) for r in runs]


def sickness_returns(register: Register, year_start: dt.date, as_of: dt.date) -> SicknessPicture:
    """NR-14: 15 consecutive school days of I, or 15 days of I in the school year."""
    runs = register.sickness_runs()
    due = [register.add_school_days(r.start, 14) for r in runs if r.days >= 15]
    illness = register.codes_in({"I"}, year_start, as_of)
    if len(illness) >= 30:  # 15 school days, counted in sessions
        due.append(illness[29][0])
    return SicknessPicture(max((r.days for r in runs), default=0), len(illness) / 2,
                           tuple(sorted({d for d in due if d <= as_of})))


def compute(case: Case, as_of: dt.date | None = None, *, min_possible: int = 20) -> Stats:
    """Summarise the register as of `as_of` (default: the referral date)."""
    as_of = as_of or case.referral_date
    register = Register(m for m in case.marks if m.date <= as_of)
    dob = case.pupil.date_of_birth
    start = school_year_start(as_of)
    if case.pupil.admission_date and case.pupil.admission_date > start:
        start = case.pupil.admission_date

    def of_csa(d: dt.date) -> bool:
        return csa.is_csa(dob, d)

    windows = register.unauthorised_windows(10, until=as_of, include=of_csa)
    return Stats(
        as_of=as_of, period_start=start, counts=register.counts(start, as_of),
        csa_start=csa.csa_start(dob), csa_end=csa.csa_end(dob), of_csa=of_csa(as_of),
        threshold_windows_all=tuple(windows),
        peak=max(windows, key=lambda w: w.count, default=None),
        attendance_returns=tuple(attendance_returns(register, of_csa)),
        sickness=sickness_returns(register, start, as_of),
        broken_weeks=register.broken_weeks(start, as_of),
        first_below={pct: register.first_date_below(pct, start, as_of, min_possible=min_possible)
                     for pct in STAGE_THRESHOLDS},
        unresolved_n=tuple((d, s) for d, s, _ in register.codes_in({"N"}, end=as_of)),
        out_of_era=tuple((d, s, c) for d, s, c in register.sessions(end=as_of)
                         if codes.out_of_era(c, d)),
        first_school_day=next(iter(register.school_days(start, as_of)), None),
    )


def threshold_windows(s: Stats, sessions: int = 10) -> list[Window]:
    """Windows of 10 school weeks in which the national threshold was met."""
    return [w for w in s.threshold_windows_all if w.count >= sessions]
