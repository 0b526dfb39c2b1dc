"""Read register marks exported from a school MIS, from rows of text cells.

File decoding (CSV encodings and delimiters, XLSX workbooks, size limits) lives outside the
domain, in `referral_builder.services.registers`; this module only sees rows: each a line number and
its cells as text (dates already written as ``YYYY-MM-DD`` when a spreadsheet held a date).

Three shapes are read, told apart automatically from the header row:

- one row per session: a date, a session (``AM``/``PM``/``MORNING``/``AFTERNOON``) and a
  mark (headers such as ``Date``/``DATE``, ``Session``/``Session Name``/``PERIOD``/``AM-PM``,
  ``Mark``/``Code``/``RAW_MARK``), as Arbor's attendance dataset and SIMS-based tools export;
- one row per day: ``Date, AM, PM`` (a blank or ``-`` cell means no mark for that session);
- a weekly grid: ``Week beginning, Mon AM, Mon PM, ... Fri PM`` as on an attendance
  certificate.

Each may carry a pupil column (``UPN``, ``STUDENT_ID``, ``Student ID``, ``Admission number``,
or ``Legal surname`` with ``Forename``): a whole-class file is then read for one pupil.
Arbor's ``MINUTES_LATE`` and ``MARK_CODE`` (the mark's meaning, e.g. ``PRESENT_AM``) are read
and cross-checked against the mark. A file in another shape is read through a `Mapping`
built from the columns a person names (`Mapping.manual`).

The header row is optional for the first two shapes; without one the shape is read from the
first row. Dates are ISO ``YYYY-MM-DD`` or UK ``dd/mm/yyyy``; never US month-first, because a
UK school's 03/10 is 3 October. Every problem is collected and reported at once with its line
number, and nothing is imported unless the whole file is good. `preview` then describes the
marks (date range, sessions per week, codes, legacy codes, holidays, anything odd) so that a
person sees them before they are saved. The columns and shapes are in `register_columns`, the
preview in `register_preview`; both are importable from here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from . import codes
from .calendar import bank_holidays, easter, fmt, school_year_of
from .errors import InvalidCase, RegisterImportError, UnknownCode
from .model import SESSIONS, Mark, Session
from .register_columns import (
    DAYS,
    DELIMITERS,
    GRID,
    ID_ROLES,
    ROLE_NAMES,
    SESSION_WORDS,
    SHAPE_NAMES,
    SHAPES,
    Mapping,
    PupilFound,
    Row,
    clean_rows,
    detect,
    header_problem,
    is_pupil,
    normalise_header,
    pupils,
    split_csv,
)
from .register_preview import Preview, preview

#: The names callers use from this module (the columns and the preview live beside it).
__all__ = ["BLANK_MARKS", "DAYS", "DELIMITERS", "GRID", "ID_ROLES", "MAX_MARKS_PER_PUPIL",
           "ROLE_NAMES", "SHAPES", "SHAPE_NAMES", "Mapping", "Preview", "PupilFound", "Row",
           "bank_holidays", "check_marks", "clean_rows", "closed_sessions", "describe_period",
           "detect", "easter", "header_problem", "normalise_header", "parse_date",
           "parse_register_csv", "preview", "pupils", "read_marks", "split_csv"]

BLANK_MARKS = frozenset({"", "-"})
#: More marks than this for one pupil is not a register (a school year is under 400 sessions;
#: the import accepts the previous school year and this one).
MAX_MARKS_PER_PUPIL = 1000

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


#: MARK_CODE meanings (Arbor-style) and the marks each allows.
_PRESENT = frozenset({"/", "\\", "L"})
_MEANINGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("PRESENT", _PRESENT),
    ("LATE_AFTER", frozenset({"U"})),
    ("LATE", frozenset({"L", "U"})),
    ("ILLNESS", frozenset({"I"})),
    ("MEDICAL", frozenset({"M"})),
    ("UNAUTHORISED", frozenset({"G", "N", "O", "U"})),
    ("CLOSED", frozenset({"#", "Y4"})),
    ("SCHOOL_CLOSED", frozenset({"#", "Y4"})),
)


def read_marks(rows: Sequence[Row], mapping: Mapping, *, pupil: str | None = None,
               within: tuple[dt.date, dt.date] | None = None) -> list[Mark]:
    """Return one pupil's marks, sorted by date with AM before PM.

    `pupil` (a UPN, MIS id, admission number or "Surname, Forename") chooses the pupil in a
    whole-class file; a file with one pupil needs none. Raise RegisterImportError listing every
    problem (line, message); no mark is returned from a file with a problem. `within` (first,
    last date, inclusive) refuses marks outside that period.
    """
    data = list(rows[1:] if mapping.has_header else rows)
    if not data:
        raise RegisterImportError([(0, "the file has a header row but no register marks")
                                   if mapping.has_header else
                                   (0, "the file has no register marks")])
    if mapping.has_pupil:
        found = pupils(rows, mapping)
        if pupil is None or not pupil.strip():
            if len(found) > 1:
                raise RegisterImportError([(0, f"the file holds {len(found)} pupils: choose "
                                               "one by UPN or MIS id")])
        else:
            data = [row for row in data if is_pupil(row, mapping, pupil)]
            if not data:
                raise RegisterImportError([(0, f'no pupil "{pupil}" in the file (it holds '
                                               f"{len(found)} pupil{'s' * (len(found) != 1)})")])
    problems: list[tuple[int, str]] = []
    marks: list[Mark] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for row in data:
        for mark, raw_date in _marks_in_row(row, mapping, within, problems):
            key = (mark.date, mark.session)
            if key in seen:
                problems.append((row.line, f"{raw_date} {mark.session} is already on line "
                                           f"{seen[key]}"))
                continue
            seen[key] = row.line
            marks.append(mark)
        if len(marks) > MAX_MARKS_PER_PUPIL:
            raise RegisterImportError([(0, f"the file has more than {MAX_MARKS_PER_PUPIL:,} "
                                           "marks for one pupil; a school year has under 400 "
                                           "sessions: export one or two school years")])
    if problems:
        raise RegisterImportError(problems)
    return sorted(marks, key=_order)


def parse_register_csv(text: str, *, within: tuple[dt.date, dt.date] | None = None,
                       pupil: str | None = None) -> list[Mark]:
    """Return the marks in register CSV text (any shape this module reads)."""
    rows = split_csv(text)
    if not rows:
        raise RegisterImportError([(0, "the file has no register marks")])
    mapping = detect(rows)
    if mapping is None:
        raise RegisterImportError([header_problem(rows)])
    return read_marks(rows, mapping, pupil=pupil, within=within)


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


# ---- rows ------------------------------------------------------------------------------


def _marks_in_row(row: Row, mapping: Mapping, within: tuple[dt.date, dt.date] | None,
                  problems: list[tuple[int, str]]) -> list[tuple[Mark, str]]:
    """Return the row's marks with the date as written, or add its problems and return []."""
    def cell(role: str) -> str:
        return row.cell(mapping.columns.get(role))

    if not mapping.has_header:
        width = max(mapping.columns.values()) + 1
        if len(row.cells) > width:
            names = ", ".join({"mark": "code", "am": "AM", "pm": "PM"}.get(r, r)
                              for r in mapping.columns)
            problems.append((row.line, f"expected {width} columns ({names}), found "
                                       f"{len(row.cells)}"))
            return []
    date_role = "week" if mapping.shape == "week" else "date"
    raw_date = cell(date_role)
    if not raw_date:
        problems.append((row.line, "enter the week beginning" if mapping.shape == "week"
                         else "enter the date"))
        return []
    date = parse_date(raw_date)
    if isinstance(date, str):
        problems.append((row.line, date))
        return []

    wanted: list[tuple[dt.date, Session, str]]
    if mapping.shape == "week":
        if date.weekday() != 0:
            problems.append((row.line, f"the week beginning {raw_date} is a "
                                       f"{date.strftime('%A')}, not a Monday"))
            return []
        wanted = [(date + dt.timedelta(days=DAYS.index(g[:3])),
                   "AM" if g.endswith("am") else "PM", cell(g))
                  for g in GRID if cell(g) not in BLANK_MARKS]
        if not wanted:
            problems.append((row.line, f"the week beginning {raw_date} has no marks"))
    elif mapping.shape == "day":
        wanted = [(date, s, cell(s.lower())) for s in SESSIONS
                  if cell(s.lower()) not in BLANK_MARKS]
        if not wanted:
            problems.append((row.line, f"{raw_date} has no AM or PM mark"))
    else:
        session = SESSION_WORDS.get(cell("session").lower())
        if session is None:
            problems.append((row.line, f'"{cell("session")}" is not a session (use AM or PM)'))
            return []
        if cell("mark") in BLANK_MARKS:
            problems.append((row.line, f"{raw_date} {session} has no mark"))
            return []
        wanted = [(date, session, cell("mark"))]

    marks: list[tuple[Mark, str]] = []
    for day, session, raw_code in wanted:
        shown = raw_date if day == date else day.isoformat()
        if within is not None and not within[0] <= day <= within[1]:
            problems.append((row.line, f"{shown} is outside {describe_period(within)}"))
            continue
        code = codes.normalise(raw_code)
        try:
            codes.lookup(code, day)
        except UnknownCode:
            problems.append((row.line, f'"{raw_code}" on {shown} {session} is not a DfE '
                                       "attendance code"))
            continue
        if not _cross_check(row, mapping, code, problems):
            continue
        marks.append((Mark(day, session, code), shown))
    return marks


def _cross_check(row: Row, mapping: Mapping, code: str,
                 problems: list[tuple[int, str]]) -> bool:
    """MARK_CODE must agree with the mark; MINUTES_LATE must be a number, late only if L/U."""
    ok = True
    if "mark_code" in mapping.columns:
        meaning = row.cell(mapping.columns["mark_code"]).strip().upper().replace(" ", "_")
        allowed = next((marks for prefix, marks in _MEANINGS if meaning.startswith(prefix)),
                       None)
        if meaning and allowed is not None and code not in allowed:
            problems.append((row.line, f'the mark "{code}" does not match its meaning '
                                       f'"{row.cell(mapping.columns["mark_code"])}" (expected '
                                       f'{" or ".join(sorted(allowed))})'))
            ok = False
    if "minutes_late" in mapping.columns:
        raw = row.cell(mapping.columns["minutes_late"]).strip()
        if raw and raw not in BLANK_MARKS:
            try:
                minutes = float(raw)
            except ValueError:
                minutes = -1.0
            if not (0 <= minutes <= 300 and minutes == int(minutes)):
                problems.append((row.line, f'minutes late "{raw}" is not a number of minutes'))
                ok = False
            elif minutes > 0 and code not in ("L", "U"):
                problems.append((row.line, f'{int(minutes)} minutes late with the mark "{code}"'
                                           ": a late arrival is marked L or U"))
                ok = False
    return ok


def _order(mark: Mark) -> tuple[dt.date, int]:
    return mark.date, SESSIONS.index(mark.session)


# ---- preview ---------------------------------------------------------------------------

def closed_sessions(rows: Sequence[Row], mapping: Mapping) -> set[tuple[dt.date, str]]:
    """In a whole-class file, the sessions most pupils have marked `#` (the school closed).

    Read leniently (rows with problems are skipped): it only feeds the preview's warnings.
    """
    if not mapping.has_pupil:
        return set()
    closed: Counter[tuple[dt.date, str]] = Counter()
    total: Counter[tuple[dt.date, str]] = Counter()
    ignored: list[tuple[int, str]] = []
    for row in rows[1:] if mapping.has_header else rows:
        for mark, _raw in _marks_in_row(row, mapping, None, ignored):
            key = (mark.date, mark.session)
            total[key] += 1
            closed[key] += mark.code == "#"
    return {key for key, n in total.items() if n >= 3 and closed[key] * 10 >= n * 8}


