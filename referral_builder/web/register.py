"""Register marks: upload an MIS export (CSV or XLSX), choose the pupil in a whole-class file,
map the columns of a shape that is not detected (saved for the school), then a preview that
shows what the file holds and anything odd before the marks are saved, all or nothing."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from referral_builder.domain import register_import as ri
from referral_builder.domain.errors import RegisterImportError
from referral_builder.forms.register import (
    MAPPED_ROLES,
    RegisterColumnsForm,
    RegisterConfirmForm,
    RegisterPupilForm,
    RegisterSheetForm,
    RegisterUploadForm,
)
from referral_builder.services import register_marks
from referral_builder.services.cases import CaseView
from referral_builder.services.register_marks import Pending, summary
from referral_builder.services.registers import RegisterFileError
from referral_builder.web import database, uploads
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict

bp = Blueprint("register", __name__, url_prefix="/cases/<int:case_id>/register")
MAX_PROBLEMS_SHOWN = 20
ROWS_SHOWN = 5
KEY = "register_upload"


def _pending(case_id: int) -> Pending | None:
    """The upload waiting in the user's session for this case, read again."""
    state = session.get(KEY) or {}
    if state.get("case") != case_id:
        return None
    return register_marks.pending(database.session(), database.files(),
                                  getattr(current_user, "school_id", None), state)


def _next(case_id: int, pending: Pending) -> Response:
    if pending.mapping is None:
        return redirect(url_for("register.columns", case_id=case_id))
    if len(pending.pupils) > 1 and pending.pupil is None:
        return redirect(url_for("register.pupil", case_id=case_id))
    return redirect(url_for("register.preview", case_id=case_id))


# ---- pages -------------------------------------------------------------------------------

def _upload_page(view: CaseView, form: RegisterUploadForm, problems: list[dict[str, str]]
                 ) -> str:
    return render_template("web/register.html", view=view, form=form, problems=problems,
                           summary=summary(view.case), title="Register marks",
                           back_url=url_for("cases.task_list", case_id=view.record.id))


def _problem_list(exc: RegisterImportError, form: RegisterUploadForm) -> list[dict[str, str]]:
    shown = exc.problems[:MAX_PROBLEMS_SHOWN]
    more = len(exc.problems) - len(shown)
    form.csv_file.errors = [f"The file has {len(exc.problems)} problem"
                            f"{'s' * (len(exc.problems) != 1)}: fix "
                            f"{'them' if len(exc.problems) != 1 else 'it'} and upload it again"
                            + (f" ({more} more not shown)" if more else "")]
    return [{"text": f"Line {n}: {msg}" if n else msg[0].upper() + msg[1:], "href": "#csv_file"}
            for n, msg in shown]


@bp.route("", methods=["GET", "POST"])
@school_user
def upload(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    form = RegisterUploadForm(data={"version": view.record.version})
    uploads.flag(form.csv_file)
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        upload = form.csv_file.data
        raw = upload.read()
        try:
            file = register_marks.read_best(raw)
        except RegisterFileError as exc:
            message = str(exc)
            form.csv_file.errors = [f"The file cannot be used: {message}"]
            problems = [{"text": form.csv_file.errors[0], "href": "#csv_file"}]
        else:
            session[KEY] = register_marks.keep_upload(
                database.session(), database.files(), case_id=case_id, data=raw, file=file,
                filename=upload.filename or "", user_id=current_user.id)
            pending = _pending(case_id)
            if pending is not None:
                if pending.mapping is not None and len(pending.pupils) <= 1:
                    try:  # the shape is known: list the file's problems here and now
                        register_marks.read_marks(pending, view.case)
                    except RegisterImportError as exc:
                        return _upload_page(view, form, _problem_list(exc, form))
                return _next(case_id, pending)
    return _upload_page(view, form, problems)


@bp.route("/pupil", methods=["GET", "POST"])
@school_user
def pupil(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    pending = _pending(case_id)
    if pending is None or pending.mapping is None:
        return redirect(url_for("register.upload", case_id=case_id))
    upn = view.case.pupil.upn.strip().casefold()
    chosen = pending.state.get("pupil") or next(
        (p.key for p in pending.pupils if upn and upn in {i.casefold() for i in p.ids}), None)
    form = RegisterPupilForm(data={"version": view.record.version, "pupil": chosen})
    form.pupil.choices = [(p.key, p.label) for p in pending.pupils]
    if form.validate_on_submit():
        session[KEY] = {**pending.state, "pupil": form.pupil.data}
        return redirect(url_for("register.preview", case_id=case_id))
    return render_template("web/register_pupil.html", view=view, form=form, pending=pending,
                           case_upn=view.case.pupil.upn, title="Choose the pupil",
                           back_url=url_for("register.upload", case_id=case_id))


_ROLE_OF_MESSAGE = (("date", "date"), ("both the session", "session"), ("AM and PM", "am"),
                    ("one meaning", "date"))


@bp.route("/columns", methods=["GET", "POST"])
@school_user
def columns(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    pending = _pending(case_id)
    if pending is None or not pending.file.rows:
        return redirect(url_for("register.upload", case_id=case_id))
    header = pending.file.header
    current = pending.mapping.columns if pending.mapping is not None else {}
    form = RegisterColumnsForm(data={"version": view.record.version,
                                     **{role: str(current[role]) for role, _ in MAPPED_ROLES
                                        if role in current}})
    choices = [("", "Not in this file")] + [(str(i), h or f"Column {i + 1}")
                                            for i, h in enumerate(header)]
    for role, _ in MAPPED_ROLES:
        form[role].choices = choices
    if form.validate_on_submit():
        chosen = {role: int(form[role].data) for role, _ in MAPPED_ROLES if form[role].data}
        try:
            mapping = ri.Mapping.manual(chosen)
        except ValueError as exc:
            message = str(exc)
            role = next((r for word, r in _ROLE_OF_MESSAGE if word in message), "date")
            form[role].errors = [message[0].upper() + message[1:]]
        else:
            session[KEY] = {**pending.state, "columns": mapping.names(header), "pupil": None}
            refreshed = _pending(case_id)
            if refreshed is not None:
                return _next(case_id, refreshed)
    return render_template("web/register_columns.html", view=view, form=form,
                           pending=pending, header=header, roles=MAPPED_ROLES,
                           rows=pending.file.rows[1:ROWS_SHOWN + 1],
                           sheet_form=sheet_form(pending, view.record.version),
                           title="Match the columns",
                           back_url=url_for("register.upload", case_id=case_id))


def sheet_form(pending: Pending, version: int) -> RegisterSheetForm | None:
    """A workbook with several sheets: a choice of the sheet to read instead."""
    if len(pending.file.sheets) < 2:
        return None
    form = RegisterSheetForm(data={"version": version, "sheet": pending.file.sheet})
    form.sheet.choices = [(n, n) for n in pending.file.sheets]
    return form


@bp.route("/sheet", methods=["GET", "POST"])
@school_user
def sheet(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    pending = _pending(case_id)
    if pending is None:
        return redirect(url_for("register.upload", case_id=case_id))
    form = sheet_form(pending, view.record.version)
    if request.method == "POST" and form is not None and form.validate_on_submit():
        session[KEY] = {**pending.state, "sheet": form.sheet.data, "columns": None,
                        "pupil": None}
        refreshed = _pending(case_id)
        if refreshed is not None:
            return _next(case_id, refreshed)
    return _next(case_id, pending)


@bp.route("/preview", methods=["GET", "POST"])
@school_user
def preview(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    pending = _pending(case_id)
    if pending is None:
        return redirect(url_for("register.upload", case_id=case_id))
    if pending.mapping is None or (len(pending.pupils) > 1 and pending.pupil is None):
        return _next(case_id, pending)
    try:
        marks = register_marks.read_marks(pending, view.case)
    except RegisterImportError as exc:
        form = RegisterUploadForm(data={"version": view.record.version})
        return _upload_page(view, form, _problem_list(exc, form))
    form = RegisterConfirmForm(data={"version": view.record.version})
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        view.data["register"] = {"marks": [
            {"date": m.date.isoformat(), "session": m.session, "code": m.code} for m in marks]}
        if pending.how == "mapped":  # kept for the school's next upload of this shape
            register_marks.save_mapping(database.session(), pending,
                                        getattr(current_user, "school_id", None),
                                        current_user.id)
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            session.pop(KEY, None)
            return redirect(url_for("register.upload", case_id=case_id, saved=1))
        problems = [{"text": problem, "href": "#main-content"}]
    shown = register_marks.preview(pending, marks)
    return render_template("web/register_preview.html", view=view, form=form, marks=marks,
                           pending=pending, shown=shown, shape=ri.SHAPE_NAMES,
                           role_names=ri.ROLE_NAMES, problems=problems,
                           sheet_form=sheet_form(pending, view.record.version),
                           summary=summary(dataclasses.replace(view.case, marks=tuple(marks))),
                           title="Check the register marks",
                           back_url=url_for("register.upload", case_id=case_id))
