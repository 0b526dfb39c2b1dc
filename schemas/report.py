"""Write and read check reports in the published `referral-check/1` format (case-format.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from referral_builder.domain.errors import InvalidReport
from referral_builder.domain.results import (
    STATUSES,
    AttendanceSummary,
    ChecklistRef,
    CheckReport,
    ItemResult,
)

FORMAT = "referral-check/1"
_COUNTS = ("possible", "present", "approved_activity", "authorised", "unauthorised",
           "max_unauthorised_in_10_school_weeks", "unresolved_n")


def dump_report(report: CheckReport) -> dict[str, Any]:
    """Return the report as the `referral-check/1` JSON document."""
    a = report.attendance
    return {
        "format": FORMAT,
        "case": report.case,
        "as_of": report.as_of.isoformat(),
        "checklists": [{"id": c.id, "version": c.version, "title": c.title,
                        **({"effective_from": c.effective_from.isoformat()}
                           if c.effective_from else {})}
                       for c in report.checklists],
        "ready": report.ready,
        "items": [{"id": i.id, "checklist": i.checklist, "number": i.number,
                   "wording": i.wording, "mandatory": i.mandatory, "status": i.status,
                   "evidence": list(i.evidence), "reasons": list(i.reasons)}
                  for i in report.items],
        "attendance": {
            "from": a.start.isoformat() if a.start else None,
            "to": a.end.isoformat() if a.end else None,
            **{k: getattr(a, k) for k in _COUNTS[:5]},
            "attendance_pct": a.attendance_pct,
            "persistent_absence": a.persistent_absence,
            "severe_absence": a.severe_absence,
            **{k: getattr(a, k) for k in _COUNTS[5:]},
        },
        "warnings": list(report.warnings),
    }


def load_report(data: Any) -> CheckReport:
    """Read a `referral-check/1` document (as embedded in a bundle); InvalidReport names the field.

    `ready` is not read back: it is derived from the items, so a report cannot claim to be
    ready with an item not met.
    """
    d = _obj(data, "")
    if d.get("format") != FORMAT:
        raise InvalidReport("format", f'must be "{FORMAT}"')
    items = []
    for n, raw in enumerate(_list(d, "items")):
        path = f"items[{n}]"
        i = _obj(raw, path)
        status = i.get("status")
        if status not in STATUSES:
            raise InvalidReport(f"{path}.status", f"must be one of {', '.join(STATUSES)}")
        items.append(ItemResult(
            id=_str(i, "id", path), checklist=_str(i, "checklist", path),
            number=str(i.get("number", "")), wording=str(i.get("wording", "")),
            mandatory=bool(i.get("mandatory", True)), status=status,
            evidence=tuple(str(e) for e in i.get("evidence") or ()),
            reasons=tuple(str(r) for r in i.get("reasons") or ())))
    refs = []
    for n, raw in enumerate(_list(d, "checklists")):
        c = _obj(raw, f"checklists[{n}]")
        refs.append(ChecklistRef(_str(c, "id", f"checklists[{n}]"), str(c.get("version", "")),
                                 str(c.get("title", "")),
                                 _date(c.get("effective_from"), f"checklists[{n}]")))
    a = _obj(d.get("attendance"), "attendance")
    counts = {}
    for key in _COUNTS:
        value = a.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidReport(f"attendance.{key}", "must be a whole number")
        counts[key] = value
    attendance = AttendanceSummary(
        start=_date(a.get("from"), "attendance.from"), end=_date(a.get("to"), "attendance.to"),
        persistent_absence=bool(a.get("persistent_absence")),
        severe_absence=bool(a.get("severe_absence")), **counts)
    as_of = _date(d.get("as_of"), "as_of")
    if as_of is None:
        raise InvalidReport("as_of", "is required")
    return CheckReport(case=_str(d, "case", ""), as_of=as_of, checklists=tuple(refs),
                       items=tuple(items), attendance=attendance,
                       warnings=tuple(str(w) for w in d.get("warnings") or ()))


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidReport(path, "must be an object")
    return value


def _list(d: dict[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    if not isinstance(value, list):
        raise InvalidReport(key, "must be a list")
    return value


def _str(d: dict[str, Any], key: str, path: str) -> str:
    value = d.get(key)
    if not isinstance(value, str):
        raise InvalidReport(f"{path}.{key}" if path else key, "must be text")
    return value


def _date(value: Any, path: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidReport(path, f"{value!r} is not a date (YYYY-MM-DD)") from None
