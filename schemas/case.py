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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from referral_builder.domain import codes
from referral_builder.domain.errors import InvalidCase, RegisterImportError, UnknownCode
from referral_builder.domain.model import (
    AGENCIES,
    DIRECTIONS,
    DOCUMENT_KINDS,
    EVENT_TYPES,
    FLAG_NAMES,
    LETTER_PURPOSES,
    MEDICAL_WITH,
    MEETING_KINDS,
    MEETING_STATUSES,
    NOTICE_STATUSES,
    RETURN_KINDS,
    SEND_LEVELS,
    SESSIONS,
    SUPPORT_OUTCOMES,
    SUPPORTS,
    Carer,
    Case,
    Declaration,
    Document,
    Event,
    Flags,
    Mark,
    Person,
    Pupil,
    School,
    SchoolCalendar,
    Sibling,
    Term,
)

FORMAT = "referral-case/1"

TOP_LEVEL = ("format", "reference", "authority", "school_process", "referral_date", "school",
             "pupil", "carers", "register", "events", "documents", "not_applicable",
             "free_text", "declaration", "siblings", "calendar")
CALENDAR_KEYS = ("terms", "closures")
TERM_KEYS = ("from", "to")
SCHOOL_KEYS = ("name", "urn", "local_authority", "head_teacher", "address")
PUPIL_KEYS = ("first_name", "last_name", "date_of_birth", "upn", "year_group", "address",
              "admission_date", "flags")
CARER_KEYS = ("id", "name", "relationship", "parental_responsibility", "day_to_day_care",
              "address", "email", "phone", "contact_restriction", "date_of_birth")
DOCUMENT_KEYS = ("id", "file", "title", "kind")
SIBLING_KEYS = ("name", "date_of_birth", "school")
REGISTER_KEYS = ("marks", "csv", "file", "pupil", "sheet")
DECLARATION_KEYS = ("confirmed", "name", "role", "at", "case_sha256")  # sha: services.referrals
#: Event keys in the file; `with` is `with_` in the model (a Python keyword).
EVENT_KEYS = ("id", "type", "date", "time", "by", "to", "summary", "documents", "purposes",
              "meeting", "states_attendance_pct", "encloses", "direction", "with", "outcome",
              "kind", "attended", "status", "plan_agreed", "agency", "support", "service",
              "internal", "consent_requested", "of", "improved", "template", "evidence_for",
              "replaces", "requested_by_parent", "return")
#: Model field names that differ from the file's keys (Python keywords).
_FIELD_KEYS = {"with_": "with", "return_": "return"}
_CARER_WITH = ("phone_call", "home_visit")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass
class LoadedCase:
    """A valid case and what the reader noticed without refusing it."""

    case: Case
    warnings: list[str] = field(default_factory=list)


class _Reader:
    """Collects every problem with its path; `warnings` for what is kept or ignored."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.warnings: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def mapping(self, value: Any, path: str, known: Iterable[str], *, strict: bool
                ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(path, f"must be an object, not {_kind(value)}")
            return {}
        unknown = [k for k in value if k not in known]
        for key in unknown:
            if strict:
                self.problem(_join(path, key), "is not a field of referral-case/1 (a typo?)")
            else:
                self.warnings.append(f"{_join(path, key)}: not a field of referral-case/1; "
                                     "ignored")
        return value

    def text(self, d: dict[str, Any], key: str, path: str, *, required: bool = False,
             default: str = "") -> str:
        value = d.get(key)
        if value is None:
            if required:
                self.problem(_join(path, key), "is required")
            return default
        if not isinstance(value, str):
            self.problem(_join(path, key), f"must be text, not {_kind(value)}")
            return default
        if required and not value.strip():
            self.problem(_join(path, key), "must not be empty")
        return value

    def optional_text(self, d: dict[str, Any], key: str, path: str) -> str | None:
        if d.get(key) is None:
            return None
        return self.text(d, key, path)

    def choice(self, d: dict[str, Any], key: str, path: str, allowed: tuple[str, ...],
               *, default: str | None = None) -> str | None:
        value = d.get(key)
        if value is None:
            return default
        if value not in allowed:
            self.problem(_join(path, key), f"{json.dumps(value)} is not one of: "
                                           f"{', '.join(allowed)}")
            return default
        return str(value)

    def boolean(self, d: dict[str, Any], key: str, path: str) -> bool | None:
        value = d.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problem(_join(path, key), f"must be true or false, not {json.dumps(value)}")
            return None
        return value

    def date(self, d: dict[str, Any], key: str, path: str, *, required: bool = False
             ) -> dt.date | None:
        value = d.get(key)
        if value is None:
            if required:
                self.problem(_join(path, key), "is required")
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                self.problem(_join(path, key), f'"{value}" is not a real date')
                return None
        self.problem(_join(path, key), f"{json.dumps(value)} is not a date (YYYY-MM-DD)")
        return None

    def strings(self, d: dict[str, Any], key: str, path: str,
                allowed: tuple[str, ...] | None = None, *, one_allowed: bool = False,
                ) -> tuple[str, ...] | None:
        value = d.get(key)
        if value is None:
            return None
        if one_allowed and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(_join(path, key), "must be a list of text values")
            return None
        for n, v in enumerate(value):
            if allowed is not None and v not in allowed:
                self.problem(f"{_join(path, key)}[{n}]",
                             f'"{v}" is not one of: {", ".join(allowed)}')
        return tuple(value)

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list, not {_kind(value)}")
            return []
        return value


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
                       role=r.text(d, "role", "declaration"), at=at)


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


def _register(r: _Reader, value: Any, base_dir: Path | None) -> tuple[Mark, ...]:
    if value is None:
        return ()
    d = r.mapping(value, "register", REGISTER_KEYS, strict=True)
    given = [k for k in ("marks", "csv", "file") if k in d]
    if len(given) > 1:
        r.problem("register", f'give one of "marks", "csv" or "file", not '
                              f'{" and ".join(json.dumps(k) for k in given)}')
        return ()
    if given != ["file"]:
        for key in ("pupil", "sheet"):
            if key in d:
                r.problem(f"register.{key}", 'goes with "file" (a register export)')
    if given in (["csv"], ["file"]):
        return _register_file(r, d, given[0], base_dir)
    marks: list[Mark] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for n, raw in enumerate(r.items(d.get("marks"), "register.marks")):
        path = f"register.marks[{n}]"
        m = r.mapping(raw, path, ("date", "session", "code"), strict=True)
        date = r.date(m, "date", path, required=True)
        session = r.choice(m, "session", path, SESSIONS)
        if m.get("session") is None:  # null too: else the mark is silently dropped
            r.problem(f"{path}.session", "is required")
        raw_code = m.get("code")
        if not isinstance(raw_code, str) or not raw_code.strip():
            r.problem(f"{path}.code", "is required (a DfE attendance code)")
            continue
        if date is None or session is None:
            continue
        code = codes.normalise(raw_code)
        try:
            codes.lookup(code, date)
        except UnknownCode:
            r.problem(f"{path}.code", f'"{raw_code}" is not a DfE attendance code')
            continue
        if (date, session) in seen:
            r.problem(path, f"{date.isoformat()} {session} is already register.marks"
                            f"[{seen[date, session]}]")
            continue
        seen[date, session] = n
        marks.append(Mark(date, session, code))  # type: ignore[arg-type]  # one of SESSIONS
    return tuple(marks)


def _register_file(r: _Reader, d: dict[str, Any], key: str, base_dir: Path | None
                   ) -> tuple[Mark, ...]:
    """`register.csv` or `register.file`: a CSV or XLSX export of any supported shape."""
    from referral_builder.services.registers import RegisterFileError, import_marks

    name = d[key]
    path = f"register.{key}"
    if not isinstance(name, str) or not _inside(name):
        r.problem(path, "must be a path inside the case's folder")
        return ()
    pupil = r.optional_text(d, "pupil", "register")
    sheet = r.optional_text(d, "sheet", "register")
    if base_dir is None:
        r.problem(path, "a register file can only be read from a case file on disk")
        return ()
    try:
        data = (base_dir / name).read_bytes()
    except OSError as exc:
        r.problem(path, f"cannot read {name}: {exc.strerror}")
        return ()
    try:
        return tuple(import_marks(data, pupil=pupil or None, sheet=sheet or None))
    except RegisterFileError as exc:
        r.problem(path, f"{name}: {exc}")
    except RegisterImportError as exc:
        for line, message in exc.problems:
            r.problem(path, f"{name} line {line}: {message}" if line else f"{name}: {message}")
    return ()


# ---- events ---------------------------------------------------------------------------

def _events(r: _Reader, value: Any) -> tuple[Event, ...]:
    events = [_event(r, raw, f"events[{n}]") for n, raw in enumerate(r.items(value, "events"))]
    _unique(r, "events", [e.id for e in events])
    return tuple(events)


def _event(r: _Reader, raw: Any, path: str) -> Event:
    d = r.mapping(raw, path, EVENT_KEYS, strict=False)
    # Unknown keys were warned about above; keep them for a lossless round trip.
    extra = {k: v for k, v in d.items() if k not in EVENT_KEYS}
    type_ = r.choice(d, "type", path, EVENT_TYPES) or ""
    if d.get("type") is None:  # null too: a typeless event would be written, then refused
        r.problem(f"{path}.type", "is required")
    if "date" not in d:
        r.problem(f"{path}.date", "is required (null when the date is not known)")
    time = r.optional_text(d, "time", path)
    if time is not None and not _TIME.fullmatch(time):
        r.problem(f"{path}.time", f'"{time}" is not a time (HH:MM, 24-hour)')
    by = None
    if d.get("by") is not None:
        b = r.mapping(d["by"], f"{path}.by", ("name", "role"), strict=False)
        by = Person(r.text(b, "name", f"{path}.by"), r.text(b, "role", f"{path}.by"))
    pct = d.get("states_attendance_pct")
    if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int | float)
                            or not 0 <= pct <= 100):
        r.problem(f"{path}.states_attendance_pct", f"{json.dumps(pct)} is not a percentage")
        pct = None
    status_choices = {"meeting": MEETING_STATUSES, "notice_to_improve": NOTICE_STATUSES,
                      "penalty_notice": NOTICE_STATUSES}.get(type_)
    with_ = r.strings(d, "with", path, MEDICAL_WITH if type_ == "medical_inquiry" else None,
                      one_allowed=True)
    outcome = (r.choice(d, "outcome", path, SUPPORT_OUTCOMES) if type_ == "support_offer"
               else r.optional_text(d, "outcome", path))
    attended = r.strings(d, "attended", path)
    return Event(
        id=r.text(d, "id", path, required=True),
        type=type_,
        date=r.date(d, "date", path),
        time=time,
        by=by,
        to=r.strings(d, "to", path) or (),
        summary=r.text(d, "summary", path),
        documents=r.strings(d, "documents", path) or (),
        purposes=r.strings(d, "purposes", path, LETTER_PURPOSES) or (),
        meeting=r.optional_text(d, "meeting", path),
        states_attendance_pct=float(pct) if pct is not None else None,
        encloses=r.strings(d, "encloses", path) or (),
        direction=r.choice(d, "direction", path, DIRECTIONS, default="outgoing") or "outgoing",
        with_=with_ or (),
        outcome=outcome,
        kind=r.choice(d, "kind", path, MEETING_KINDS),
        attended=attended,
        status=r.choice(d, "status", path, status_choices) if status_choices
        else r.optional_text(d, "status", path),
        plan_agreed=r.boolean(d, "plan_agreed", path),
        agency=r.choice(d, "agency", path, AGENCIES),
        support=r.choice(d, "support", path, SUPPORTS),
        service=r.optional_text(d, "service", path),
        internal=r.boolean(d, "internal", path),
        consent_requested=r.boolean(d, "consent_requested", path),
        of=r.optional_text(d, "of", path),
        improved=r.boolean(d, "improved", path),
        template=r.optional_text(d, "template", path),
        evidence_for=r.strings(d, "evidence_for", path) or (),
        replaces=r.optional_text(d, "replaces", path),
        requested_by_parent=r.boolean(d, "requested_by_parent", path),
        return_=r.choice(d, "return", path, RETURN_KINDS),
        extra=extra,
    )


def _check_references(r: _Reader, case: Case) -> None:
    """Every id an event names must exist: a dangling reference names both ends."""
    carers = {c.id for c in case.carers}
    documents = {d.id for d in case.documents}
    events = {e.id: e for e in case.events}
    for n, e in enumerate(case.events):
        path = f"events[{n}]"
        people = [("to", e.to), ("attended", e.attended or ())]
        if e.type in _CARER_WITH:
            people.append(("with", e.with_))
        for key, ids in people:
            for k, cid in enumerate(ids):
                if cid not in carers:
                    r.problem(f"{path}.{key}[{k}]", f'no carer with id "{cid}"')
        for k, did in enumerate(e.documents):
            if did not in documents:
                r.problem(f"{path}.documents[{k}]", f'no document with id "{did}"')
        if e.meeting is not None:
            target = events.get(e.meeting)
            if target is None or target.type != "meeting":
                r.problem(f"{path}.meeting", f'no meeting with id "{e.meeting}"')
        elif "meeting_invite" in e.purposes:
            r.warnings.append(f"{path}: a meeting invitation should name its meeting "
                              "(meeting); without it the notice given cannot be checked")
        if e.of is not None and e.of not in events:
            r.problem(f"{path}.of", f'no event with id "{e.of}"')
        if e.replaces is not None:
            old = events.get(e.replaces)
            if e.type != "meeting":
                r.problem(f"{path}.replaces", "only a meeting can replace a meeting")
            elif old is None or old.type != "meeting":
                r.problem(f"{path}.replaces", f'no meeting with id "{e.replaces}"')
            elif old.id == e.id:
                r.problem(f"{path}.replaces", "a meeting cannot replace itself")
            elif old.status not in ("rescheduled", "cancelled"):
                r.warnings.append(f"{path}.replaces: the meeting it replaces "
                                  f'("{old.id}") should have status "rescheduled"')
        if e.date is None and e.type:
            r.warnings.append(f"{path}: the {e.type.replace('_', ' ')} has no date, so it "
                              "cannot count as evidence")


def _unique(r: _Reader, path: str, ids: list[str]) -> None:
    first: dict[str, int] = {}
    for n, i in enumerate(ids):
        if i and i in first:
            r.problem(f"{path}[{n}].id", f'"{i}" is already used by {path}[{first[i]}]')
        first.setdefault(i, n)


# ---- writing --------------------------------------------------------------------------

def dump_case(case: Case) -> dict[str, Any]:
    """Return the `referral-case/1` document for a case (load_case reads it back equal)."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "reference": case.reference,
        "authority": case.authority,
    }
    if case.school_process:
        out["school_process"] = case.school_process
    out["referral_date"] = case.referral_date.isoformat()
    out["school"] = _plain(case.school)
    pupil = _plain(case.pupil)
    pupil["flags"] = _plain(case.pupil.flags)
    out["pupil"] = pupil
    # Optional fields added after v1's first release are written only when set.
    out["carers"] = [_without(_plain(c), date_of_birth=None) for c in case.carers]
    out["register"] = {"marks": [{"date": m.date.isoformat(), "session": m.session,
                                  "code": m.code} for m in case.marks]}
    out["events"] = [dump_event(e) for e in case.events]
    out["documents"] = [_without(_plain(d), kind="other") for d in case.documents]
    out["not_applicable"] = dict(case.not_applicable)
    out["free_text"] = dict(case.free_text)
    if case.siblings is not None:
        out["siblings"] = [_plain(s) for s in case.siblings]
    if case.calendar is not None:
        out["calendar"] = {"terms": [{"from": t.start.isoformat(), "to": t.end.isoformat()}
                                     for t in case.calendar.terms],
                           "closures": [d.isoformat() for d in case.calendar.closures]}
    decl = case.declaration
    out["declaration"] = {"confirmed": decl.confirmed, "name": decl.name, "role": decl.role,
                          "at": decl.at.isoformat() if decl.at else None}
    return out


def dump_event(e: Event) -> dict[str, Any]:
    """One event as in the file: id, type and date, then only the fields that are set."""
    defaults = Event(id="", type="", date=None)
    out: dict[str, Any] = {"id": e.id, "type": e.type,
                           "date": e.date.isoformat() if e.date else None}
    for f in fields(Event):
        if f.name in ("id", "type", "date", "extra"):
            continue
        value = getattr(e, f.name)
        if value == getattr(defaults, f.name):
            continue
        key = _FIELD_KEYS.get(f.name, f.name)
        if isinstance(value, Person):
            value = {"name": value.name, "role": value.role}
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    out.update(e.extra)
    return out


def _without(d: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not (k in defaults and v == defaults[k])}


def _plain(obj: Any) -> dict[str, Any]:
    out = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Flags):
            continue
        out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


# ---- helpers --------------------------------------------------------------------------

def _inside(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and not p.is_absolute() and ".." not in p.parts and ":" not in name


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "an object", list: "a list", str: "text", bool: "true/false",
                              int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
