"""Writing a case back as `referral-case/1` (`load_case` reads it back equal)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from referral_builder.schemas.case_reader import _FIELD_KEYS, FORMAT

from referral_builder.domain.model import Case, Event, Flags, Person


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
    if decl.case_sha256:
        out["declaration"]["case_sha256"] = decl.case_sha256
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
