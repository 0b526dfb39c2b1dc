"""The page of slow work done as a job (services/work.py): its progress, then its result.

A view starts the work with `begin(...)`, which queues the job, gives quick work a moment
to finish, and sends the user to `/work/<id>`. That page shows what is happening and
refreshes (static/app.mjs polls `/work/<id>/status`; without JavaScript, "Check if it is
done" does the same) until the job ends, then sends the user on: to the kind's result page
when it is done, or back to the form the work came from, which shows the error on its field
with what was typed kept (`failed_work`). Each kind's pages are declared once, by the view
that starts it, with `outcome(...)`.

Only the user who asked sees the page (and, for a case's work, only while they may still
see the case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from referral_builder.services import work
from referral_builder.web import database
from referral_builder.web.access import SCHOOL_ROLES, case_view, roles

bp = Blueprint("work", __name__, url_prefix="/work")

#: How long a request waits for work that runs in-process before it shows the progress page.
WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Outcome:
    """Where a kind's work goes: `title` heads the progress page; `done(row, result)` is the
    page to go to when it is done; `failed(row)` the form to show the error on (None: the
    progress page shows it, with `back` to try again)."""

    title: str
    done: Callable[[work.Row, dict[str, Any]], str]
    failed: Callable[[work.Row], str] | None = None
    back: Callable[[work.Row], str] | None = None
    wait: str = "This can take up to a minute."


OUTCOMES: dict[str, Outcome] = {}


def outcome(kind: str, title: str, *, done: Callable[[work.Row, dict[str, Any]], str],
            failed: Callable[[work.Row], str] | None = None,
            back: Callable[[work.Row], str] | None = None,
            wait: str = "This can take up to a minute.") -> None:
    """Declare the pages of kind `kind` (see Outcome)."""
    OUTCOMES[kind] = Outcome(title, done, failed, back, wait)


def begin(kind: str, *, case_id: int | None = None, params: dict[str, Any] | None = None,
          data: bytes | None = None) -> Response:
    """Start the work and send the user to its page."""
    database.session().close()  # the job writes on its own connection
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    started = work.start(app, kind, user_id=current_user.id, case_id=case_id, params=params,
                         data=data)
    started.wait(float(app.config.get("WORK_WAIT_SECONDS", WAIT_SECONDS)))
    return redirect(url_for("work.show", job_id=started.job_id), 303)


def _row(job_id: int) -> work.Row:
    """The job, if the signed-in user asked for it (and may still see its case); else 404."""
    row = work.get(database.session(), job_id)
    if row is None or row.requested_by != current_user.id or row.kind not in OUTCOMES:
        abort(404)
    if row.case_id is not None:
        case_view(row.case_id)
    return row


@dataclass(frozen=True)
class Failed:
    """A job that ended without its result: why, the details, and what was asked."""

    error: str
    problems: list[tuple[int | None, str]]
    params: dict[str, Any]


def failed_work(job_id: Any, kind: str) -> Failed | None:
    """For a form shown again after its work failed (`?work=<id>`): why, and what was typed.
    None when there is no such failed job of this kind for this user."""
    try:
        row = work.get(database.session(), int(job_id))
    except (TypeError, ValueError):
        return None
    if row is None or row.kind != kind or row.requested_by != current_user.id:
        return None
    error = work.error_of(row, current_app)
    if not error:
        return None
    problems = [(n, str(m)) for n, m in work.result_of(row).get("problems", [])]
    return Failed(error, problems, work.params_of(row))


#: Who asks for slow work: school staff (uploads, registers, letters) and LA officers.
ASKERS = (*SCHOOL_ROLES, "la_officer")


@bp.get("/<int:job_id>")
@roles(*ASKERS)
def show(job_id: int) -> ResponseReturnValue:
    row = _row(job_id)
    out = OUTCOMES[row.kind]
    state = work.status(row, current_app)
    if state == "done":
        return redirect(out.done(row, work.result_of(row)), 303)
    error = work.error_of(row, current_app)
    if error and out.failed is not None:
        return redirect(out.failed(row), 303)
    problems = [(n, str(m)) for n, m in work.result_of(row).get("problems", [])] if error \
        else []
    return render_template("web/work.html", row=row, outcome=out, error=error,
                           problems=problems, title=out.title,
                           back_url=out.back(row) if out.back else None)


@bp.get("/<int:job_id>/status")
@roles(*ASKERS)
def status(job_id: int) -> ResponseReturnValue:
    row = _row(job_id)
    return jsonify({"state": work.status(row, current_app), "step": row.step})
