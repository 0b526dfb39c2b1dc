"""The date of referral, changed from the task list, and a draft withdrawn by its DSL."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from referral_builder.forms.case import VersionedForm
from referral_builder.forms.submit import ReferralDateForm
from referral_builder.storage.models import (
    Acknowledgement,
    BundleJob,
    CaseRecord,
    StoredFile,
    Submission,
)
from referral_builder.web import database
from referral_builder.web.access import CaseSent, case_view, roles, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.security import audit

bp = Blueprint("draft", __name__, url_prefix="/cases/<int:case_id>")


@bp.route("/referral-date", methods=["GET", "POST"])
@school_user
def referral_date(case_id: int):  # type: ignore[no-untyped-def]
    """Change the date of referral at any time until the referral is sent."""
    view = case_view(case_id, edit=request.method == "POST")
    back = url_for("cases.task_list", case_id=case_id)
    if not view.editable:
        return redirect(back)
    form = ReferralDateForm(data={"version": view.record.version,
                                  "referral_date": dt.date.fromisoformat(
                                      view.data["referral_date"])})
    problems = []
    if form.validate_on_submit():
        view.data["referral_date"] = form.referral_date.data.isoformat()
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            flash("Date of referral changed", "success")
            return redirect(back)
        problems = [{"text": problem, "href": "#main-content"}]
    last = max((m.date for m in view.case.marks), default=None)
    return render_template("web/referral_date.html", view=view, form=form, problems=problems,
                           last_mark=last, title="Date of referral", back_url=back)


@bp.route("/withdraw", methods=["GET", "POST"])
@roles("dsl")
def withdraw(case_id: int):  # type: ignore[no-untyped-def]
    """Delete a draft that was never sent. A sent referral is kept: the retention rules of
    its authority decide when it goes."""
    view = case_view(case_id, edit=request.method == "POST", action="withdraw")
    back = url_for("cases.task_list", case_id=case_id)
    if view.record.status != "draft" or _ever_sent(case_id):
        abort(409)
    form = VersionedForm(data={"version": view.record.version})
    if form.validate_on_submit():
        s = database.session()
        reference = view.record.reference
        shas = set(s.scalars(select(StoredFile.sha256).where(StoredFile.case_id == case_id)))
        for table in (BundleJob, Acknowledgement, StoredFile):
            s.execute(delete(table).where(table.case_id == case_id))
        s.execute(delete(CaseRecord).where(CaseRecord.id == case_id))
        audit("withdraw", case_id, f"draft {reference} deleted by its DSL; {len(shas)} files")
        s.commit()
        still_used = set(s.scalars(select(StoredFile.sha256).where(
            StoredFile.sha256.in_(shas)))) if shas else set()
        store = database.files()
        for sha in shas - still_used:
            store.delete(sha)
        flash(f"Draft {reference} deleted", "success")
        return redirect(url_for("cases.index"))
    return render_template("web/withdraw.html", form=form, view=view, back_url=back,
                           title=f"Delete the draft {view.record.reference}?",
                           user=current_user)


def _ever_sent(case_id: int) -> bool:
    return database.session().scalar(
        select(Submission.id).where(Submission.case_id == case_id).limit(1)) is not None


@bp.app_errorhandler(CaseSent)
def case_sent(exc: CaseSent):  # type: ignore[no-untyped-def]
    """A change to a sent referral: say so, and where to see it, not "someone else changed"."""
    return render_template(
        "web/error.html", title="This referral has been sent",
        message="It cannot be changed now. If the local authority returns it, you can change "
                "it and send it again.",
        link=(url_for("cases.task_list", case_id=exc.case_id), "Go to the referral")), 409


@bp.post("/reply")
@school_user
def reply(case_id: int):  # type: ignore[no-untyped-def]
    """The school answers the local authority's return: kept in the referral's history."""
    from referral_builder.forms.submit import ReplyForm

    view = case_view(case_id, edit=True, action="reply")
    if view.record.status != "returned":
        return redirect(url_for("cases.task_list", case_id=case_id))
    form = ReplyForm()
    if not form.validate_on_submit():
        return _task_list_with(view, form)
    s = database.session()
    s.add(Submission(case_id=case_id, action="replied", user_id=current_user.id,
                     name=current_user.name, reason=form.message.data))
    s.commit()
    flash("Your reply is saved. The local authority sees it with the referral when you send "
          "it again.", "success")
    return redirect(url_for("cases.task_list", case_id=case_id) + "#conversation")


def _task_list_with(view, form):  # type: ignore[no-untyped-def]
    from referral_builder.web.cases import task_list

    return task_list(view.record.id, reply_form=form), 400
