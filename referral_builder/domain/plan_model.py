"""The planner's records: where the pupil stands, the steps of a plan, evidence that is about
to fall out of the window, the national duties, and a step being worked out (`Draft`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .checklist import Checklist, Item
from .model import Document, Event
from .rules import CASE_RULES

#: Case rules that depend on the register alone: no step can be planned for them.
REGISTER_RULES = frozenset(n for n, r in CASE_RULES.items() if r.register_only)
#: Case rules whose figures say where the pupil stands in a process.
STANDING_RULES = frozenset(n for n, r in CASE_RULES.items() if r.standing)
#: How far ahead the planner looks for a referral date the engine accepts.
HORIZON_DAYS = 120
PLAN_ID = "plan"


@dataclass(frozen=True)
class Standing:
    checklist: str
    item: str
    number: str
    met: bool
    since: dt.date | None
    figures: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One thing to record. `not_before` and `by` are inclusive."""

    item: str
    checklist: str
    number: str
    kind: str            # event | meeting | declaration | statement | not_applicable
    action: str
    not_before: dt.date
    by: dt.date
    why: str
    carers: tuple[str, ...] = ()
    template: str | None = None
    meeting: str | None = None       # the meeting (case id or planned id) it invites to/follows
    event: Event | None = None       # the event that, recorded, meets the step
    id: str = ""
    states_pct: bool = False         # the letter states the attendance % on its date
    statement: tuple[str, int] | None = None  # free-text key and minimum words
    closed: tuple[dt.date, ...] = ()  # a register step: the closure days it marks `#`
    document: Document | None = None  # the document the recorded event attaches


@dataclass(frozen=True)
class Expiring:
    item: str
    checklist: str
    event: str
    date: dt.date
    expires: dt.date     # the first referral date on which it no longer counts
    refer_by: dt.date    # the last referral date on which it still counts
    text: str


@dataclass(frozen=True)
class Duty:
    rule: str            # NR-09 | NR-10 | NR-13 | NR-14
    due: dt.date | None
    done: bool
    text: str


@dataclass(frozen=True)
class Plan:
    case: str
    as_of: dt.date
    stands: tuple[Standing, ...]
    next_steps: tuple[Step, ...]
    expiring: tuple[Expiring, ...]
    earliest_referral_date: dt.date | None
    duties: tuple[Duty, ...]
    blocked: tuple[str, ...] = ()
    ready_now: bool = False
    notes: tuple[str, ...] = ()


@dataclass
class Draft:
    """A step being worked out: its constraints before the dates are fixed."""

    checklist: Checklist
    item: Item
    kind: str
    action: str
    why: list[str]
    carers: tuple[str, ...] = ()
    not_before: dt.date = dt.date.min
    by: dt.date | None = None            # a fixed latest date (e.g. notice before a meeting)
    by_referral_gap: int = 0             # school days that must lie between it and the referral
    after: list[tuple[str, int]] = field(default_factory=list)  # (step id, gap school days)
    notice: tuple[str, int] | None = None  # (meeting id, days): an invitation's notice
    hold_until: dt.date | None = None    # a booked meeting: the referral comes after it
    before: list[str] = field(default_factory=list)             # step ids it must precede
    meeting: str | None = None
    template: str | None = None
    event: Event | None = None
    id: str = ""
    fixed: bool = False                  # a meeting: its date is the date
    document: Document | None = None     # a paper of a named kind the event attaches
