"""What a check produces: one result per checklist item, the attendance summary, warnings.

These map one to one onto the published `referral-check/1` report (see case-format.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Status = Literal["met", "not_met", "not_applicable"]
STATUSES: tuple[Status, ...] = ("met", "not_met", "not_applicable")


@dataclass(frozen=True)
class ItemResult:
    id: str
    checklist: str
    number: str
    wording: str
    mandatory: bool
    status: Status
    evidence: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttendanceSummary:
    start: dt.date | None
    end: dt.date | None
    possible: int
    present: int
    approved_activity: int
    authorised: int
    unauthorised: int
    persistent_absence: bool
    severe_absence: bool
    max_unauthorised_in_10_school_weeks: int
    unresolved_n: int

    @property
    def attended(self) -> int:
        return self.present + self.approved_activity

    @property
    def attendance_pct(self) -> float | None:
        """Attendance to 1 d.p. for display; None when there were no possible sessions."""
        if not self.possible:
            return None
        return round(100 * self.attended / self.possible, 1)


@dataclass(frozen=True)
class ChecklistRef:
    id: str
    version: str
    title: str
    effective_from: dt.date | None = None


@dataclass(frozen=True)
class CheckReport:
    case: str
    as_of: dt.date
    checklists: tuple[ChecklistRef, ...]
    items: tuple[ItemResult, ...]
    attendance: AttendanceSummary
    warnings: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return all(i.status in ("met", "not_applicable") for i in self.items)

    @property
    def outstanding(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.status == "not_met")
