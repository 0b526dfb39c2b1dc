"""Register marks: upload a CSV, preview it with errors by line, then the attendance summary."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, redirect, render_template, request, session, url_for

from referral_builder.domain import stats
from referral_builder.domain.calendar import school_year_start
from referral_builder.domain.errors import RegisterImportError
from referral_builder.domain.model import Case, Mark
from referral_builder.domain.register_import import parse_register_csv
from referral_builder.forms.register import RegisterConfirmForm, RegisterUploadForm
from referral_builder.web import database, uploads
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict

bp = Blueprint("register", __name__, url_prefix="/cases/<int:case_id>/register")
MAX_PROBLEMS_SHOWN = 20


def period(case: Case) -> tuple[dt.date, dt.date]:
    """Marks are accepted from the start of the previous school year to the referral date."""
    start = school_year_start(case.referral_date)
    return start.replace(year=start.year - 1), max(case.referral_date, dt.date.today())


def summary(case: Case) -> dict[str, object] | None:
    if not case.marks:
        return None
    s = stats.compute(case, min(case.referral_date, case.marks[-1].date)
                      if case.referral_date < case.marks[-1].date else case.referral_date)
    return {"stats": s, "attendance": s.summary()}


@bp.route("", methods=["GET", "POST"])
@school_user
def upload(case_id: int):  # type: ignore[no-untyped-def]
    view = case_view(case_id, edit=request.method == "POST")
    form = RegisterUploadForm(data={"version": view.record.version})
    uploads.flag(form.csv_file)
    problems = []
    if form.validate_on_submit():
        raw = form.csv_file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        try:
            parse_register_csv(text, within=period(view.case))
        except RegisterImportError as exc:
            shown = exc.problems[:MAX_PROBLEMS_SHOWN]
            problems = [{"text": f"Line {n}: {msg}" if n else msg[0].upper() + msg[1:],
                         "href": "#csv_file"} for n, msg in shown]
            more = len(exc.problems) - len(shown)
            form.csv_file.errors = [f"The file has {len(exc.problems)} problem"
                                    f"{'s' * (len(exc.problems) != 1)}: fix them and upload "
                                    "it again" + (f" ({more} more not shown)" if more else "")]
        else:
            session["register_upload"] = {"case": case_id, "sha": database.files().put(
                text.encode("utf-8"))}
            return redirect(url_for("register.preview", case_id=case_id))
    return render_template("web/register.html", view=view, form=form, problems=problems,
                           summary=summary(view.case), title="Register marks",
                           back_url=url_for("cases.task_list", case_id=case_id))


def _pending(case_id: int, case: Case) -> list[Mark] | None:
    pending = session.get("register_upload") or {}
    if pending.get("case") != case_id:
        return None
    try:
        text = database.files().get(pending["sha"]).decode("utf-8")
        return parse_register_csv(text, within=period(case))
    except (OSError, ValueError, RegisterImportError):
        return None


@bp.route("/preview", methods=["GET", "POST"])
@school_user
def preview(case_id: int):  # type: ignore[no-untyped-def]
    view = case_view(case_id, edit=request.method == "POST")
    marks = _pending(case_id, view.case)
    if marks is None:
        return redirect(url_for("register.upload", case_id=case_id))
    form = RegisterConfirmForm(data={"version": view.record.version})
    if form.validate_on_submit():
        view.data["register"] = {"marks": [
            {"date": m.date.isoformat(), "session": m.session, "code": m.code} for m in marks]}
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            session.pop("register_upload", None)
            return redirect(url_for("register.upload", case_id=case_id, saved=1))
        form.errors  # noqa: B018
        return render_template("web/register_preview.html", view=view, form=form, marks=marks,
                               summary=summary(dataclasses.replace(view.case, marks=tuple(marks))),
                               problems=[{"text": problem, "href": "#main-content"}],
                               title="Check the register marks")
    return render_template("web/register_preview.html", view=view, form=form, marks=marks,
                           summary=summary(dataclasses.replace(view.case, marks=tuple(marks))),
                           title="Check the register marks",
                           back_url=url_for("register.upload", case_id=case_id))
