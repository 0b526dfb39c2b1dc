"""DfE attendance codes: the 2024 set and the legacy set, chosen by session date.

Sources: SI 2024/208 reg 10 and WTISA (August 2024); legacy tables before 19 August 2024.
See shared/domain-rules.md section 2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .errors import UnknownCode

#: First session date read with the 2024 code set.
CODES_2024_FROM = dt.date(2024, 8, 19)


class SessionClass(StrEnum):
    PRESENT = "present"
    AEA = "aea"  # approved educational activity: counts as attendance
    AUTH = "auth"
    UNAUTH = "unauth"
    NOT_POSSIBLE = "not_possible"
    CLOSURE = "closure"  # the school did not meet: not a school session


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    cls: SessionClass

    @property
    def possible(self) -> bool:
        return self.cls in POSSIBLE


POSSIBLE = frozenset(
    {SessionClass.PRESENT, SessionClass.AEA, SessionClass.AUTH, SessionClass.UNAUTH})

_P, _A, _AU, _UN, _NP, _CL = (
    SessionClass.PRESENT,
    SessionClass.AEA,
    SessionClass.AUTH,
    SessionClass.UNAUTH,
    SessionClass.NOT_POSSIBLE,
    SessionClass.CLOSURE,
)

_COMMON: list[Code] = [
    Code("/", "Present (AM)", _P),
    Code("\\", "Present (PM)", _P),
    Code("L", "Late before the register closed", _P),
    Code("V", "Educational visit or trip", _A),
    Code("P", "Approved sporting activity", _A),
    Code("W", "Work experience", _A),
    Code("B", "Other approved off-site educational activity", _A),
    Code("D", "Dual registered: at the other school", _NP),
    Code("M", "Medical or dental appointment", _AU),
    Code("S", "Study leave", _AU),
    Code("X", "Not required to attend (non-compulsory school age)", _NP),
    Code("C", "Leave: exceptional circumstances", _AU),
    Code("T", "Parent travelling for occupational purposes", _AU),
    Code("R", "Religious observance", _AU),
    Code("I", "Illness", _AU),
    Code("E", "Suspended or excluded, no alternative provision", _AU),
    Code("G", "Holiday not granted by the school", _UN),
    Code("N", "Reason not yet established", _UN),
    Code("O", "Absent in other or unknown circumstances", _UN),
    Code("U", "Arrived after the register closed", _UN),
    Code("Z", "Prospective pupil not yet on the admission register", _NP),
    Code("#", "Planned school closure", _CL),
]

_ONLY_2024: list[Code] = [
    Code("K", "Attending education arranged by the local authority", _A),
    Code("C1", "Leave: regulated performance or employment abroad", _AU),
    Code("C2", "Leave: temporary part-time timetable", _AU),
    Code("J1", "Leave: interview for employment or another institution", _AU),
    Code("Q", "Unable to attend: lack of access arrangements", _NP),
    Code("Y1", "Unable to attend: transport not available", _NP),
    Code("Y2", "Unable to attend: widespread disruption to travel", _NP),
    Code("Y3", "Unable to attend: part of the school premises closed", _NP),
    Code("Y4", "Unable to attend: whole school site unexpectedly closed", _CL),
    Code("Y5", "Unable to attend: in criminal justice detention", _NP),
    Code("Y6", "Unable to attend: public health guidance or law", _NP),
    Code("Y7", "Unable to attend: any other unavoidable cause", _NP),
]

_ONLY_LEGACY: list[Code] = [
    Code("H", "Agreed family holiday (withdrawn 2024)", _AU),
    Code("F", "Agreed extended family holiday (withdrawn)", _AU),
    Code("J", "Interview (withdrawn 2024; was approved activity)", _A),
    Code("Y", "Unable to attend: exceptional circumstances (withdrawn 2024)", _NP),
]

CODES_2024: dict[str, Code] = {c.code: c for c in _COMMON + _ONLY_2024}
CODES_LEGACY: dict[str, Code] = {c.code: c for c in _COMMON + _ONLY_LEGACY}

#: Codes counted toward the national penalty-notice threshold (NR-09) and the 10-day return.
UNAUTH_PN = frozenset({"G", "N", "O", "U"})
MEDICAL = frozenset({"I", "M"})
#: Codes used only before 19 August 2024.
LEGACY_ONLY = frozenset(c.code for c in _ONLY_LEGACY)


def code_table(session_date: dt.date) -> dict[str, Code]:
    """Return the code table in force on `session_date`."""
    return CODES_2024 if session_date >= CODES_2024_FROM else CODES_LEGACY


def normalise(raw: str) -> str:
    """Return the canonical spelling of a mark as exported by an MIS (upper case, trimmed)."""
    code = raw.strip()
    return code if code in ("/", "\\") else code.upper()


def lookup(code: str, session_date: dt.date) -> Code:
    """Return the code for a session, or raise UnknownCode naming the code and the date.

    A code from the other era (legacy `H` after 19 August 2024, say) is still read, with its
    own meaning, because MIS exports carry such marks; `out_of_era` lets callers warn.
    """
    found = code_table(session_date).get(code)
    if found is None:
        found = (CODES_LEGACY if session_date >= CODES_2024_FROM else CODES_2024).get(code)
    if found is None:
        raise UnknownCode(f"{code!r} on {session_date.isoformat()} is not a DfE attendance code")
    return found


def out_of_era(code: str, session_date: dt.date) -> bool:
    """Tell whether `code` belongs to the other code set than the one in force on the date."""
    return code not in code_table(session_date)
