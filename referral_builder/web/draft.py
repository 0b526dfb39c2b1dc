"""The date of referral, changed from the task list, and a draft withdrawn by its DSL."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from referral_builder.forms.case import VersionedForm
from referral_builder.forms.submit import ReferralDateForm
from referral_builder.services import conversation, drafts
from referral_builder.services.cases import CaseView
from referral_builder.web import database
from referral_builder.web.access import CaseSent, case_view, roles, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.security import audit

bp = Blueprint("draft", __name__, url_prefix="/cases/<int:case_id>")


@bp.route("/referral-date", methods=["GET", "POST"])
@school_user
def referral_date(case_id: int) -> ResponseReturnValue:
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
def withdraw(case_id: int) -> ResponseReturnValue:
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
        shas = drafts.delete_draft(s, case_id)
        audit("withdraw", case_id, f"draft {reference} deleted by its DSL; {len(shas)} files")
        drafts.finish_withdrawal(s, database.files(), shas)
        flash(f"Draft {reference} deleted", "success")
        return redirect(url_for("cases.index"))
    return render_template("web/withdraw.html", form=form, view=view, back_url=back,
                           title=f"Delete the draft {view.record.reference}?",
                           user=current_user)


def _ever_sent(case_id: int) -> bool:
    return conversation.ever_sent(database.session(), case_id)


@bp.app_errorhandler(CaseSent)
def case_sent(exc: CaseSent) -> ResponseReturnValue:
    """A change to a sent referral: say so, and where to see it, not "someone else changed"."""
    return render_template(
        "web/error.html", title="This referral has been sent",
        message="It cannot be changed now. If the local authority returns it, you can change "
                "it and send it again.",
        link=(url_for("cases.task_list", case_id=exc.case_id), "Go to the referral")), 409


@bp.post("/reply")
@school_user
def reply(case_id: int) -> ResponseReturnValue:
    """The school answers the local authority's return: kept in the referral's history."""
    from referral_builder.forms.submit import ReplyForm

    view = case_view(case_id, edit=True, action="reply")
    if view.record.status != "returned":
        return redirect(url_for("cases.task_list", case_id=case_id))
    form = ReplyForm()
    if not form.validate_on_submit():
        return _task_list_with(view, form)
    conversation.reply(database.session(), case_id, current_user, form.message.data)
    flash("Your reply is saved. The local authority sees it with the referral when you send "
          "it again.", "success")
    return redirect(url_for("cases.task_list", case_id=case_id) + "#conversation")


def _task_list_with(view: CaseView, form: FlaskForm) -> ResponseReturnValue:
    from referral_builder.web.cases import task_list

    return task_list(view.record.id, reply_form=form), 400
