"""Read and write case files in the published `referral-case/1` format (case-format.md).

`load_case` validates a parsed JSON document and builds the domain `Case`; every problem is
reported with the path of the field (``events[3].meeting: no meeting with id "m9"``), all of
them at once, and nothing is built from a document with a problem. `dump_case` writes a case
back so that loading it again gives the same case.

The format is a contract: unknown top-level keys and unknown `flags` are errors (a typo must
not be ignored silently); unknown keys inside an event are kept (`Event.extra`) with a warning,
so that a newer writer's fields survive a round trip through this reader.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from referral_builder.schemas.case_events import _check_references, _events, _register, _unique
from referral_builder.schemas.case_reader import (
    CALENDAR_KEYS,
    CARER_KEYS,
    DECLARATION_KEYS,
    DOCUMENT_KEYS,
    EVENT_KEYS,
    FORMAT,
    PUPIL_KEYS,
    SCHOOL_KEYS,
    SIBLING_KEYS,
    TERM_KEYS,
    TOP_LEVEL,
    _inside,
    _kind,
    _Reader,
)
from referral_builder.schemas.case_writer import dump_case, dump_event

from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import (
    DOCUMENT_KINDS,
    FLAG_NAMES,
    SEND_LEVELS,
    Carer,
    Case,
    Declaration,
    Document,
    Flags,
    Pupil,
    School,
    SchoolCalendar,
    Sibling,
    Term,
)

__all__ = ["EVENT_KEYS", "FORMAT", "LoadedCase", "dump_case", "dump_event", "load_case",
           "load_case_calendar", "load_case_file"]


@dataclass
class LoadedCase:
    """A valid case and what the reader noticed without refusing it."""

    case: Case
    warnings: list[str] = field(default_factory=list)



def load_case(data: Any, base_dir: Path | None = None) -> LoadedCase:
    """Validate a parsed `referral-case/1` document and return the case.

    `base_dir` is the case file's folder, for `register.csv`. Raise InvalidCase naming the
    first problem's field path; `problems` on the exception lists every (path, message).
    """
    r = _Reader()
    top = r.mapping(data, "", TOP_LEVEL, strict=True)
    if not isinstance(data, dict):
        _raise(r)
    if top.get("format") != FORMAT:
        r.problem("format", f'must be "{FORMAT}", not {json.dumps(top.get("format"))}')
        _raise(r)

    carers = _carers(r, top.get("carers"))
    documents = _documents(r, top.get("documents"))
    events = _events(r, top.get("events"))
    case = Case(
        reference=r.text(top, "reference", "", required=True),
        authority=r.text(top, "authority", "", required=True),
        school_process=r.optional_text(top, "school_process", "") or None,
        referral_date=r.date(top, "referral_date", "", required=True) or dt.date.min,
        school=_school(r, top.get("school")),
        pupil=_pupil(r, top.get("pupil")),
        carers=carers,
        marks=_register(r, top.get("register"), base_dir),
        events=events,
        documents=documents,
        not_applicable=_text_map(r, top, "not_applicable"),
        free_text=_text_map(r, top, "free_text"),
        declaration=_declaration(r, top.get("declaration")),
        siblings=_siblings(r, top.get("siblings")),
        calendar=_school_calendar(r, top.get("calendar")),
    )
    # null is missing too: accepting it would write a case (empty names, no date of birth)
    # that this reader then refuses (found by tests/fuzz).
    if top.get("school") is None:
        r.problem("school", "is required")
    if top.get("pupil") is None:
        r.problem("pupil", "is required")
    _check_references(r, case)
    if r.problems:
        _raise(r)
    return LoadedCase(case, r.warnings)


def load_case_file(path: Path) -> LoadedCase:
    """Read a case file from disk; a file that is not JSON is an InvalidCase too."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidCase("", f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidCase("", f"{path} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidCase("", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}") from None
    return load_case(data, path.parent)


def _raise(r: _Reader) -> None:
    path, message = r.problems[0]
    more = len(r.problems) - 1
    exc = InvalidCase(path, message + (f" (and {more} more problem{'s' * (more > 1)})"
                                       if more else ""))
    exc.problems = list(r.problems)
    raise exc



# ---- sections -------------------------------------------------------------------------

def _school(r: _Reader, value: Any) -> School:
    d = r.mapping(value, "school", SCHOOL_KEYS, strict=False) if value is not None else {}
    return School(name=r.text(d, "name", "school", required=value is not None),
                  **{k: r.text(d, k, "school") for k in SCHOOL_KEYS[1:]})


def _pupil(r: _Reader, value: Any) -> Pupil:
    if value is None:
        return Pupil("", "", dt.date.min)
    d = r.mapping(value, "pupil", PUPIL_KEYS, strict=False)
    return Pupil(
        first_name=r.text(d, "first_name", "pupil", required=True),
        last_name=r.text(d, "last_name", "pupil", required=True),
        date_of_birth=r.date(d, "date_of_birth", "pupil", required=True) or dt.date.min,
        upn=r.text(d, "upn", "pupil"),
        year_group=r.text(d, "year_group", "pupil"),
        address=r.text(d, "address", "pupil"),
        admission_date=r.date(d, "admission_date", "pupil"),
        flags=_flags(r, d.get("flags")),
    )


def _flags(r: _Reader, value: Any) -> Flags:
    if value is None:
        return Flags()
    d = r.mapping(value, "pupil.flags", (*FLAG_NAMES, "send"), strict=True)
    bools = {name: r.boolean(d, name, "pupil.flags") or False for name in FLAG_NAMES}
    send = r.choice(d, "send", "pupil.flags", SEND_LEVELS, default="none") or "none"
    return Flags(**bools, send=send)


def _carers(r: _Reader, value: Any) -> tuple[Carer, ...]:
    carers = []
    for n, raw in enumerate(r.items(value, "carers")):
        path = f"carers[{n}]"
        d = r.mapping(raw, path, CARER_KEYS, strict=False)
        carers.append(Carer(
            id=r.text(d, "id", path, required=True),
            name=r.text(d, "name", path, required=True),
            relationship=r.text(d, "relationship", path),
            parental_responsibility=r.boolean(d, "parental_responsibility", path) or False,
            day_to_day_care=r.boolean(d, "day_to_day_care", path) or False,
            address=r.text(d, "address", path),
            email=r.text(d, "email", path),
            phone=r.text(d, "phone", path),
            contact_restriction=r.optional_text(d, "contact_restriction", path) or None,
            date_of_birth=r.date(d, "date_of_birth", path),
        ))
    _unique(r, "carers", [c.id for c in carers])
    return tuple(carers)


def _documents(r: _Reader, value: Any) -> tuple[Document, ...]:
    documents = []
    for n, raw in enumerate(r.items(value, "documents")):
        path = f"documents[{n}]"
        d = r.mapping(raw, path, DOCUMENT_KEYS, strict=False)
        file = r.text(d, "file", path, required=True)
        if file and not _inside(file):
            r.problem(f"{path}.file", f'"{file}" must be a path inside the case\'s folder')
        documents.append(Document(id=r.text(d, "id", path, required=True), file=file,
                                  title=r.text(d, "title", path),
                                  kind=r.choice(d, "kind", path, DOCUMENT_KINDS,
                                                default="other") or "other"))
    _unique(r, "documents", [d.id for d in documents])
    return tuple(documents)


def _siblings(r: _Reader, value: Any) -> tuple[Sibling, ...] | None:
    """`siblings` is optional: absent means not recorded, [] means recorded as none."""
    if value is None:
        return None
    siblings = []
    for n, raw in enumerate(r.items(value, "siblings")):
        path = f"siblings[{n}]"
        d = r.mapping(raw, path, SIBLING_KEYS, strict=True)
        siblings.append(Sibling(name=r.text(d, "name", path, required=True),
                                date_of_birth=r.date(d, "date_of_birth", path),
                                school=r.text(d, "school", path)))
    return tuple(siblings)


def load_case_calendar(data: Any) -> SchoolCalendar | None:
    """Read a `calendar` value on its own (a school's stored term dates); InvalidCase if bad."""
    r = _Reader()
    calendar = _school_calendar(r, data)
    if r.problems:
        _raise(r)
    return calendar


def _school_calendar(r: _Reader, value: Any) -> SchoolCalendar | None:
    """The optional `calendar`: term dates and closure days (readers accept its absence)."""
    if value is None:
        return None
    d = r.mapping(value, "calendar", CALENDAR_KEYS, strict=True)
    terms: list[Term] = []
    for n, raw in enumerate(r.items(d.get("terms"), "calendar.terms")):
        path = f"calendar.terms[{n}]"
        t = r.mapping(raw, path, TERM_KEYS, strict=True)
        start, end = r.date(t, "from", path, required=True), r.date(t, "to", path, required=True)
        if start is not None and end is not None:
            if end < start:
                r.problem(f"{path}.to", f"{end.isoformat()} is before its from "
                                        f"({start.isoformat()})")
            else:
                terms.append(Term(start, end))
    ordered = sorted(terms, key=lambda t: t.start)
    for a, b in itertools.pairwise(ordered):
        if b.start <= a.end:
            r.problem("calendar.terms", f"the term {b.start.isoformat()} to {b.end.isoformat()} "
                                        f"overlaps the term {a.start.isoformat()} to "
                                        f"{a.end.isoformat()}")
    closures: list[dt.date] = []
    raw_closures = r.items(d.get("closures"), "calendar.closures")
    for n, raw in enumerate(raw_closures):
        day = r.date({"d": raw}, "d", "") if raw is not None else None
        if day is None:
            if r.problems and r.problems[-1][0] == "d":
                r.problems[-1] = (f"calendar.closures[{n}]", r.problems[-1][1])
            else:
                r.problem(f"calendar.closures[{n}]", "null is not a date (YYYY-MM-DD)")
            continue
        closures.append(day)
    return SchoolCalendar(tuple(ordered),
                          tuple(sorted(set(closures))))


def _declaration(r: _Reader, value: Any) -> Declaration:
    if value is None:
        return Declaration()
    d = r.mapping(value, "declaration", DECLARATION_KEYS, strict=False)
    at: dt.datetime | None = None
    if d.get("at") is not None:
        try:
            at = dt.datetime.fromisoformat(d["at"]) if isinstance(d["at"], str) else None
        except ValueError:
            at = None
        if at is None:
            r.problem("declaration.at", f"{json.dumps(d['at'])} is not a date and time "
                                        "(YYYY-MM-DDTHH:MM:SS)")
    return Declaration(confirmed=r.boolean(d, "confirmed", "declaration") or False,
                       name=r.text(d, "name", "declaration"),
                       role=r.text(d, "role", "declaration"), at=at,
                       case_sha256=r.text(d, "case_sha256", "declaration"))


def _text_map(r: _Reader, top: dict[str, Any], key: str) -> dict[str, str]:
    value = top.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        r.problem(key, f"must be an object of id: text, not {_kind(value)}")
        return {}
    for k, v in value.items():
        if not isinstance(v, str) or not v.strip():
            r.problem(f"{key}.{k}", "must be a sentence saying why")
    return {k: v for k, v in value.items() if isinstance(v, str)}
