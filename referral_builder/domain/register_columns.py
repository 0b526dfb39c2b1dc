"""The columns of a register export: which header means what, the three shapes, the pupil
columns of a whole-class file, and the rows of text cells `register_import` reads marks from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import SESSIONS, Session

DELIMITERS = ",;\t"


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


SESSION_WORDS: dict[str, Session] = {"am": "AM", "pm": "PM", "morning": "AM",
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
        if len(first.cells) > 1 and first.cells[1].lower() in SESSION_WORDS:
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


def is_pupil(row: Row, mapping: Mapping, pupil: str) -> bool:
    key, _label, ids = _pupil_of(row, mapping)
    wanted = pupil.strip().casefold()
    return wanted in {key.casefold(), *(i.casefold() for i in ids)}


def _delimiter(text: str) -> str:
    sample = "\n".join([line for line in text.splitlines() if line.strip()][:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # e.g. one column, or rows of uneven width: count on the first line
        first = sample.partition("\n")[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
