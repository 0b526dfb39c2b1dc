"""What is worth a second look about a case's letters, beyond the check report's own
warnings: an invitation dated after its meeting or giving less notice than the local
authority asks, and a letter, email or document used as evidence with no copy attached."""

from __future__ import annotations

import datetime as dt

from referral_builder.domain.calendar import long_date
from referral_builder.domain.rules import bind
from referral_builder.services.cases import CaseView

COPY_TYPES = {"letter": "letter", "email": "email", "document": "document"}


def min_notice_days(view: CaseView) -> int | None:
    """The notice the case's checklists ask an invitation to give, in days (the largest)."""
    days = [int(bind(r).get("days")) for c in view.checklists for i in c.items for r in i.rules
            if r.name == "min_notice"]  # the rule's declared default fills an absent `days`
    return max(days) if days else None


def notice_problem(view: CaseView, meeting_id: str | None, sent: dt.date) -> str | None:
    """Why an invitation sent on `sent` to meeting `meeting_id` needs a second look, or None."""
    meeting = view.case.event(meeting_id) if meeting_id else None
    if meeting is None or meeting.date is None:
        return None
    if meeting.date < sent:
        return (f"This letter is dated {long_date(sent)}, after the meeting it is about "
                f"({long_date(meeting.date)}). It cannot count as the invitation to it.")
    need = min_notice_days(view)
    notice = (meeting.date - sent).days
    if need is not None and notice < need:
        return (f"This letter gives {notice} day{'s' * (notice != 1)}’ notice of the meeting "
                f"on {long_date(meeting.date)}; the local authority asks for at least {need}.")
    return None


def invite_notes(view: CaseView) -> list[str]:
    """Each invitation in the chronology dated after its meeting, or with short notice."""
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
