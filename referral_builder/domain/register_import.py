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
person sees them before they are saved.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import codes
from .calendar import fmt, monday, school_year_of
from .errors import InvalidCase, RegisterImportError, UnknownCode
from .model import SESSIONS, Mark, Session

DELIMITERS = ",;\t"
BLANK_MARKS = frozenset({"", "-"})
#: More marks than this for one pupil is not a register (a school year is under 400 sessions;
#: the import accepts the previous school year and this one).
MAX_MARKS_PER_PUPIL = 1000

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

DAYS = ("mon", "tue", "wed", "thu", "fri")
_DAY_WORDS = {"mon": "mon", "monday": "mon", "tue": "tue", "tues": "tue", "tuesday": "tue",
              "wed": "wed", "wednesday": "wed", "thu": "thu", "thur": "thu", "thurs": "thu",
              "thursday": "thu", "fri": "fri", "friday": "fri"}
#: Grid roles: "mon_am", "mon_pm", ... "fri_pm".
GRID = tuple(f"{d}_{s.lower()}" for d in DAYS for s in SESSIONS)

_HEADERS = {
    "date": ("date", "session date", "attendance date"),
    "session": ("session", "session name", "am/pm", "am / pm", "am-pm", "am or pm", "period",
                "am pm"),
    "mark": ("code", "mark", "raw mark", "attendance code", "attendance mark", "session mark"),
    "am": ("am", "am mark", "am code", "morning"),
    "pm": ("pm", "pm mark", "pm code", "afternoon"),
    "week": ("week beginning", "week commencing", "w/c", "week starting", "week start"),
    "upn": ("upn", "unique pupil number"),
    "student_id": ("student id", "pupil id", "mis id", "person id"),
    "admission": ("admission number", "admission no", "adno", "adm no"),
    "surname": ("legal surname", "surname", "last name"),
    "forename": ("forename", "legal forename", "first name", "preferred forename"),
    "minutes_late": ("minutes late",),
    "mark_code": ("mark code", "mark meaning"),
}
_HEADER_NAMES = {name: role for role, names in _HEADERS.items() for name in names}
_SESSION_WORDS: dict[str, Session] = {"am": "AM", "pm": "PM", "morning": "AM",
                                      "afternoon": "PM"}
#: Roles that name a pupil, in the order used for the pupil's key.
ID_ROLES = ("upn", "student_id", "admission")
ROLE_NAMES = {"date": "date", "session": "session", "mark": "mark", "am": "AM mark",
              "pm": "PM mark", "week": "week beginning", "upn": "UPN",
              "student_id": "MIS id", "admission": "admission number", "surname": "surname",
              "forename": "forename", "minutes_late": "minutes late",
              "mark_code": "mark meaning", **{g: g.replace("_", " ").title() for g in GRID}}
SHAPES = {"session": ("date", "session", "mark"), "day": ("date", "am", "pm"),
          "week": ("week", *GRID)}
SHAPE_NAMES = {"session": "one row per session", "day": "one row per day (AM and PM)",
               "week": "a weekly grid (Mon AM to Fri PM)"}

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


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[str, ...]

    def cell(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True)
class Mapping:
    """Where each column is: `columns` maps a role (see ROLE_NAMES) to a 0-based index."""

    shape: str  # "session", "day" or "week"
    columns: dict[str, int]
    has_header: bool = True

    @classmethod
    def manual(cls, columns: dict[str, int]) -> Mapping:
        """A mapping a person gave: a date, and a session and mark or AM and PM marks.

        Raise ValueError saying what is missing or used twice.
        """
        columns = {role: index for role, index in columns.items() if index is not None}
        unknown = [role for role in columns if role not in ROLE_NAMES]
        if unknown:
            raise ValueError(f"unknown column role: {', '.join(unknown)}")
        indexes = list(columns.values())
        if len(indexes) != len(set(indexes)):
            raise ValueError("each column can be given one meaning only")
        if "date" not in columns:
            raise ValueError("choose the column with the date")
        if "mark" in columns or "session" in columns:
            if not ("mark" in columns and "session" in columns):
                raise ValueError("choose both the session column and the mark column")
            return cls("session", columns)
        if "am" in columns and "pm" in columns:
            return cls("day", columns)
        raise ValueError("choose the session and mark columns, or the AM and PM columns")

    def names(self, header: Sequence[str]) -> dict[str, str]:
        """The mapping as header names (role -> column heading), to save and reuse."""
        return {role: header[i] for role, i in self.columns.items() if i < len(header)}

    @classmethod
    def from_names(cls, header: Sequence[str], names: dict[str, str]) -> Mapping | None:
        """Rebuild a saved mapping against a header row; None when a column is missing."""
        index = {normalise_header(h): i for i, h in reversed(list(enumerate(header)))}
        columns: dict[str, int] = {}
        for role, name in names.items():
            found = index.get(normalise_header(name))
            if found is None:
                return None
            columns[role] = found
        try:
            return cls.manual(columns)
        except ValueError:
            return None

    @property
    def has_pupil(self) -> bool:
        return any(r in self.columns for r in (*ID_ROLES, "surname"))


@dataclass(frozen=True)
class PupilFound:
    """One pupil in a whole-class file: the key to choose them by, and how to show them."""

    key: str
    label: str
    ids: tuple[str, ...]
    rows: int


@dataclass
class Preview:
    """What a person should see before marks are saved."""

    marks: list[Mark]
    first: dt.date
    last: dt.date
    school_days: int
    weeks: int
    sessions_per_week: float
    codes: list[tuple[str, str, int]]  # code, meaning, count
    legacy: list[tuple[str, str, list[dt.date]]]  # code, meaning, dates (any era)
    holidays: list[tuple[dt.date, dt.date]]  # runs of days marked # (planned closure)
    warnings: list[str] = field(default_factory=list)


def normalise_header(cell: str) -> str:
    return " ".join(cell.replace("_", " ").lower().split())


def split_csv(text: str) -> list[Row]:
    """Split CSV text into rows (delimiter sniffed); blank rows are dropped, lines kept."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return clean_rows((reader.line_num, cells) for cells in reader)


def clean_rows(rows: Iterable[tuple[int, Sequence[str]]]) -> list[Row]:
    """Trim cells and drop trailing empty cells and empty rows (spreadsheets pad them)."""
    out: list[Row] = []
    for line, cells in rows:
        cleaned = [" ".join(c.split()) for c in cells]
        while cleaned and not cleaned[-1]:
            cleaned.pop()
        if cleaned:
            out.append(Row(line, tuple(cleaned)))
    return out


def detect(rows: Sequence[Row]) -> Mapping | None:
    """The shape of a file from its first row: a known header, or bare rows of a date first.

    None when the header is not one this module knows (a person maps the columns then).
    """
    if not rows:
        return None
    first = rows[0]
    if any(ch.isdigit() for ch in first.cells[0]):  # a date (or a wrong one): no header
        if len(first.cells) > 1 and first.cells[1].lower() in _SESSION_WORDS:
            return Mapping("session", {"date": 0, "session": 1, "mark": 2}, has_header=False)
        return Mapping("day", {"date": 0, "am": 1, "pm": 2}, has_header=False)
    columns: dict[str, int] = {}
    for index, cell in enumerate(first.cells):
        role = _role(cell)
        if role is not None and role not in columns:
            columns[role] = index
    for shape, needed in SHAPES.items():
        if all(role in columns for role in needed):
            optional = (*ID_ROLES, "surname", "forename", "minutes_late", "mark_code")
            keep = {r: columns[r] for r in (*needed, *optional) if r in columns}
            return Mapping(shape, keep)
    return None


def _role(cell: str) -> str | None:
    name = normalise_header(cell)
    if role := _HEADER_NAMES.get(name):
        return role
    parts = name.replace("-", " ").split()
    if len(parts) == 2 and parts[0] in _DAY_WORDS and parts[1] in ("am", "pm"):
        return f"{_DAY_WORDS[parts[0]]}_{parts[1]}"
    return None


def header_problem(rows: Sequence[Row]) -> tuple[int, str]:
    found = ", ".join(f'"{c}"' for c in rows[0].cells)
    return (rows[0].line, f"the header row ({found}) needs columns Date, Session and Mark, or "
                          "Date, AM and PM, or Week beginning and Mon AM to Fri PM")


def pupils(rows: Sequence[Row], mapping: Mapping) -> list[PupilFound]:
    """The pupils in a file with a pupil column, in the order they first appear."""
    if not mapping.has_pupil:
        return []
    found: dict[str, PupilFound] = {}
    for row in rows[1:] if mapping.has_header else rows:
        key, label, ids = _pupil_of(row, mapping)
        if not key:
            continue
        seen = found.get(key)
        found[key] = PupilFound(key, label, ids, (seen.rows if seen else 0) + 1)
    return list(found.values())


def _pupil_of(row: Row, mapping: Mapping) -> tuple[str, str, tuple[str, ...]]:
    c = mapping.columns
    ids = tuple(row.cell(c.get(r)) for r in ID_ROLES if r in c and row.cell(c.get(r)))
    name = ", ".join(p for p in (row.cell(c.get("surname")), row.cell(c.get("forename"))) if p)
    key = ids[0] if ids else name
    label = f"{name} ({', '.join(ids)})" if name and ids else key
    return key, label, ids if ids else ((name,) if name else ())


def _is_pupil(row: Row, mapping: Mapping, pupil: str) -> bool:
    key, _label, ids = _pupil_of(row, mapping)
    wanted = pupil.strip().casefold()
    return wanted in {key.casefold(), *(i.casefold() for i in ids)}


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
            data = [row for row in data if _is_pupil(row, mapping, pupil)]
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

def _delimiter(text: str) -> str:
    sample = "\n".join([line for line in text.splitlines() if line.strip()][:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # e.g. one column, or rows of uneven width: count on the first line
        first = sample.partition("\n")[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


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
        session = _SESSION_WORDS.get(cell("session").lower())
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


def preview(marks: Sequence[Mark], *, today: dt.date,
            closures: Iterable[tuple[dt.date, str]] = ()) -> Preview:
    """Describe marks before they are saved: range, sessions per week, codes, and warnings.

    `closures` are sessions known to be closed (from a whole-class file, say); with the
    national bank holidays, a mark other than `#` on one of them is flagged.
    """
    marks = sorted(marks, key=_order)
    first, last = marks[0].date, marks[-1].date
    per_week: Counter[dt.date] = Counter(monday(m.date) for m in marks if m.code != "#")
    by_code: Counter[str] = Counter(m.code for m in marks)
    found = [(c, codes.lookup(c, next(m.date for m in marks if m.code == c)).meaning, n)
             for c, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))]
    legacy_dates: dict[str, list[dt.date]] = defaultdict(list)
    for m in marks:
        if m.code in codes.LEGACY_ONLY:
            legacy_dates[m.code].append(m.date)
    legacy = [(c, codes.CODES_LEGACY[c].meaning, sorted(set(ds)))
              for c, ds in sorted(legacy_dates.items())]
    warnings: list[str] = []

    late_legacy = [(c, d) for m in marks for c, d in [(m.code, m.date)]
                   if c in codes.LEGACY_ONLY and d >= codes.CODES_2024_FROM]
    for code in sorted({c for c, _ in late_legacy}):
        dates = sorted({d for c, d in late_legacy if c == code})
        warnings.append(f'The legacy code "{code}" is used on {_dates(dates)}, after the codes '
                        f"changed on {fmt(codes.CODES_2024_FROM)}: correct these marks in the "
                        "MIS to a 2024 code and export again.")
    early_new = sorted({(m.code, m.date) for m in marks
                        if m.date < codes.CODES_2024_FROM and m.code not in codes.CODES_LEGACY})
    for code in sorted({c for c, _ in early_new}):
        dates = [d for c, d in early_new if c == code]
        warnings.append(f'The code "{code}" is used on {_dates(dates)}, before it existed '
                        f"({fmt(codes.CODES_2024_FROM)}): check these marks in the MIS.")
    future = sorted({m.date for m in marks if m.date > today and m.code != "#"})
    if future:
        warnings.append(f"{len(future)} day{'s' * (len(future) != 1)} after today "
                        f"({_dates(future)}) {'have' if len(future) != 1 else 'has'} marks: "
                        "a register is taken on the day, so export only up to today.")
    weekend = sorted({m.date for m in marks if m.date.weekday() >= 5})
    if weekend:
        warnings.append(f"Marks on a Saturday or Sunday ({_dates(weekend)}): check the "
                        "export's dates are the school days, written day first.")
    closed = set(closures)
    holidays = bank_holidays(first.year, last.year)
    wrong = sorted({m.date for m in marks if m.code != "#" and (
        m.date in holidays or (m.date, m.session) in closed)})
    if wrong:
        warnings.append(f"Marks other than # on {_dates(wrong)}, when the school was closed "
                        "(a bank holiday, or # for the rest of the class): mark planned "
                        "closures # in the MIS and export again.")
    weeks = sorted(per_week)
    short = [w for w in weeks if per_week[w] == 1]
    if short:
        warnings.append(f"{len(short)} school week{'s' * (len(short) != 1)} "
                        f"{'have' if len(short) != 1 else 'has'} only one session "
                        f"(week{'s' * (len(short) != 1)} beginning {_dates(short)}): check "
                        "the export is not missing marks.")
    school_days = len({m.date for m in marks if m.code != "#"})
    return Preview(
        marks=list(marks), first=first, last=last, school_days=school_days, weeks=len(weeks),
        sessions_per_week=round(sum(per_week.values()) / len(weeks), 1) if weeks else 0.0,
        codes=found, legacy=legacy, holidays=_runs(sorted({m.date for m in marks
                                                           if m.code == "#"})),
        warnings=warnings)


def _dates(dates: Sequence[dt.date], limit: int = 5) -> str:
    shown = ", ".join(fmt(d) for d in dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def _runs(dates: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Group dates into runs, a weekend inside a run not breaking it."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in dates:
        if runs and (d - runs[-1][1]).days <= 3 and all(
                (runs[-1][1] + dt.timedelta(days=k)).weekday() >= 5
                for k in range(1, (d - runs[-1][1]).days)):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def bank_holidays(first_year: int, last_year: int) -> set[dt.date]:
    """England's bank holidays (with substitute days and the one-off changes since 2020)."""
    out: set[dt.date] = set()
    for y in range(first_year, last_year + 1):
        new_year = dt.date(y, 1, 1)
        out.add(new_year + dt.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
        e = easter(y)
        out |= {e - dt.timedelta(days=2), e + dt.timedelta(days=1)}
        out.add({2020: dt.date(2020, 5, 8)}.get(y, _first_monday(y, 5)))
        out.add({2022: dt.date(2022, 6, 2)}.get(y, _last_monday(y, 5)))
        out.add(_last_monday(y, 8))
        christmas, boxing = dt.date(y, 12, 25), dt.date(y, 12, 26)
        if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
            out |= {dt.date(y, 12, 27), dt.date(y, 12, 28)}
        elif christmas.weekday() == 6:  # Sunday: Tuesday for Christmas, Monday for Boxing Day
            out |= {dt.date(y, 12, 26), dt.date(y, 12, 27)}
        else:
            out |= {christmas, boxing if boxing.weekday() < 5 else dt.date(y, 12, 28)}
        extra = {2022: (dt.date(2022, 6, 3), dt.date(2022, 9, 19)), 2023: (dt.date(2023, 5, 8),)}
        out |= set(extra.get(y, ()))
    return out


def _first_monday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())
