"""Small builders of domain objects for engine tests: a term of marks, carers, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from referral_builder.domain.checklist import Checklist, Item, Rule, Selector
from referral_builder.domain.model import (
    Carer,
    Case,
    Declaration,
    Event,
    Flags,
    Mark,
    Person,
    Pupil,
    School,
)
from referral_builder.domain.results import CheckReport, ItemResult

D = dt.date
AUTUMN_2026 = (D(2026, 9, 3), D(2026, 12, 18))
HALF_TERM_2026 = (D(2026, 10, 26), D(2026, 10, 30))
REFERRAL_2026 = D(2026, 11, 20)  # Fri 20 Nov 2026, make_case's referral date


def weekdays(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    d = start
    while d <= end:
        if d.weekday() < 5:
            yield d
        d += dt.timedelta(days=1)


def term_marks(start: dt.date = AUTUMN_2026[0], end: dt.date = REFERRAL_2026, *,
               holidays: Iterable[tuple[dt.date, dt.date]] = (HALF_TERM_2026,),
               overrides: dict[tuple[dt.date, str], str] | None = None,
               default: str = "/") -> tuple[Mark, ...]:
    """Marks for every weekday from start to end: present, or `#` in the holidays.

    Overrides change school days only, so a range of days given to `absent` can run across
    a holiday without turning the holiday into school days.
    """
    overrides = overrides or {}
    marks = []
    for d in weekdays(start, end):
        holiday = any(a <= d <= b for a, b in holidays)
        for s in ("AM", "PM"):
            if holiday:
                code = "#"
            else:
                code = default if s == "AM" or default != "/" else "\\"
                code = overrides.get((d, s), code)
            marks.append(Mark(d, s, code))  # type: ignore[arg-type]
    return tuple(marks)


def absent(days: Iterable[dt.date], code: str = "O") -> dict[tuple[dt.date, str], str]:
    return {(d, s): code for d in days for s in ("AM", "PM")}


def carers() -> tuple[Carer, ...]:
    return (
        Carer("c1", "Jane Smith", "mother", True, True, "12 Elm Road, Walsall WS3 1AA"),
        Carer("c2", "Łukasz Nowak", "father", True, False, "4 Mill Lane, Bloxwich WS3 2BB"),
    )


def event(id: str, type: str, date: dt.date | None, **fields: Any) -> Event:
    for key in ("to", "with_", "purposes", "encloses", "documents"):
        if key in fields:
            fields[key] = tuple(fields[key])
    if "attended" in fields and fields["attended"] is not None:
        fields["attended"] = tuple(fields["attended"])
    if "by" in fields and isinstance(fields["by"], tuple):
        fields["by"] = Person(*fields["by"])
    return Event(id=id, type=type, date=date, **fields)


def make_case(**changes: Any) -> Case:
    """A Walsall case for Zoë Smith, 10, with a term of full attendance and no events."""
    base = Case(
        reference="WAL-2026-0042",
        authority="walsall",
        referral_date=D(2026, 11, 20),
        school=School("Bloxwich Academy Primary", "123456", "Walsall", "Mrs A Head"),
        pupil=Pupil("Zoë", "Smith", D(2016, 5, 3), "A123456789012", "Year 5",
                    "12 Elm Road, Walsall WS3 1AA", D(2021, 9, 1), Flags()),
        carers=carers(),
        marks=term_marks(),
        declaration=Declaration(True, "Sam Patel", "DSL", dt.datetime(2026, 11, 20, 10, 15)),
    )
    return replace(base, **changes)


# ---- registers with round numbers, and tiny checklists (added for the domain unit tests) ----

#: INSET days (coded `#`) that leave exactly 50 school days, 100 possible sessions, from
#: Thu 3 Sep to Fri 20 Nov 2026: percentages then read off the number of absent sessions.
INSET_2026 = ((D(2026, 9, 3), D(2026, 9, 3)), (D(2026, 11, 2), D(2026, 11, 2)))
#: The summer holiday 2026 (the summer term ends on Fri 17 Jul).
SUMMER_2026 = (D(2026, 7, 20), D(2026, 9, 2))


def hundred_sessions(overrides: dict[tuple[dt.date, str], str] | None = None,
                     end: dt.date = REFERRAL_2026) -> tuple[Mark, ...]:
    """Autumn 2026 to Fri 20 Nov with two INSET days: 100 possible sessions when all present."""
    return term_marks(D(2026, 9, 3), end, holidays=(HALF_TERM_2026, *INSET_2026),
                      overrides=overrides)


def summer_to_autumn(overrides: dict[tuple[dt.date, str], str] | None = None,
                     end: dt.date = REFERRAL_2026) -> tuple[Mark, ...]:
    """Marks from Mon 1 Jun 2026 (summer term) to `end`, across the summer holiday and half-term."""
    return term_marks(D(2026, 6, 1), end, holidays=(SUMMER_2026, HALF_TERM_2026),
                      overrides=overrides)


def rule(name: str, *, warn: bool = False, **params: Any) -> Rule:
    return Rule(name, params, warn)


def item(id: str = "t_item", *rules: Rule, evidence: dict[str, Any] | None = None,
         requirement: str = "mandatory", **fields: Any) -> Item:
    """A checklist item; `evidence` is a selector written as in the YAML files."""
    selector = None
    if evidence is not None:
        selector = Selector(**{k: tuple(v) if isinstance(v, list) else v
                               for k, v in evidence.items()})
    fields.setdefault("number", "1")
    fields.setdefault("wording", f"Evidence for {id}")
    return Item(id=id, requirement=requirement, rules=rules,  # type: ignore[arg-type]
                evidence=selector, **fields)


def checklist(*items: Item, **parameters: Any) -> Checklist:
    """A test checklist with the given items; parameters override the engine defaults."""
    return Checklist(id="test", title="Test checklist", kind="authority", version="1",
                     effective_from=D(2024, 9, 1), source="tests", items=items,
                     parameters=parameters, prefix="t")


# ---- running a tiny checklist through the engine (added for the rule and engine tests) ----

def check_items(case: Case, *items: Item, as_of: dt.date | None = None,
                **parameters: Any) -> CheckReport:
    """Check `case` against a one-off checklist made of `items` (see `checklist`)."""
    from referral_builder.domain.engine import check

    return check(case, [checklist(*items, **parameters)], as_of)


def result(report: CheckReport, item_id: str = "t_item") -> ItemResult:
    """The result of one item in a report, by id."""
    return next(i for i in report.items if i.id == item_id)


def meeting(id: str, date: dt.date, time: str | None = "16:00", **fields: Any) -> Event:
    """An attendance meeting; held by default."""
    fields.setdefault("kind", "attendance_meeting")
    fields.setdefault("status", "held")
    fields.setdefault("attended", ("c1",))
    return event(id, "meeting", date, time=time, **fields)


def letter(id: str, date: dt.date | None, *purposes: str, to: Iterable[str] = ("c1", "c2"),
           type: str = "letter", **fields: Any) -> Event:
    """A letter (or, with `type`, an email or text) to both carers by default."""
    return event(id, type, date, purposes=purposes or ("attendance_concern",), to=to, **fields)


# ---- a Walsall case that is ready to refer, with documents (added for the bundle tests) ----

def ready_events(with_documents: bool = True) -> tuple[Event, ...]:
    """Pre-referral work that meets every Walsall item for `ready_case`."""

    def docs(*ids: str) -> dict[str, Any]:
        return {"documents": ids} if with_documents else {}

    school = ("Sam Patel", "DSL")
    return (
        event("e1", "letter", D(2026, 9, 21), to=["c1", "c2"], by=school,
              purposes=["attendance_concern", "support"],
              summary="Attendance concern letter offering support", **docs("d1")),
        event("e2", "phone_call", D(2026, 9, 24), with_=["c1"], by=school,
              outcome="Mother said Zoë has been anxious about school"),
        event("e3", "letter", D(2026, 10, 1), to=["c1"], by=school,
              purposes=["meeting_invite"], meeting="m1", **docs("d2")),
        event("e3b", "letter", D(2026, 10, 1), to=["c2"], by=school,
              purposes=["meeting_invite"], meeting="m1"),
        event("m1", "meeting", D(2026, 10, 12), time="09:30", kind="attendance_meeting",
              attended=["c1"], status="held", plan_agreed=True, by=school,
              summary="Attendance meeting; plan agreed with mother", **docs("d3")),
        # one letter per address: the parents live apart (edge case 5, A23)
        event("e4", "letter", D(2026, 10, 13), to=["c1"], by=school,
              purposes=["post_meeting"], meeting="m1", states_attendance_pct=82.8),
        event("e4b", "letter", D(2026, 10, 13), to=["c2"], by=school,
              purposes=["post_meeting"], meeting="m1", states_attendance_pct=82.8),
        event("e5", "referral", D(2026, 10, 14), service="school nurse", internal=False,
              by=school, summary="Referral to the school nursing service"),
        event("e6", "letter", D(2026, 11, 2), to=["c1", "c2"], by=school,
              purposes=["continued_concern", "support"],
              summary="Continued concern; support in place: key adult, mentoring",
              **docs("d4")),
        event("e7", "letter", D(2026, 11, 13), to=["c1"], by=school,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"],
              **docs("d5")),
        event("e7b", "letter", D(2026, 11, 13), to=["c2"], by=school,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"]),
    )


def ready_case(**changes: Any) -> Case:
    """`make_case` with absences and the events that meet every Walsall item."""
    from referral_builder.domain.model import Document

    off = [D(2026, 9, 14), D(2026, 9, 15), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7),
           D(2026, 11, 9), D(2026, 11, 10)]
    marks = term_marks(overrides=absent(off, "O") | absent([D(2026, 11, 16)], "I"))
    base = make_case(
        marks=marks, events=ready_events(),
        documents=(Document("d1", "evidence/d1.pdf", "Attendance concern letter"),
                   Document("d2", "evidence/d2.pdf", "Meeting invitation"),
                   Document("d3", "evidence/d3.pdf", "Meeting notes"),
                   Document("d4", "evidence/d4.pdf", "Continued concern letter"),
                   Document("d5", "evidence/d5.pdf", "Warning letter")),
        # The I mark on 16 Nov makes item 5 apply (A28): the school nurse referral (e5) meets it.
        not_applicable={"wal_external_party_communication": "No agencies are involved."},
    )
    return replace(base, **changes)


# ---- editing a ready case one event at a time (added for the checklist data tests) -------

def statuses(report: CheckReport, checklist_id: str | None = None) -> dict[str, str]:
    """Item id -> status, optionally for one checklist of the report."""
    return {i.id: i.status for i in report.items
            if checklist_id is None or i.checklist == checklist_id}


def not_met(report: CheckReport) -> set[str]:
    """The ids of the items that are not met."""
    return {i.id for i in report.items if i.status == "not_met"}


def reasons_of(report: CheckReport, item_id: str) -> str:
    """The reasons given for one item, as one string."""
    return " ".join(next(i for i in report.items if i.id == item_id).reasons)


def drop(events: Iterable[Event], *ids: str) -> tuple[Event, ...]:
    """The events without those ids."""
    return tuple(e for e in events if e.id not in ids)


def change(events: Iterable[Event], event_id: str, **changes: Any) -> tuple[Event, ...]:
    """The events with one of them changed (tuples for list fields, as `event` makes them)."""
    for key in ("to", "with_", "purposes", "encloses", "attended"):
        if isinstance(changes.get(key), list):
            changes[key] = tuple(changes[key])
    if isinstance(changes.get("by"), tuple):
        changes["by"] = Person(*changes["by"])
    return tuple(replace(e, **changes) if e.id == event_id else e for e in events)


def simple_pdf(pages: int = 1, label: str = "Evidence", *, landscape: bool = False) -> bytes:
    """A small text PDF made with ReportLab: one line of text per page."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turn
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    size = turn(A4) if landscape else A4
    c = Canvas(out, pagesize=size)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 14)
        c.drawString(72, size[1] - 100, f"{label} page {n}")
        c.showPage()
    c.save()
    return out.getvalue()


def household() -> tuple[Carer, ...]:
    """Jane Smith and Łukasz Nowak living together at 12 Elm Road: one letter can reach both."""
    jane, lukasz = carers()
    return jane, replace(lukasz, day_to_day_care=True, address=jane.address)
