"""What next, and by when, in the web app: the next step on the task list, the DSL's
caseload sorted by the next date due, and a calendar feed (.ics) behind a secret URL."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from referral_builder.domain.calendar import fmt
from referral_builder.domain.planner import Plan, Step, plan
from referral_builder.services import cases
from referral_builder.storage.models import CaseRecord, User
from referral_builder.web import database
from referral_builder.web.access import school_user
from referral_builder.web.filters import long_date
from referral_builder.web.security import audit
from referral_builder.web.term_dates import school_calendar, with_calendar

bp = Blueprint("planning", __name__)
log = logging.getLogger(__name__)

OVERDUE, THIS_WEEK, LATER = "Overdue", "Due this week", "Later"
TAG_CLASSES = {OVERDUE: "govuk-tag--red", THIS_WEEK: "govuk-tag--yellow", LATER: "govuk-tag--grey"}


@dataclass(frozen=True)
class NextDue:
    """The first thing due on a case: a step, a national duty, or the referral itself."""

    date: dt.date | None
    text: str
    urgency: str
    step: Step | None = None


def case_plan(view: cases.CaseView, today: dt.date | None = None) -> Plan:
    """The plan for a stored case as of today (cached with the case's check report)."""
    from referral_builder.documents.letters import list_templates

    today = today or dt.date.today()
    letters = [(t.id, t.purposes) for t in list_templates()]
    # The school's term dates, when its DSL entered them, are the case's calendar.
    calendar = school_calendar(database.session(), view.record.school_id)
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


def letter_link(case_id: int, step: Step, known_events: set[str]) -> str | None:
    """Draft a letter from a step: the template, the carer and the meeting filled in."""
    if not step.template or not step.carers:
        return None
    args: dict[str, Any] = {"template": step.template, "carer": step.carers[0]}
    if step.meeting and step.meeting in known_events:
        args["meeting"] = step.meeting
    return url_for("letters.new", case_id=case_id, **args)


@bp.app_context_processor
def _globals() -> dict[str, object]:
    def next_step_for(view: cases.CaseView) -> dict[str, object] | None:
        if not view.editable:
            return None
        today = dt.date.today()
        try:
            p = case_plan(view, today)
        except Exception:  # a plan is a help: the task list must still show without it
            log.exception("no plan for case %s", view.record.id)
            return None
        due = next_due(p, today)
        known = {e.id for e in view.case.events}
        return {"due": due, "plan": p, "tag": TAG_CLASSES[due.urgency],
                "letter": letter_link(view.record.id, due.step, known) if due.step else None}

    return {"next_step_for": next_step_for, "fmt_date": long_date}


@dataclass(frozen=True)
class Row:
    view: cases.CaseView
    plan: Plan
    due: NextDue
    processes: tuple[str, ...]
    stage: str


@bp.get("/caseload")
@school_user
def caseload():  # type: ignore[no-untyped-def]
    today = dt.date.today()
    records = database.session().scalars(
        select(CaseRecord).where(CaseRecord.school_id == current_user.school_id,
                                 CaseRecord.status.in_(cases.EDITABLE))).all()
    rows = []
    for record in records:
        view = cases.CaseView(record)
        p = case_plan(view, today)
        rows.append(Row(view, p, next_due(p, today), tuple(c.id for c in view.checklists),
                        stage_of(p)))
    processes = sorted({c for r in rows for c in r.processes})
    stages = sorted({r.stage for r in rows})
    chosen_process = request.args.get("process", "")
    chosen_stage = request.args.get("stage", "")
    shown = [r for r in rows if (not chosen_process or chosen_process in r.processes)
             and (not chosen_stage or r.stage == chosen_stage)]
    shown.sort(key=lambda r: (r.due.date is None, r.due.date or today, r.view.record.reference))
    audit("list", detail=f"caseload: {len(shown)} of {len(rows)} open cases")
    return render_template("web/caseload.html", rows=shown, total=len(rows), today=today,
                           processes=processes, stages=stages, tags=TAG_CLASSES,
                           chosen_process=chosen_process, chosen_stage=chosen_stage,
                           title="My caseload")


# ---- the calendar feed -------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarForm(FlaskForm):  # type: ignore[misc]
    """A button: CSRF only."""


@bp.route("/caseload/calendar", methods=["GET", "POST"])
@school_user
def calendar():  # type: ignore[no-untyped-def]
    form = CalendarForm()
    feed_url = None
    user = database.session().get(User, current_user.id)
    if user is None:
        abort(404)
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            user.calendar_token = None
            audit("calendar", detail="calendar feed address revoked")
        else:
            token = secrets.token_urlsafe(32)
            user.calendar_token = _digest(token)
            audit("calendar", detail="calendar feed address made")
            feed_url = url_for("planning.feed", token=token, _external=True)
        database.session().commit()
    return render_template("web/calendar.html", form=form, feed_url=feed_url,
                           has_feed=bool(user.calendar_token),
                           title="Calendar feed", back_url=url_for("planning.caseload"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):  # type: ignore[no-untyped-def]
    """The feed for the user whose secret this is: no sign-in (calendar apps cannot), the
    secret is the key; revoking it ends access at once."""
    if len(token) > 100:
        abort(404)
    user = database.session().scalar(select(User).where(User.calendar_token == _digest(token)))
    if user is None or not user.active or user.school_id is None:
        abort(404)
    records = database.session().scalars(
        select(CaseRecord).where(CaseRecord.school_id == user.school_id,
                                 CaseRecord.status.in_(cases.EDITABLE))).all()
    today = dt.date.today()
    events: list[tuple[str, dt.date, str, str]] = []
    for record in records:
        view = cases.CaseView(record)
        p = case_plan(view, today)
        for step in p.next_steps:
            # No pupil or carer names leave the service: the reference and the item only.
            events.append((f"{record.id}-{step.id}@referral-builder", step.by,
                           f"{record.reference}: {_short(step.action)}",
                           f"Item {step.number} ({step.checklist}). Not before "
                           f"{fmt(step.not_before)}. Open the case in Referral builder."))
        if p.earliest_referral_date and not p.ready_now:
            events.append((f"{record.id}-referral@referral-builder", p.earliest_referral_date,
                           f"{record.reference}: earliest referral date", ""))
    body = ics(events, dt.datetime.now(dt.UTC))
    return Response(body, mimetype="text/calendar",
                    headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


def _short(action: str) -> str:
    text = action.split(" (", 1)[0]
    return text if len(text) <= 80 else text[:77] + "..."


def ics(events: list[tuple[str, dt.date, str, str]], now: dt.datetime) -> str:
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
