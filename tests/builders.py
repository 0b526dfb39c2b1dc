"""Small builders of domain objects for engine tests: a term of marks, carers, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

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

D = dt.date
AUTUMN_2026 = (D(2026, 9, 3), D(2026, 12, 18))
HALF_TERM_2026 = (D(2026, 10, 26), D(2026, 10, 30))


def weekdays(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    d = start
    while d <= end:
        if d.weekday() < 5:
            yield d
        d += dt.timedelta(days=1)


def term_marks(start: dt.date = AUTUMN_2026[0], end: dt.date = D(2026, 11, 20), *,
               holidays: Iterable[tuple[dt.date, dt.date]] = (HALF_TERM_2026,),
               overrides: dict[tuple[dt.date, str], str] | None = None,
               default: str = "/") -> tuple[Mark, ...]:
    """Marks for every weekday from start to end: present, `#` in the holidays, then overrides."""
    overrides = overrides or {}
    marks = []
    for d in weekdays(start, end):
        holiday = any(a <= d <= b for a, b in holidays)
        for s in ("AM", "PM"):
            code = "#" if holiday else (default if s == "AM" or default != "/" else "\\")
            marks.append(Mark(d, s, overrides.get((d, s), code)))  # type: ignore[arg-type]
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
