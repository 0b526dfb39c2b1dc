"""The `referral-case/1` keys and the reader that collects every problem with its path
(used by `schemas.case`, `schemas.case_events`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

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
