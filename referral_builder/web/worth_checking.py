"""Entries for "Worth checking" on the evidence check that the web adds to the report's own:
invitations dated after their meeting or with short notice, and evidence with no copy."""

from __future__ import annotations

from referral_builder.services.cases import CaseView
from referral_builder.web.filters import long_date

COPY_TYPES = {"letter": "letter", "email": "email", "document": "document"}


def invite_notes(view: CaseView) -> list[str]:
    from referral_builder.web.letters import min_notice_days

    need = min_notice_days(view)
    notes = []
    for e in view.case.events:
        if e.type not in ("letter", "email") or "meeting_invite" not in (e.purposes or ()) \
                or not e.meeting or not e.date:
            continue
        m = view.case.event(e.meeting)
        if m is None or m.date is None:
            continue
        what = f"The invitation ({e.type}) of {long_date(e.date)}"
        if m.date < e.date:
            notes.append(f"{what} is dated after the meeting it invites to, on "
                         f"{long_date(m.date)}.")
        elif need is not None and (m.date - e.date).days < need:
            days = (m.date - e.date).days
            notes.append(f"{what} gives {days} day{'s' * (days != 1)}’ notice of the meeting "
                         f"on {long_date(m.date)}; the local authority asks for at least "
                         f"{need}.")
    return notes


def missing_copies(view: CaseView) -> list[tuple[str, str]]:
    """(text, event id) for each letter, email or document used as evidence with no copy."""
    used = {ev for r in view.report.items if r.status == "met" for ev in r.evidence}
    out = []
    for e in view.case.events:
        if e.id in used and e.type in COPY_TYPES and not e.documents:
            when = long_date(e.date) if e.date else "with no date"
            out.append((f"No copy of the {COPY_TYPES[e.type]} of {when} is attached: the "
                        "local authority will ask for it.", e.id))
    return out
