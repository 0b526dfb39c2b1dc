"""What every rule needs while one checklist is evaluated against one case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import csa
from .calendar import fmt, monday, school_year_start
from .checklist import Checklist, Selector
from .model import Carer, Case, Event
from .register import Counts, Register

TYPE_LABELS = {
    "letter": "letter", "email": "email", "text": "text message", "phone_call": "phone call",
    "home_visit": "home visit", "meeting": "meeting", "agency_contact": "contact with",
    "support_offer": "offer of", "referral": "referral", "medical_inquiry": "medical inquiry",
    "review": "review", "notice_to_improve": "notice to improve",
    "penalty_notice": "penalty notice", "note": "note",
}


def sentence_case(text: str) -> str:
    """Capitalise the first letter only (str.capitalize would lower-case "Oct")."""
    return text[:1].upper() + text[1:]


def human(code: str) -> str:
    """Turn an identifier such as `early_help` into words: "early help"."""
    return code.replace("_", " ")


@dataclass
class ItemOutcome:
    """The engine's working result for one item, before it becomes an ItemResult."""

    status: str
    reasons: list[str] = field(default_factory=list)
    passing: list[Event] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def earliest(self) -> dt.date | None:
        return min((e.date for e in self.passing if e.date), default=None)

    @property
    def latest(self) -> dt.date | None:
        return max((e.date for e in self.passing if e.date), default=None)


@dataclass
class Context:
    case: Case
    as_of: dt.date
    register: Register
    checklist: Checklist
    warnings: list[str]
    outcomes: dict[str, ItemOutcome] = field(default_factory=dict)
    window: tuple[dt.date, dt.date] | None = None
    #: Numbered letters (A26): item id -> the letter events it took as its own.
    claimed: dict[str, set[str]] = field(default_factory=dict)
    #: The item being evaluated (for `evidence_for`).
    item_id: str = ""

    # ---- people and events -------------------------------------------------------------
    def carer_label(self, carer_id: str) -> str:
        c: Carer | None = self.case.carer(carer_id)
        if c is None:
            return carer_id
        return f"{c.name} ({c.relationship})" if c.relationship else c.name

    def describe(self, e: Event) -> str:
        """Name an event the way a colleague would: "the letter of 9 Oct 2026 (e7)"."""
        label = TYPE_LABELS.get(e.type, human(e.type))
        if e.type == "agency_contact" and e.agency:
            label = f"contact with {human(e.agency)}"
        elif e.type == "support_offer" and e.support:
            label = f"offer of {human(e.support)}"
        when = f" of {fmt(e.date)}" if e.date else " with no date"
        return f"the {label}{when} ({e.id})"

    def item_name(self, item_id: str) -> str:
        """Name another item of the checklist: "item 1 evidence"."""
        item = self.checklist.item(item_id)
        return f"item {item.number} evidence" if item else item_id

    def unmarked_note(self) -> str:
        """Say so when the referral date is after the register's last mark: the days between
        are not counted as school days (issue 14.1)."""
        last = self.register.last_date
        if last is None or self.as_of <= last:
            return ""
        return (f" (the register's marks end on {fmt(last)}; days after them are not counted "
                "as school days)")

    def meeting(self, e: Event) -> Event | None:
        m = self.case.event(e.meeting) if e.meeting else None
        return m if m is not None and m.type == "meeting" else None

    def replacement(self, m: Event) -> Event | None:
        """The meeting that took the place of a rescheduled one (following `replaces`)."""
        seen = {m.id}
        current = m
        while True:
            nxt = next((e for e in self.case.events if e.type == "meeting"
                        and e.replaces == current.id and e.id not in seen), None)
            if nxt is None:
                return current if current is not m else None
            seen.add(nxt.id)
            current = nxt

    def held_meeting(self, m: Event) -> Event | None:
        """The meeting actually held for `m`: itself, or the one that replaced it."""
        if m.status in ("rescheduled", "cancelled"):
            return self.replacement(m)
        return m

    def meetings(self) -> list[Event]:
        """Meetings up to the as-of date, in date order."""
        found = [e for e in self.case.events
                 if e.type == "meeting" and e.date and e.date <= self.as_of]
        return sorted(found, key=lambda e: (e.date or dt.date.min, e.time or ""))

    def dated_events(self) -> list[Event]:
        return sorted((e for e in self.case.events if e.date and e.date <= self.as_of),
                      key=lambda e: (e.date or dt.date.min, e.time or "", e.id))

    def select(self, sel: Selector) -> list[Event]:
        """Return events (dated or not, any date) that match an evidence selector."""
        return [e for e in self.case.events if matches(e, sel)]

    # ---- attendance --------------------------------------------------------------------
    def csa_day(self, d: dt.date) -> bool:
        return csa.is_csa(self.case.pupil.date_of_birth, d)

    def year_start(self, on: dt.date | None = None) -> dt.date:
        """Start of the year-to-date period on `on` (default: the as-of date).

        The later of 1 September of that day's school year and the admission date.
        """
        start = school_year_start(on or self.as_of)
        admitted = self.case.pupil.admission_date
        return max(start, admitted) if admitted else start

    def ytd(self, end: dt.date | None = None, legal: bool = True) -> Counts:
        """Year-to-date counts to `end`; for legal checks, only sessions of compulsory school age.

        The year is the school year of `end`: a letter sent in July quotes that school year.
        """
        end = end or self.as_of
        return self.register.counts(self.year_start(end), end, self.csa_day if legal else None)

    def first_below(self, pct: float, inclusive: bool = False) -> dt.date | None:
        return self.register.first_date_below(
            pct, self.year_start(), self.as_of, inclusive=inclusive,
            min_possible=int(self.checklist.param("min_possible_sessions") or 0))

    def window_weeks(self, weeks: int) -> list[dt.date]:
        """Mondays of the last `weeks` school weeks up to the as-of week."""
        known = self.register.school_weeks(self.as_of)
        return known[-weeks:] if weeks else []


def matches(e: Event, sel: Selector) -> bool:
    if sel.types and e.type not in sel.types:
        return False
    if sel.purposes and not set(sel.purposes) & set(e.purposes):
        return False
    if sel.agencies and e.type == "agency_contact" and e.agency not in sel.agencies:
        return False
    if sel.supports and e.type == "support_offer" and e.support not in sel.supports:
        return False
    if sel.meeting_kinds and e.type == "meeting" and e.kind not in sel.meeting_kinds:
        return False
    if sel.meeting_statuses and e.type == "meeting" and e.status not in sel.meeting_statuses:
        return False
    if e.type == "referral":
        if sel.internal is not None and e.internal is not sel.internal:
            return False
        if sel.services and not _service_matches(e.service or "", sel.services):
            return False
    return sel.direction == "any" or e.direction == sel.direction


def _service_matches(service: str, wanted: Iterable[str]) -> bool:
    s = service.lower().replace("_", " ")
    return any(w.lower().replace("_", " ") in s for w in wanted)


def window_for(register: Register, as_of: dt.date, weeks: int, referral_week_counts: bool,
               admission: dt.date | None, warnings: list[str]) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the evidence window of `weeks` school weeks.

    The referral week is week 1 when `referral_week_counts` (A1). Where the register holds
    fewer school weeks than the window needs, the window reaches further back by calendar
    weeks, and a warning says so.
    """
    this_week = monday(as_of)
    known = [w for w in register.school_weeks(as_of) if w < this_week]
    # A referral made in a holiday week: that week is not a school week, so it cannot be
    # week 1. With no marks yet for the referral week, it is taken to be a school week.
    marked = [d for d in register.days if this_week <= d <= as_of]
    holiday = bool(marked) and not any(register.is_school_day(d) for d in marked)
    if referral_week_counts and not holiday:
        known.append(this_week)
    chosen = known[-weeks:]
    if len(chosen) < weeks:
        first = chosen[0] if chosen else this_week
        short = weeks - len(chosen)
        while short:
            first -= dt.timedelta(weeks=1)
            # A week whose weekdays all fall in August is the summer holiday in England.
            if not (first.month == 8 and (first + dt.timedelta(days=4)).month == 8):
                short -= 1
        warnings.append(
            f"The register holds only {len(chosen)} school weeks before the referral, so the "
            f"{weeks}-school-week window is taken back to {fmt(first)} by calendar weeks; "
            "check that no holiday falls in that stretch.")
    else:
        first = chosen[0]
    if admission and admission > first:
        warnings.append(
            f"The pupil was admitted on {fmt(admission)}, after the {weeks}-school-week window "
            f"starts ({fmt(first)}): the local authority may ask for the previous school's "
            "records.")
    return first, as_of
