"""Read register marks exported from a school MIS as CSV.

Two shapes are read, told apart automatically:

- one row per session: ``date, session, code`` (headers such as ``Date``, ``AM/PM``,
  ``Session``, ``Mark`` or ``Code``);
- one row per day: ``date, AM, PM`` (a blank or ``-`` cell means no mark for that session).

The header row is optional; without one the shape is read from the first row. Delimiters
(``,``, ``;`` or tab) are sniffed. Dates are ISO ``YYYY-MM-DD`` or UK ``dd/mm/yyyy``; never
US month-first, because a UK school's 03/10 is 3 October. Every problem in the file is
collected and reported at once with its line number, and nothing is imported unless the
whole file is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import codes
from .calendar import fmt, school_year_of
from .errors import InvalidCase, RegisterImportError, UnknownCode
from .model import SESSIONS, Mark, Session

DELIMITERS = ",;\t"
BLANK_MARKS = frozenset({"", "-"})

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

_HEADERS = {
    "date": ("date", "session date", "attendance date"),
    "session": ("session", "am/pm", "am / pm", "am or pm", "period"),
    "code": ("code", "mark", "attendance code", "attendance mark", "session mark"),
    "am": ("am", "am mark", "am code", "morning"),
    "pm": ("pm", "pm mark", "pm code", "afternoon"),
}
_HEADER_NAMES = {name: column for column, names in _HEADERS.items() for name in names}
_SESSION_WORDS: dict[str, Session] = {"am": "AM", "pm": "PM", "morning": "AM",
                                      "afternoon": "PM"}

_LABELS = {"am": "AM", "pm": "PM"}
_PER_SESSION = ("date", "session", "code")
_PER_DAY = ("date", "am", "pm")


@dataclass(frozen=True)
class _Row:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class _Layout:
    """Where each column is: `columns` maps a role (date, session, code / am, pm) to an index."""

    columns: dict[str, int]
    has_header: bool

    @property
    def per_day(self) -> bool:
        return "am" in self.columns


def parse_register_csv(text: str, *, within: tuple[dt.date, dt.date] | None = None
                       ) -> list[Mark]:
    """Return the marks in a register CSV, sorted by date with AM before PM.

    Raise RegisterImportError listing every problem (line number, message) when any row is
    wrong; no mark is returned from a file with a problem. `within` (first, last date,
    inclusive) refuses marks outside that period, typically the school year.
    """
    rows = _read_rows(text)
    if not rows:
        raise RegisterImportError([(0, "the file has no register marks")])
    problems: list[tuple[int, str]] = []
    layout = _layout(rows[0], problems)
    if layout is None:
        raise RegisterImportError(problems)
    data = rows[1:] if layout.has_header else rows
    if not data:
        raise RegisterImportError([(0, "the file has a header row but no register marks")])

    marks: list[Mark] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for row in data:
        for mark, raw_date in _marks_in_row(row, layout, within, problems):
            key = (mark.date, mark.session)
            if key in seen:
                problems.append((row.line, f"{raw_date} {mark.session} is already on line "
                                           f"{seen[key]}"))
                continue
            seen[key] = row.line
            marks.append(mark)
    if problems:
        raise RegisterImportError(problems)
    return sorted(marks, key=_order)


def check_marks(marks: Iterable[Mark], path: str = "register.marks") -> None:
    """Raise InvalidCase naming the first (date, session) that appears twice in `marks`."""
    seen: set[tuple[dt.date, str]] = set()
    for n, mark in enumerate(marks):
        key = (mark.date, mark.session)
        if key in seen:
            raise InvalidCase(f"{path}[{n}]",
                              f"{mark.date.isoformat()} {mark.session} appears twice")
        seen.add(key)


def parse_date(raw: str) -> dt.date | str:
    """Return the date written as YYYY-MM-DD or dd/mm/yyyy, or a message saying what is wrong."""
    text = raw.strip()
    if m := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _UK.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    else:
        return f'"{raw}" is not a date (use dd/mm/yyyy or YYYY-MM-DD)'
    try:
        return dt.date(year, month, day)
    except ValueError:
        if _UK.fullmatch(text) and month > 12 >= day:
            return f'"{raw}" is not a real date (write the day first: dd/mm/yyyy)'
        return f'"{raw}" is not a real date'


def describe_period(within: tuple[dt.date, dt.date]) -> str:
    """Name a period for messages: the school year when it is exactly one."""
    first, last = within
    span = f"{fmt(first)} – {fmt(last)}"
    if (first, last) == school_year_of(first):
        return f"the school year {first.year}/{(first.year + 1) % 100:02d} ({span})"
    return span


# ---- reading ---------------------------------------------------------------------------

def _read_rows(text: str) -> list[_Row]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[_Row] = []
    for cells in reader:
        cleaned = [" ".join(c.split()) for c in cells]
        while cleaned and not cleaned[-1]:
            cleaned.pop()  # spreadsheets pad rows with empty cells
        if cleaned:
            rows.append(_Row(reader.line_num, cleaned))
    return rows


def _delimiter(text: str) -> str:
    sample = "\n".join([line for line in text.splitlines() if line.strip()][:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # e.g. one column, or rows of uneven width: count on the first line
        first = sample.partition("\n")[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _layout(first: _Row, problems: list[tuple[int, str]]) -> _Layout | None:
    """Read the header row if there is one, else guess the shape from the first data row."""
    if any(ch.isdigit() for ch in first.cells[0]):  # a date (or a wrong one): no header
        if len(first.cells) > 1 and first.cells[1].lower() in _SESSION_WORDS:
            return _Layout(dict(zip(_PER_SESSION, range(3), strict=True)), has_header=False)
        return _Layout(dict(zip(_PER_DAY, range(3), strict=True)), has_header=False)
    columns: dict[str, int] = {}
    for index, cell in enumerate(first.cells):
        role = _HEADER_NAMES.get(cell.lower())
        if role is not None and role not in columns:
            columns[role] = index
    for shape in (_PER_SESSION, _PER_DAY):
        if all(role in columns for role in shape):
            return _Layout({role: columns[role] for role in shape}, has_header=True)
    found = ", ".join(f'"{c}"' for c in first.cells)
    problems.append((first.line, f"the header row ({found}) needs columns Date, Session and "
                                 "Code, or Date, AM and PM"))
    return None


def _marks_in_row(row: _Row, layout: _Layout, within: tuple[dt.date, dt.date] | None,
                  problems: list[tuple[int, str]]) -> list[tuple[Mark, str]]:
    """Return the row's marks with the date as written, or add its problems and return []."""
    def cell(role: str) -> str:
        index = layout.columns[role]
        return row.cells[index] if index < len(row.cells) else ""

    width = max(layout.columns.values()) + 1
    if not layout.has_header and len(row.cells) > width:
        names = ", ".join(_LABELS.get(role, role) for role in layout.columns)
        problems.append((row.line, f"expected {width} columns ({names}), found "
                                   f"{len(row.cells)}"))
        return []
    raw_date = cell("date")
    if not raw_date:
        problems.append((row.line, "enter the date"))
        return []
    date = parse_date(raw_date)
    if isinstance(date, str):
        problems.append((row.line, date))
        return []
    if within is not None and not within[0] <= date <= within[1]:
        problems.append((row.line, f"{raw_date} is outside {describe_period(within)}"))
        return []

    wanted: list[tuple[Session, str]]
    if layout.per_day:
        wanted = [(s, cell(s.lower())) for s in SESSIONS if cell(s.lower()) not in BLANK_MARKS]
        if not wanted:
            problems.append((row.line, f"{raw_date} has no AM or PM mark"))
    else:
        session = _SESSION_WORDS.get(cell("session").lower())
        if session is None:
            problems.append((row.line, f'"{cell("session")}" is not a session (use AM or PM)'))
            return []
        if cell("code") in BLANK_MARKS:
            problems.append((row.line, f"{raw_date} {session} has no mark"))
            return []
        wanted = [(session, cell("code"))]

    marks: list[tuple[Mark, str]] = []
    for session, raw_code in wanted:
        code = codes.normalise(raw_code)
        try:
            codes.lookup(code, date)
        except UnknownCode:
            problems.append((row.line, f'"{raw_code}" on {raw_date} {session} is not a DfE '
                                       "attendance code"))
            continue
        marks.append((Mark(date, session, code), raw_date))
    return marks


def _order(mark: Mark) -> tuple[dt.date, int]:
    return mark.date, SESSIONS.index(mark.session)
