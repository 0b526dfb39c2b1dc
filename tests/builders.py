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
