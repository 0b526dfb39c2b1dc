"""Plain words for the bundle: no event ids or internal codes on a printed page.

The published check (referral-check/1) keeps the engine's wording, ids included, so that a
machine can follow it; a person reading the bundle gets the event's kind and date instead
(issue 14.11), as the web's `plain` filter does for pages. Pure: takes the case, returns text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container

from referral_builder.domain.model import Case, Event
from referral_builder.domain.results import CheckReport

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_SHORT = {m[:3]: m for m in MONTHS}
KIND_WORDS = {"phone_call": "phone call", "home_visit": "home visit",
              "agency_contact": "agency contact", "support_offer": "support offer",
              "medical_inquiry": "medical inquiry", "notice_to_improve": "notice to improve",
              "penalty_notice": "penalty notice", "text": "text message"}
#: Kinds of event whose copy belongs in the bundle.
COPY_KINDS = ("letter", "email")

_PAREN = re.compile(r" ?\(([A-Za-z0-9_.-]{1,40})\)")
_OTHER_ID = re.compile(r" \((?:[a-z]{1,3}\d+[a-z]?|[a-z0-9]+(?:_[a-z0-9]+)+)\)")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_SHORT_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(_SHORT) + r") (\d{4})\b")
_ONE = re.compile(r"\b(?<![\d.,])1 ((?:school )?(?:day|session|week|mark|review|letter|meeting)|"
                  r"possible session|unauthorised absence)s\b")
_NONE = re.compile(r"\b([Oo])nly 0 (of\b)?")


def long_date(d: dt.date | None) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else "no date"


def kind(e: Event) -> str:
    return KIND_WORDS.get(e.type, e.type.replace("_", " "))


def event_words(e: Event) -> str:
    """"the letter of 5 October 2026"."""
    return f"the {kind(e)} of {long_date(e.date)}" if e.date else f"an undated {kind(e)}"


def plain(text: str | None, case: Case) -> str:
    """`text` (an engine reason or warning) with each event id turned into the event's kind
    and date, or dropped where the sentence already says them; no codes, no short dates."""
    if not text:
        return ""
    events = {e.id: e for e in case.events}

    def swap(m: re.Match[str]) -> str:
        e = events.get(m.group(1))
        if e is None:
            return m.group(0)
        before = text[max(0, m.start() - 60):m.start()]
        said = e.date is not None and (
            f"{e.date.day} {e.date:%b} {e.date.year}" in before
            or long_date(e.date) in before)
        return "" if said else f" ({event_words(e)})"

    out = _PAREN.sub(swap, text)
    out = _OTHER_ID.sub("", out)
    out = _CODE.sub(lambda m: m.group(0).replace("_", " "), out)
    out = _SHORT_DATE.sub(lambda m: f"{m.group(1)} {_SHORT[m.group(2)]} {m.group(3)}", out)
    out = _ONE.sub(lambda m: f"1 {m.group(1)}", out)
    out = _NONE.sub(lambda m: ("N" if m.group(1) == "O" else "n")
                    + ("one of" if m.group(2) else "o "), out)
    return out[:1].upper() + out[1:]


def missing_copies(case: Case, report: CheckReport, bundled: Container[str]) -> list[str]:
    """One line for each letter or email that meets an item but has no copy in the bundle
    (`bundled` holds the ids of the documents that are in it), in date order."""
    used = {ev for item in report.items if item.status == "met" for ev in item.evidence}
    missing = [e for e in case.events if e.id in used and e.type in COPY_KINDS
               and not any(d in bundled for d in e.documents)]
    missing.sort(key=lambda e: (e.date is None, e.date or dt.date.min, e.id))
    lines = []
    for e in missing:
        what = f"{kind(e)} of {long_date(e.date)}" if e.date else f"undated {kind(e)}"
        names = [c.name for c in (case.carer(p) for p in e.people) if c is not None]
        to = f" to {' and '.join(names)}" if names else ""
        lines.append(f"No copy attached: {what}{to} — the local authority will ask for it.")
    return lines
