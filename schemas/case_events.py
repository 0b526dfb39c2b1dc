"""Reading a case's register marks and events, and checking that what they refer to exists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from referral_builder.schemas.case_reader import (
    _CARER_WITH,
    _TIME,
    EVENT_KEYS,
    REGISTER_KEYS,
    _inside,
    _Reader,
)

from referral_builder.domain import codes
from referral_builder.domain.errors import RegisterImportError, UnknownCode
from referral_builder.domain.model import (
    AGENCIES,
    DIRECTIONS,
    EVENT_TYPES,
    LETTER_PURPOSES,
    MEDICAL_WITH,
    MEETING_KINDS,
    MEETING_STATUSES,
    NOTICE_STATUSES,
    RETURN_KINDS,
    SESSIONS,
    SUPPORT_OUTCOMES,
    SUPPORTS,
    Case,
    Event,
    Mark,
    Person,
)


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
        marks.append(Mark(date, session, code))
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
