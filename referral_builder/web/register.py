"""Register marks: upload an MIS export (CSV or XLSX), choose the pupil in a whole-class file,
map the columns of a shape that is not detected (saved for the school), then a preview that
shows what the file holds and anything odd before the marks are saved, all or nothing.

A file over the app's REGISTER_WORK_BYTES is read by a work job (services/register_marks.py)
behind the progress page (web/work.py): at the upload, and again when the sheet, the columns
or the pupil is chosen. Its result, not the file, feeds the pages that follow: the pupils to
choose from, then the chosen pupil's rows for the preview and the save."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from referral_builder.domain import register_import as ri
from referral_builder.domain.errors import RegisterImportError, RegisterRefused
from referral_builder.forms.register import (
    MAPPED_ROLES,
    RegisterColumnsForm,
    RegisterConfirmForm,
    RegisterPupilForm,
    RegisterSheetForm,
    RegisterUploadForm,
)
from referral_builder.services import register_marks, work
from referral_builder.services.cases import CaseView
from referral_builder.services.register_marks import READ_KIND, Pending, summary
from referral_builder.services.registers import RegisterFileError
from referral_builder.web import database, uploads
from referral_builder.web import work as work_web
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict

bp = Blueprint("register", __name__, url_prefix="/cases/<int:case_id>/register")
ROWS_SHOWN = 5
KEY = "register_upload"

work_web.outcome(
    READ_KIND, "Reading the register file",
    done=lambda row, result: url_for("register.read", case_id=row.case_id, job_id=row.id),
    failed=lambda row: url_for("register.upload", case_id=row.case_id, work=row.id),
    wait="A whole-class file of a school year takes a few seconds.")


def _pending(case_id: int) -> Pending | None:
    """The upload waiting in the user's session for this case: a small file read again, a
    big one from the result of the job that read it."""
    state = session.get(KEY) or {}
    if state.get("case") != case_id:
        return None
    if "work" in state:
        row = _read_row(state["work"], case_id)
        return None if row is None else register_marks.pending_read(
            state, work.result_of(row))
    return register_marks.pending(database.session(), database.files(),
                                  getattr(current_user, "school_id", None), state)


def _read_row(job_id: Any, case_id: int) -> work.Row | None:
    """The done job that read this user's big file for this case, or None."""
    try:
        row = work.get(database.session(), int(job_id))
    except (TypeError, ValueError):
        return None
    if (row is None or row.kind != READ_KIND or row.requested_by != current_user.id
            or row.case_id != case_id or row.state != "done"):
        return None
    return row


def _big(raw: bytes) -> bool:
    limit = current_app.config.get("REGISTER_WORK_BYTES", register_marks.WORK_BYTES)
    return len(raw) > int(limit)


def _read_as_work(view: CaseView, state: dict[str, Any], data: bytes | None = None
                  ) -> Response:
    """Have a job read the big file (`data`: a new upload) with the choices in `state`."""
    first, last = register_marks.period(view.case)
    return work_web.begin(READ_KIND, case_id=view.record.id, data=data, params={
        "state": {k: v for k, v in state.items() if k != "work"},
        "school_id": getattr(current_user, "school_id", None),
        "within": [first.isoformat(), last.isoformat()]})


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


def _problem_list(refused: RegisterRefused | work_web.Failed, form: RegisterUploadForm
                  ) -> list[dict[str, str]]:
    """The refusal on the file field, and in the error summary: its problems, or itself."""
    message = refused.error if isinstance(refused, work_web.Failed) else str(refused)
    form.csv_file.errors = [message]
    if not refused.problems:
        return [{"text": message, "href": "#csv_file"}]
    return [{"text": f"Line {n}: {msg}" if n else msg[0].upper() + msg[1:], "href": "#csv_file"}
            for n, msg in refused.problems]


@bp.route("", methods=["GET", "POST"])
@school_user
def upload(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    form = RegisterUploadForm(data={"version": view.record.version})
    uploads.flag(form.csv_file)
    problems: list[dict[str, str]] = []
    if request.method == "GET" and (failed := work_web.failed_work(
            request.args.get("work"), READ_KIND)) is not None \
            and failed.params.get("state", {}).get("case") == case_id:
        problems = _problem_list(failed, form)  # a big file a job could not use
    if form.validate_on_submit():
        upload = form.csv_file.data
        raw = upload.read()
        if _big(raw):
            return _read_as_work(view, {"case": case_id, "name": upload.filename or ""}, raw)
        try:
            file = register_marks.read_best(raw)
        except RegisterFileError as exc:
            problems = _problem_list(register_marks.unusable(exc), form)
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
                        return _upload_page(view, form,
                                            _problem_list(register_marks.refusal(exc), form))
                return _next(case_id, pending)
    return _upload_page(view, form, problems)


@bp.get("/read/<int:job_id>")
@school_user
def read(case_id: int, job_id: int) -> ResponseReturnValue:
    """Where a job that read a big file goes when it is done: its state into the session,
    then the next step."""
    case_view(case_id)
    row = _read_row(job_id, case_id)
    if row is None:
        return redirect(url_for("register.upload", case_id=case_id))
    session[KEY] = {**work.result_of(row)["state"], "work": row.id}
    pending = _pending(case_id)
    if pending is None:
        return redirect(url_for("register.upload", case_id=case_id))
    return _next(case_id, pending)


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
        state = {**pending.state, "pupil": form.pupil.data}
        if "work" in state:  # a big file: a job reads the chosen pupil's rows
            return _read_as_work(view, state)
        session[KEY] = state
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
    if pending is None or not pending.first_rows:
        return redirect(url_for("register.upload", case_id=case_id))
    header = pending.first_rows[0].cells
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
            state = {**pending.state, "columns": mapping.names(header), "pupil": None}
            if "work" in state:  # a big file: a job reads it again with these columns
                return _read_as_work(view, state)
            session[KEY] = state
            refreshed = _pending(case_id)
            if refreshed is not None:
                return _next(case_id, refreshed)
    return render_template("web/register_columns.html", view=view, form=form,
                           pending=pending, header=header, roles=MAPPED_ROLES,
                           rows=pending.first_rows[1:ROWS_SHOWN + 1],
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
        state = {**pending.state, "sheet": form.sheet.data, "columns": None, "pupil": None}
        if "work" in state:  # a big file: a job reads the other sheet
            return _read_as_work(view, state)
        session[KEY] = state
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
        return _upload_page(view, form, _problem_list(register_marks.refusal(exc), form))
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
