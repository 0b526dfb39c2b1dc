"""Start a case, the task list, pupil details, flags, the evidence check and check answers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from referral_builder.checklists import get_checklist
from referral_builder.domain.errors import InvalidCase, InvalidChecklist
from referral_builder.forms.case import (
    FLAG_LABELS,
    AcknowledgeForm,
    AuthorityForm,
    FlagsForm,
    PupilForm,
)
from referral_builder.forms.submit import ImportForm
from referral_builder.services import (
    acknowledgements,
    cases,
    conversation,
    new_cases,
    notices,
)
from referral_builder.web import database, once, uploads
from referral_builder.web import work as work_web
from referral_builder.web.access import CaseSent, case_view, school_user
from referral_builder.web.security import audit
from referral_builder.web.tasks import fix_link, items_by_id, tasks

if TYPE_CHECKING:
    from referral_builder.storage.models import Authority

bp = Blueprint("cases", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("web/start.html", title="Prepare an attendance referral")
    if current_user.role == "la_officer":
        return redirect(url_for("la.dashboard"))
    if current_user.role in ("school_staff", "dsl"):
        return redirect(url_for("cases.index"))
    return render_template("web/admin.html", title="Administration")


@bp.get("/cases")
@school_user
def index() -> ResponseReturnValue:
    views = cases.school_cases(database.session(), current_user.school_id)
    audit("list", detail=f"{len(views)} cases of school {current_user.school_id}")
    return render_template("web/cases.html", views=views, title="Your cases")


@bp.route("/cases/new", methods=["GET", "POST"])
@school_user
def new() -> ResponseReturnValue:
    authorities = new_cases.authorities(database.session())
    form = AuthorityForm()
    form.authority.choices = [(a.slug, a.name) for a in authorities]
    if form.validate_on_submit():
        return redirect(url_for("cases.requirements", slug=form.authority.data))
    return render_template("web/new_case.html", form=form, title="Which local authority?",
                           back_url=url_for("cases.index"))


def _authority(slug: str) -> Authority:
    a = new_cases.authority(database.session(), slug)
    if a is None:
        abort(404)
    return a


@bp.route("/cases/new/<slug>/requirements", methods=["GET", "POST"])
@school_user
def requirements(slug: str) -> ResponseReturnValue:
    authority = _authority(slug)
    try:
        checklist = get_checklist(slug)
    except InvalidChecklist:
        abort(404)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        ack_id = acknowledgements.acknowledge(database.session(), current_user, checklist)
        session["ack"] = {"authority": authority.slug, "id": ack_id}
        return redirect(url_for("cases.start_pupil", slug=slug))
    return render_template("web/requirements.html", form=form, checklist=checklist,
                           authority=authority, title="Evidence requirements",
                           back_url=url_for("cases.new"))


@bp.route("/cases/new/<slug>/pupil", methods=["GET", "POST"])
@school_user
def start_pupil(slug: str) -> ResponseReturnValue:
    authority = _authority(slug)
    form = PupilForm()
    if request.method == "POST" and (done := once.already_saved(form)) is not None:
        return done  # Back then Save after the case was made: show it, make no second case
    ack = session.get("ack") or {}
    if ack.get("authority") != slug:
        return redirect(url_for("cases.requirements", slug=slug))
    if form.validate_on_submit():
        try:
            record = new_cases.start_case(
                database.session(), authority=authority, user=current_user,
                pupil=_pupil_json(form, {}), acknowledgement_id=ack["id"],
                declaration_roles=get_checklist(slug).param("declaration_roles"),
                today=dt.date.today(), remember=lambda case_id: once.remember(
                    form, case_id, url_for("cases.task_list", case_id=case_id)))
        except InvalidCase as exc:
            return _invalid(form, exc, "web/pupil.html", title="Pupil details")
        session.pop("ack", None)
        return redirect(url_for("cases.flags", case_id=record.id))
    return render_template("web/pupil.html", form=form, title="Pupil details",
                           back_url=url_for("cases.requirements", slug=slug))


def _pupil_json(form: PupilForm, old: dict[str, Any]) -> dict[str, Any]:
    pupil = dict(old)
    pupil.update({"first_name": form.first_name.data, "last_name": form.last_name.data,
                  "date_of_birth": form.date_of_birth.data.isoformat(),
                  "upn": form.upn.data or "", "year_group": form.year_group.data,
                  "address": form.address.data})
    if form.admission_date.data:
        pupil["admission_date"] = form.admission_date.data.isoformat()
    else:
        pupil.pop("admission_date", None)
    pupil.setdefault("flags", {})
    return pupil


def _invalid(form: FlaskForm, exc: InvalidCase, template: str, **ctx: Any) -> str:
    problems = [{"text": f"This cannot be saved: {exc}", "href": "#main-content"}]
    return render_template(template, form=form, problems=problems, **ctx)


def save_or_conflict(view: cases.CaseView, data: dict[str, Any],
                     version: int | str | None) -> str | None:
    """Save; return a message for the user when it cannot be saved."""
    if not view.editable:
        raise CaseSent(view.record.id)
    try:
        cases.commit_case(database.session(), view.record, data, version)
    except cases.Conflict:
        abort(409)
    except InvalidCase as exc:
        return f"This cannot be saved: {exc}"
    return None


@bp.get("/cases/<int:case_id>")
@school_user
def task_list(case_id: int, reply_form: FlaskForm | None = None) -> ResponseReturnValue:
    from referral_builder.forms.submit import ReplyForm

    view = case_view(case_id)
    s = database.session()
    history = conversation.history(s, case_id)
    bundle = cases.latest_bundle(s, case_id)
    returned = conversation.last_return(s, case_id)
    return render_template("web/task_list.html", view=view, tasks=tasks(view, bundle),
                           returned=returned if view.record.status == "returned" else None,
                           conversation=history,
                           problems=[{"text": e, "href": "#message"}
                                     for e in (reply_form.message.errors if reply_form else [])],
                           reply_form=reply_form or ReplyForm(),
                           can_withdraw=current_user.role == "dsl"
                           and view.record.status == "draft"
                           and not conversation.ever_sent(s, case_id),
                           title=f"Referral for {view.case.pupil.full_name}",
                           back_url=url_for("cases.index"))


@bp.route("/cases/<int:case_id>/pupil", methods=["GET", "POST"])
@school_user
def pupil(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    p = view.data["pupil"]
    form = PupilForm(data={"version": view.record.version, "first_name": p.get("first_name"),
                           "last_name": p.get("last_name"), "upn": p.get("upn"),
                           "year_group": p.get("year_group"), "address": p.get("address"),
                           "date_of_birth": _date(p.get("date_of_birth")),
                           "admission_date": _date(p.get("admission_date"))})
    problems = []
    if form.validate_on_submit():
        view.data["pupil"] = _pupil_json(form, p)
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("cases.task_list", case_id=case_id))
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/pupil.html", form=form, title="Pupil details",
                           problems=problems,
                           back_url=url_for("cases.task_list", case_id=case_id))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@bp.route("/cases/<int:case_id>/flags", methods=["GET", "POST"])
@school_user
def flags(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    current = view.data["pupil"].get("flags", {})
    form = FlagsForm(data={"version": view.record.version,
                           "flags": [k for k in FLAG_LABELS if current.get(k)],
                           "send": current.get("send", "none")})
    problems = []
    if form.validate_on_submit():
        chosen = set(form.flags.data or [])
        view.data["pupil"]["flags"] = {**{k: k in chosen for k in FLAG_LABELS},
                                       "send": form.send.data}
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("cases.task_list", case_id=case_id))
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/flags.html", form=form, title="About the pupil",
                           problems=problems,
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.get("/cases/<int:case_id>/evidence")
@school_user
def evidence(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    items = items_by_id(view.checklists)
    rows = [(r, fix_link(items.get(r.id), case_id)) for r in view.report.items]
    return render_template("web/evidence.html", view=view, rows=rows, title="Evidence check",
                           invite_notes=notices.invite_notes(view),
                           missing=notices.missing_copies(view),
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.get("/cases/<int:case_id>/check-answers")
@school_user
def check_answers(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    return render_template("web/check_answers.html", view=view, flag_labels=FLAG_LABELS,
                           title="Check your answers",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.get("/cases/<int:case_id>/export")
@school_user
def export(case_id: int) -> ResponseReturnValue:
    from referral_builder.web.downloads import attachment

    view = case_view(case_id, action="export")
    data = cases.export_zip(database.session(), database.files(), view)
    return attachment(data, f"{view.record.reference}.zip", "application/zip")


@bp.route("/cases/import", methods=["GET", "POST"])
@school_user
def import_case() -> ResponseReturnValue:
    """Import an export as a new draft: a job ("case_import") checks every document."""
    form = ImportForm()
    uploads.flag(form.archive)
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            return work_web.begin(new_cases.IMPORT, data=form.archive.data.read())
        except new_cases.FileStoreError:
            form.archive.errors = ["The case cannot be imported: "
                                   f"{new_cases.FileStoreError.USER_MESSAGE}"]
    elif request.method == "GET" and (
            failed := work_web.failed_work(request.args.get("work"), new_cases.IMPORT)):
        error = f"The case cannot be imported: {failed.error}"
        form.archive.errors = [error]
        others = [f"{path}: {message}" if path else message
                  for path, message in failed.problems if message not in failed.error]
        problems = [{"text": error, "href": "#archive"}] + [
            {"text": text, "href": "#archive"} for text in others]
    return render_template("web/import.html", form=form, title="Import a case",
                           problems=problems, back_url=url_for("cases.index"))


def _imported(_row: work_web.work.Row, result: dict[str, Any]) -> str:
    flash(f"Case {result['reference']} imported. Read the evidence requirements before you "
          "send it.", "success")
    return url_for("cases.task_list", case_id=result["case_id"])


work_web.outcome(new_cases.IMPORT, "Checking the case’s documents", done=_imported,
                 failed=lambda row: url_for("cases.import_case", work=row.id))


@bp.route("/cases/<int:case_id>/requirements", methods=["GET", "POST"])
@school_user
def case_requirements(case_id: int) -> ResponseReturnValue:
    """The tick-box for a case that did not start here (an imported case)."""
    view = case_view(case_id, edit=request.method == "POST")
    authority = view.record.authority
    try:
        checklist = get_checklist(authority.slug)
    except InvalidChecklist:
        abort(404)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        acknowledgements.acknowledge(database.session(), current_user, checklist, case_id)
        return redirect(url_for("cases.task_list", case_id=case_id))
    return render_template("web/requirements.html", form=form, checklist=checklist,
                           authority=authority, title="Evidence requirements",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.route("/cases/<int:case_id>/evidence/<item_id>/not-applicable", methods=["GET", "POST"])
@school_user
def not_applicable(case_id: int, item_id: str) -> ResponseReturnValue:
    """Record why a conditional item does not apply (the checklist asks for a reason)."""
    from referral_builder.forms.case import NotApplicableForm

    view = case_view(case_id, edit=request.method == "POST")
    item = items_by_id(view.checklists).get(item_id)
    if item is None or item.mandatory:
        abort(404)
    reasons = view.data.setdefault("not_applicable", {})
    form = NotApplicableForm(data={"version": view.record.version,
                                   "reason": reasons.get(item_id)})
    problems = []
    if form.validate_on_submit():
        reasons[item_id] = form.reason.data
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("cases.evidence", case_id=case_id))
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/not_applicable.html", form=form, item=item, problems=problems,
                           title="Why does this not apply?",
                           back_url=url_for("cases.evidence", case_id=case_id))
