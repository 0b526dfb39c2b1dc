"""The case: pupil, carers, register marks, events and documents (`referral-case/1`).

Plain frozen dataclasses. Parsing and validation of the JSON lives in `schemas/`; the
engine only ever sees these objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Session = Literal["AM", "PM"]
SESSIONS: tuple[Session, Session] = ("AM", "PM")

EVENT_TYPES = (
    "letter", "email", "text", "phone_call", "home_visit", "meeting", "agency_contact",
    "support_offer", "referral", "medical_inquiry", "review", "notice_to_improve",
    "penalty_notice", "note",
)
WRITTEN_TYPES = ("letter", "email", "text")
LETTER_PURPOSES = (
    "attendance_concern", "punctuality", "support", "meeting_invite", "meeting_reminder",
    "post_meeting", "did_not_attend", "continued_concern", "medical_evidence",
    "unexplained_absence", "warning", "warning_legal_referral", "stage_1", "stage_2", "stage_3",
    "enforcement", "other",
)
MEETING_KINDS = ("attendance_meeting", "attendance_panel", "legal_planning", "tac_taf",
                 "core_group", "other")
MEETING_STATUSES = ("held", "did_not_attend", "cancelled", "rescheduled")
AGENCIES = ("social_worker", "early_help", "camhs", "school_nurse", "gp", "education_welfare",
            "lead_professional", "other")
SUPPORTS = ("early_help_assessment", "early_help_referral", "attendance_contract",
            "parenting_contract", "medical_action_plan", "attendance_plan", "key_adult",
            "mentoring", "other")
SUPPORT_OUTCOMES = ("accepted", "refused", "no_response", "pending")
NOTICE_STATUSES = ("issued", "paid", "withdrawn", "unpaid")
MEDICAL_WITH = ("school_nurse", "gp", "consultant", "other")
DIRECTIONS = ("outgoing", "incoming")
FLAG_NAMES = ("social_worker", "early_help", "camhs", "tac_taf", "child_in_need",
              "child_protection", "looked_after", "medical_needs")
SEND_LEVELS = ("none", "send_support", "ehcp")
#: `documents[].kind` (added after v1's first release; absent means `other`).
DOCUMENT_KINDS = ("letter_copy", "medical_evidence", "referral_form", "attendance_plan",
                  "contract", "meeting_notes", "attendance_certificate", "other")
#: `agency_contact.return`: the statutory return to the LA the contact makes (NR-13, NR-14).
RETURN_KINDS = ("attendance_10_day", "sickness_15_day")


@dataclass(frozen=True)
class Mark:
    date: dt.date
    session: Session
    code: str


@dataclass(frozen=True)
class School:
    name: str
    urn: str = ""
    local_authority: str = ""
    head_teacher: str = ""
    address: str = ""


@dataclass(frozen=True)
class Flags:
    social_worker: bool = False
    early_help: bool = False
    camhs: bool = False
    tac_taf: bool = False
    child_in_need: bool = False
    child_protection: bool = False
    looked_after: bool = False
    medical_needs: bool = False
    send: str = "none"


@dataclass(frozen=True)
class Pupil:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    upn: str = ""
    year_group: str = ""
    address: str = ""
    admission_date: dt.date | None = None
    flags: Flags = field(default_factory=Flags)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Carer:
    id: str
    name: str
    relationship: str = ""
    parental_responsibility: bool = False
    day_to_day_care: bool = False
    address: str = ""
    email: str = ""
    phone: str = ""
    contact_restriction: str | None = None
    #: Optional (added after v1's first release): seed 002's panel establishes "everyone with
    #: parental responsibility and date of birth".
    date_of_birth: dt.date | None = None

    @property
    def in_parent_set(self) -> bool:
        """Every adult with parental responsibility or day-to-day care (s.576 EA 1996)."""
        return self.parental_responsibility or self.day_to_day_care


@dataclass(frozen=True)
class Person:
    name: str = ""
    role: str = ""


@dataclass(frozen=True)
class Event:
    """One dated action. Fields not used by an event's type keep their defaults."""

    id: str
    type: str
    date: dt.date | None
    time: str | None = None
    by: Person | None = None
    to: tuple[str, ...] = ()
    summary: str = ""
    documents: tuple[str, ...] = ()
    # letter / email / text
    purposes: tuple[str, ...] = ()
    meeting: str | None = None
    states_attendance_pct: float | None = None
    encloses: tuple[str, ...] = ()
    direction: str = "outgoing"
    # phone_call / home_visit / medical_inquiry
    with_: tuple[str, ...] = ()
    outcome: str | None = None
    # meeting
    kind: str | None = None
    attended: tuple[str, ...] | None = None
    status: str | None = None
    plan_agreed: bool | None = None
    # agency_contact / support_offer / referral / medical_inquiry / review
    agency: str | None = None
    support: str | None = None
    service: str | None = None
    internal: bool | None = None
    consent_requested: bool | None = None
    of: str | None = None
    improved: bool | None = None
    # optional, added after v1's first release (case-format.md)
    template: str | None = None
    evidence_for: tuple[str, ...] = ()
    replaces: str | None = None
    requested_by_parent: bool | None = None
    return_: str | None = None
    #: Keys the format defines that this model does not interpret, kept for round trips.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        """A letter or email: "in writing" as checklists use it (a text is not)."""
        return self.type in ("letter", "email")

    @property
    def people(self) -> tuple[str, ...]:
        """The carer ids this event was addressed to or held with."""
        return tuple(dict.fromkeys(self.to + self.with_))


@dataclass(frozen=True)
class Document:
    id: str
    file: str
    title: str = ""
    kind: str = "other"


@dataclass(frozen=True)
class Sibling:
    """A brother or sister of the pupil and their school (seed 002's attendance panel)."""

    name: str
    date_of_birth: dt.date | None = None
    school: str = ""


@dataclass(frozen=True)
class Term:
    """One term of the school's year, first and last day inclusive."""

    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class SchoolCalendar:
    """The school's term dates, for days the register does not cover yet.

    School days are weekdays inside a term and not a closure; where the register has marks,
    the register wins.
    """

    terms: tuple[Term, ...] = ()
    closures: tuple[dt.date, ...] = ()

    def is_school_day(self, day: dt.date) -> bool:
        return (day.weekday() < 5 and day not in self.closures
                and any(t.start <= day <= t.end for t in self.terms))

    def closed_days(self, after: dt.date, until: dt.date) -> frozenset[dt.date]:
        """Weekdays after `after` up to `until` that are outside every term or closures."""
        out: set[dt.date] = set()
        day = after + dt.timedelta(days=1)
        while day <= until:
            if day.weekday() < 5 and not self.is_school_day(day):
                out.add(day)
            day += dt.timedelta(days=1)
        return frozenset(out)


@dataclass(frozen=True)
class Declaration:
    confirmed: bool = False
    name: str = ""
    role: str = ""
    at: dt.datetime | None = None
    # The SHA-256 of the case as it was declared (services.referrals): a later change puts
    # the declaration out of date. "" for a declaration made without one.
    case_sha256: str = ""


@dataclass(frozen=True)
class Case:
    reference: str
    authority: str
    referral_date: dt.date
    school: School
    pupil: Pupil
    carers: tuple[Carer, ...] = ()
    marks: tuple[Mark, ...] = ()
    events: tuple[Event, ...] = ()
    documents: tuple[Document, ...] = ()
    school_process: str | None = None
    not_applicable: dict[str, str] = field(default_factory=dict)
    free_text: dict[str, str] = field(default_factory=dict)
    declaration: Declaration = field(default_factory=Declaration)
    #: None: not recorded; an empty tuple: recorded as having no siblings.
    siblings: tuple[Sibling, ...] | None = None
    #: The school's term dates (optional `calendar`); None: not given.
    calendar: SchoolCalendar | None = None

    def carer(self, carer_id: str) -> Carer | None:
        return next((c for c in self.carers if c.id == carer_id), None)

    def event(self, event_id: str) -> Event | None:
        return self._events_by_id.get(event_id)

    @cached_property
    def _events_by_id(self) -> dict[str, Event]:
        """Events by id, built once per case (the first of a repeated id wins, as before)."""
        index: dict[str, Event] = {}
        for e in self.events:
            index.setdefault(e.id, e)
        return index

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def document_kinds(self, e: Event) -> set[str]:
        """The kinds of the documents attached to an event."""
        return {d.kind for d in (self.document(i) for i in e.documents) if d is not None}

    @property
    def parent_set(self) -> tuple[Carer, ...]:
        """Carers every "each parent/carer" rule must reach (restricted ones excluded)."""
        return tuple(c for c in self.carers if c.in_parent_set and not c.contact_restriction)

    @property
    def restricted_carers(self) -> tuple[Carer, ...]:
        return tuple(c for c in self.carers if c.in_parent_set and c.contact_restriction)
