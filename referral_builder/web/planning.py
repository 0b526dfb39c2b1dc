"""What next, and by when, in the web app: the next step on the task list, the DSL's
caseload sorted by the next date due, and a calendar feed (.ics) behind a secret URL.
The plans and the feed come from `services.caseload`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from referral_builder.domain.planner import Plan, Step
from referral_builder.services import cases, users
from referral_builder.services.caseload import (
    LATER,
    OVERDUE,
    THIS_WEEK,
    NextDue,
    feed_events,
    ics,
    next_due,
    stage_of,
    urgency,
)
from referral_builder.services.caseload import case_plan as plan_of
from referral_builder.services.caseload import caseload as caseload_rows
from referral_builder.web import database
from referral_builder.web.access import school_user
from referral_builder.web.filters import long_date
from referral_builder.web.security import audit

__all__ = ["LATER", "OVERDUE", "THIS_WEEK", "NextDue", "bp", "case_plan", "ics", "next_due",
           "stage_of", "urgency"]

bp = Blueprint("planning", __name__)
log = logging.getLogger(__name__)

TAG_CLASSES = {OVERDUE: "govuk-tag--red", THIS_WEEK: "govuk-tag--yellow", LATER: "govuk-tag--grey"}


def case_plan(view: cases.CaseView, today: dt.date | None = None) -> Plan:
    """The plan for a stored case as of today, in the request's session."""
    return plan_of(database.session(), view, today)


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


@bp.get("/caseload")
@school_user
def caseload() -> str:
    today = dt.date.today()
    rows = caseload_rows(database.session(), current_user.school_id, today)
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

class CalendarForm(FlaskForm):
    """A button: CSRF only."""


@bp.route("/caseload/calendar", methods=["GET", "POST"])
@school_user
def calendar() -> str:
    form = CalendarForm()
    feed_url = None
    s = database.session()
    if users.has_calendar_feed(s, current_user.id) is None:
        abort(404)
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            audit("calendar", detail="calendar feed address revoked")
            users.revoke_calendar_feed(s, current_user.id)
        else:
            audit("calendar", detail="calendar feed address made")
            token = users.new_calendar_feed(s, current_user.id)
            feed_url = url_for("planning.feed", token=token, _external=True)
    return render_template("web/calendar.html", form=form, feed_url=feed_url,
                           has_feed=bool(users.has_calendar_feed(s, current_user.id)),
                           title="Calendar feed", back_url=url_for("planning.caseload"))


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    """The feed for the user whose secret this is: no sign-in (calendar apps cannot), the
    secret is the key; revoking it ends access at once."""
    user = users.calendar_feed_user(database.session(), token)
    if user is None:
        abort(404)
    body = ics(feed_events(database.session(), user.school_id, dt.date.today()),
               dt.datetime.now(dt.UTC))
    return Response(body, mimetype="text/calendar",
                    headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
