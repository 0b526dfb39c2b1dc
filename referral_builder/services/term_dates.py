"""A school's term dates: entered once by its DSL, used for every case of the school.

They become the cases' `calendar` (referral-case/1) for planning (the task list's next step,
the caseload, the calendar feed) and on export. Entered as text, one term a line ("5/1/2027 to
12/2/2027") and one closure day a line: the problems name the line.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from referral_builder.domain.calendar import fmt
from referral_builder.domain.model import Case, SchoolCalendar, Term
from referral_builder.schemas.case import load_case_calendar
from referral_builder.storage.models import SchoolCalendarRecord, utcnow

_DATE = r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(rf"^\s*{_DATE}\s*(?:to|-|–|—)\s*{_DATE}\s*$", re.IGNORECASE)


def school_calendar(s: Session, school_id: int | None) -> SchoolCalendar | None:
    """The school's term dates, or None when its DSL has not entered any."""
    if school_id is None:
        return None
    row = s.get(SchoolCalendarRecord, school_id)
    if row is None:
        return None
    calendar: SchoolCalendar | None = load_case_calendar(json.loads(row.calendar))
    return calendar


def with_calendar(case: Case, calendar: SchoolCalendar | None) -> Case:
    """The case with its school's term dates (they replace any the case file carried)."""
    return case if calendar is None else replace(case, calendar=calendar)


def calendar_json(calendar: SchoolCalendar) -> dict[str, Any]:
    return {"terms": [{"from": t.start.isoformat(), "to": t.end.isoformat()}
                      for t in calendar.terms],
            "closures": [d.isoformat() for d in calendar.closures]}


def save_calendar(s: Session, school_id: int, calendar: SchoolCalendar, user_id: int) -> None:
    """Keep the school's term dates (replacing any it had) and commit."""
    row = s.get(SchoolCalendarRecord, school_id)
    if row is None:
        row = SchoolCalendarRecord(school_id=school_id, calendar="")
        s.add(row)
    row.calendar = json.dumps(calendar_json(calendar))
    row.saved_by = user_id
    row.updated_at = utcnow()
    s.commit()


def _date(text: str) -> dt.date:
    if "/" in text:
        day, month, year = (int(x) for x in text.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def parse(terms_text: str, closures_text: str
          ) -> tuple[SchoolCalendar | None, list[dict[str, str]]]:
    """Read the two texts; on any problem, the problems (GOV.UK error list) and no calendar."""
    problems: list[dict[str, str]] = []
    terms: list[tuple[int, Term]] = []
    for n, line in enumerate(terms_text.splitlines(), 1):
        if not line.strip():
            continue
        m = _RANGE.match(line)
        if m is None:
            problems.append({"text": f"Terms, line {n}: enter a term as its first and last day, "
                                     f"for example 5/1/2027 to 12/2/2027 (not “{line.strip()}”)",
                             "href": "#terms"})
            continue
        try:
            start, end = _date(m.group(1)), _date(m.group(2))
        except ValueError:
            problems.append({"text": f"Terms, line {n}: “{line.strip()}” has a date that does "
                                     "not exist", "href": "#terms"})
            continue
        if end < start:
            problems.append({"text": f"Terms, line {n}: the last day, {fmt(end)}, is before the "
                                     f"first day, {fmt(start)}", "href": "#terms"})
            continue
        terms.append((n, Term(start, end)))
    ordered = sorted(terms, key=lambda x: x[1].start)
    for (na, a), (nb, b) in itertools.pairwise(ordered):
        if b.start <= a.end:
            problems.append({"text": f"Terms, line {max(na, nb)}: the term {fmt(b.start)} to "
                                     f"{fmt(b.end)} overlaps the term on line {min(na, nb)}",
                             "href": "#terms"})
    closures: list[dt.date] = []
    for n, line in enumerate(closures_text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            if not re.fullmatch(_DATE, line.strip()):
                raise ValueError
            closures.append(_date(line.strip()))
        except ValueError:
            problems.append({"text": f"Closure days, line {n}: enter one date a line, for "
                                     f"example 29/1/2027 (not “{line.strip()}”)",
                             "href": "#closures"})
    if not problems and not terms:
        problems.append({"text": "Enter at least one term, one a line", "href": "#terms"})
    if problems:
        return None, problems
    return SchoolCalendar(tuple(t for _, t in ordered), tuple(sorted(set(closures)))), []
