"""What next, and by when: the plan of a stored case (with its school's term dates), the
first thing due on it, and the school's open cases as a caseload or a calendar feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from referral_builder.domain.calendar import fmt
from referral_builder.domain.planner import Plan, Step, plan
from referral_builder.services import cases
from referral_builder.services.term_dates import school_calendar, with_calendar

OVERDUE, THIS_WEEK, LATER = "Overdue", "Due this week", "Later"


@dataclass(frozen=True)
class NextDue:
    """The first thing due on a case: a step, a national duty, or the referral itself."""

    date: dt.date | None
    text: str
    urgency: str
    step: Step | None = None


def case_plan(s: Session, view: cases.CaseView, today: dt.date | None = None) -> Plan:
    """The plan for a stored case as of today (cached with the case's check report)."""
    from referral_builder.documents.letters import list_templates

    today = today or dt.date.today()
    letters = [(t.id, t.purposes) for t in list_templates()]
    # The school's term dates, when its DSL entered them, are the case's calendar.
    calendar = school_calendar(s, view.record.school_id)
    case = with_calendar(view.case, calendar)
    found: Plan = cases._REPORTS.get(  # the same content-keyed cache as the check report
        ("plan", view._key, today, calendar),
        lambda: plan(case, view.checklists, today, letters=letters))
    return found


def urgency(due: dt.date | None, today: dt.date) -> str:
    if due is None:
        return LATER
    if due < today:
        return OVERDUE
    if due <= today + dt.timedelta(days=6 - today.weekday()):  # by Sunday of this week
        return THIS_WEEK
    return LATER


def next_due(p: Plan, today: dt.date) -> NextDue:
    duties = [d for d in p.duties if not d.done and d.rule in ("NR-13", "NR-14")]
    steps = sorted(p.next_steps, key=lambda s: (s.by, s.not_before))
    first = steps[0] if steps else None
    if duties and (first is None or (duties[0].due or today) <= first.by):
        d = duties[0]
        return NextDue(d.due, d.text, OVERDUE if d.due and d.due < today else THIS_WEEK)
    if first is not None:
        return NextDue(first.by, first.action, urgency(first.by, today), first)
    if p.ready_now:
        return NextDue(None, "Ready to refer: make the declaration and build the bundle",
                       LATER)
    return NextDue(None, p.blocked[0] if p.blocked else "Nothing is due", LATER)


def stage_of(p: Plan) -> str:
    """The latest stage the pupil has reached in a school's process, in its own numbering."""
    met = [s for s in p.stands if s.checklist and s.met]
    return f"{met[-1].number}" if met else "No stage reached"


@dataclass(frozen=True)
class Row:
    view: cases.CaseView
    plan: Plan
    due: NextDue
    processes: tuple[str, ...]
    stage: str


def caseload(s: Session, school_id: int | None, today: dt.date) -> list[Row]:
    """The school's open cases, each with its plan and the first thing due."""
    rows = []
    for view in cases.open_cases(s, school_id):
        p = case_plan(s, view, today)
        rows.append(Row(view, p, next_due(p, today), tuple(c.id for c in view.checklists),
                        stage_of(p)))
    return rows


#: One all-day event of a calendar feed: (uid, date, summary, description).
FeedEvent = tuple[str, dt.date, str, str]


def feed_events(s: Session, school_id: int | None, today: dt.date) -> list[FeedEvent]:
    """The steps due on the school's open cases, and the earliest referral dates. No pupil
    or carer names leave the service: the reference and the item only."""
    events: list[FeedEvent] = []
    for view in cases.open_cases(s, school_id):
        record = view.record
        p = case_plan(s, view, today)
        for step in p.next_steps:
            events.append((f"{record.id}-{step.id}@referral-builder", step.by,
                           f"{record.reference}: {_short(step.action)}",
                           f"Item {step.number} ({step.checklist}). Not before "
                           f"{fmt(step.not_before)}. Open the case in Referral builder."))
        if p.earliest_referral_date and not p.ready_now:
            events.append((f"{record.id}-referral@referral-builder", p.earliest_referral_date,
                           f"{record.reference}: earliest referral date", ""))
    return events


def _short(action: str) -> str:
    text = action.split(" (", 1)[0]
    return text if len(text) <= 80 else text[:77] + "..."


def ics(events: list[FeedEvent], now: dt.datetime) -> str:
    """An RFC 5545 calendar of all-day events: (uid, date, summary, description)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//referral-builder//plan//EN",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Referral builder: due dates"]
    for uid, day, summary, description in events:
        lines += ["BEGIN:VEVENT", f"UID:{_escape(uid)}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(summary)}"]
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return "\r\n ".join(out)
