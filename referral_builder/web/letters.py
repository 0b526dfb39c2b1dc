"""Letters: pick a template and a carer, preview, download the DOCX (or a PDF, drawn by a
work job: services/letter_pdfs.py), record it as sent."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.forms.letters import LetterForm
from referral_builder.services import cases, letter_pdfs, work
from referral_builder.services.evidence import DOCX
from referral_builder.services.notices import notice_problem
from referral_builder.web import database, once
from referral_builder.web import work as work_web
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.downloads import attachment
from referral_builder.web.filters import long_date

if TYPE_CHECKING:
    from referral_builder.documents.letters import LetterResult, LetterTemplate

bp = Blueprint("letters", __name__, url_prefix="/cases/<int:case_id>/letters")


def offered(view: cases.CaseView, templates: list[LetterTemplate]) -> list[LetterTemplate]:
    """The case's authority's letters, the model letters and the school's own (issue 14.7)."""
    ids = {name for c in view.checklists for name in (c.id, *c.aliases)}
    return [t for t in templates if t.overridden or not t.authorities
            or ids.intersection(t.authorities)]


def _form(view: cases.CaseView, data: dict[str, Any] | None = None) -> LetterForm:
    from referral_builder.documents.letters import list_templates

    form = LetterForm(data={"version": view.record.version, "sent_on": dt.date.today(),
                            **(data or {})})
    form.template.choices = [(t.id, t.title) for t in offered(view, list_templates())]
    form.carer.choices = [(c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name)
                          for c in view.case.carers if not c.contact_restriction]
    form.meeting.choices = [("", "Not about a meeting")] + [
        (e.id, f"Meeting on {long_date(e.date) or 'no date'}") for e in view.case.events
        if e.type == "meeting"]
    return form


def _extras(source: Mapping[str, str], template_id: str) -> dict[str, str]:
    """The template's extra details (`extra_<key>` in the posted form)."""
    from referral_builder.documents.letters import get_template

    try:
        keys = get_template(template_id).extra
    except ReferralBuilderError:
        return {}
    found = {k: source.get(f"extra_{k}", "").strip()[:2000] for k in keys}
    return {k: v for k, v in found.items() if v}


def _render(view: cases.CaseView, template: str, carer: str, meeting: str | None,
            extra: dict[str, str] | None = None, on: dt.date | None = None
            ) -> LetterResult:
    return letter_pdfs.render(view.case, template, carer, meeting, extra,
                              on or dt.date.today())


def _notice(view: cases.CaseView, result: LetterResult, sent: dt.date) -> str | None:
    """The notice problem of a letter that invites to a meeting (the one it invites to)."""
    if "meeting_invite" not in result.event.purposes:
        return None
    return notice_problem(view, result.event.meeting, sent)


def _text(docx: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]


@bp.route("", methods=["GET", "POST"])
@school_user
def new(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    # Drafting from a next step (web/planning.py): the template, carer and meeting filled in.
    form = _form(view, {k: request.args[k] for k in ("template", "carer", "meeting")
                        if k in request.args} if request.method == "GET" else None)
    failed = work_web.failed_work(request.args.get("work"), "letter_pdf") \
        if request.method == "GET" else None
    if failed is not None:  # "Download as PDF" found the letter cannot be written
        form = _form(view, _typed(failed.params))
        form.template.errors = [failed.error]
    if form.validate_on_submit():
        extra = _extras(request.form, form.template.data)
        sent_on = form.sent_on.data or dt.date.today()
        try:
            result = _render(view, form.template.data, form.carer.data, form.meeting.data,
                             extra, sent_on)
        except ReferralBuilderError as exc:
            form.template.errors = [f"This letter cannot be written yet: {exc}"]
        else:
            return render_template(
                "web/letter_preview.html", view=view, form=form, result=result, extra=extra,
                lines=_text(result.docx), title="Check the letter", sent_on=sent_on,
                today=dt.date.today(),
                notice=_notice(view, result, sent_on),
                back_url=url_for("letters.new", case_id=case_id))
    return render_template("web/letters.html", view=view, form=form, title="Write a letter",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.post("/download")
@school_user
def download(case_id: int) -> ResponseReturnValue:
    """The letter as a Word document. A POST, so that the details typed into the letter
    (names, reasons, targets) never go into a URL, and so into access logs and history."""
    view = case_view(case_id, action="download")
    form = _form(view)
    if not form.validate_on_submit():
        return redirect(url_for("letters.new", case_id=case_id))
    try:
        on = min(form.sent_on.data or dt.date.today(), dt.date.today())
        result = _render(view, form.template.data, form.carer.data, form.meeting.data or None,
                         _extras(request.form, form.template.data), on)
    except ReferralBuilderError:
        return redirect(url_for("letters.new", case_id=case_id))
    carer = view.case.carer(form.carer.data)
    name = f"{result.template.id}-{carer.name if carer else 'letter'}-{on}.docx"
    return attachment(result.docx, name, DOCX)


def _typed(params: dict[str, Any]) -> dict[str, Any]:
    """What was asked for a PDF, to fill in the letter's form again."""
    typed = {k: params[k] for k in ("template", "carer", "meeting") if params.get(k)}
    with contextlib.suppress(ValueError):
        typed["sent_on"] = dt.date.fromisoformat(str(params.get("sent_on")))
    return typed


@bp.post("/pdf")
@school_user
def pdf(case_id: int) -> ResponseReturnValue:
    """Start drawing the letter as a PDF (a work job: the page shows its progress, then the
    download). A POST, as for the Word document: the letter's details go in no URL."""
    view = case_view(case_id, action="download")
    form = _form(view)
    if not form.validate_on_submit():
        return redirect(url_for("letters.new", case_id=case_id))
    sent_on = form.sent_on.data or dt.date.today()
    return work_web.begin("letter_pdf", case_id=case_id, params={
        "template": form.template.data, "carer": form.carer.data,
        "meeting": form.meeting.data or None,
        "extra": _extras(request.form, form.template.data),
        "on": min(sent_on, dt.date.today()).isoformat(), "sent_on": sent_on.isoformat()})


def _pdf_job(case_id: int, job_id: int) -> work.Row:
    """The signed-in user's `letter_pdf` job for this case (which they may still see), else
    404."""
    row = work.get(database.session(), job_id)
    if row is None or row.kind != "letter_pdf" or row.requested_by != current_user.id \
            or row.case_id != case_id:
        abort(404)
    return row


@bp.get("/pdf/<int:job_id>")
@school_user
def pdf_ready(case_id: int, job_id: int) -> ResponseReturnValue:
    """"Your letter is ready": the download link, and the way back to the letter. A page
    rather than the file itself: a user who waited on the progress page lands here, where a
    download alone would leave the progress page showing."""
    view = case_view(case_id)
    row = _pdf_job(case_id, job_id)
    if work.status(row, current_app) != "done":  # not yet, or it failed: its page says
        return redirect(url_for("work.show", job_id=job_id), 303)
    params, result = work.params_of(row), work.result_of(row)
    return render_template("web/letter_pdf.html", view=view, row=row, params=params,
                           result=result, sent_on=_typed(params).get("sent_on"),
                           title="Your letter is ready")


@bp.get("/pdf/<int:job_id>/download")
@school_user
def pdf_download(case_id: int, job_id: int) -> ResponseReturnValue:
    case_view(case_id, action="download")
    row = _pdf_job(case_id, job_id)
    found = letter_pdfs.download(database.session(), database.files(), row)
    if found is None:
        abort(404)
    return attachment(found.content, found.filename, letter_pdfs.PDF)


work_web.outcome(
    "letter_pdf", "Drawing the letter as a PDF",
    done=lambda row, _result: url_for("letters.pdf_ready", case_id=row.case_id,
                                      job_id=row.id),
    failed=lambda row: url_for("letters.new", case_id=row.case_id, work=row.id),
    wait="This usually takes a few seconds.")


@bp.post("/record")
@school_user
def record(case_id: int) -> ResponseReturnValue:
    """Record the letter as sent: store the DOCX and add the letter to the chronology."""
    from referral_builder.schemas.case import dump_event

    view = case_view(case_id, edit=True)
    form = _form(view)
    if not form.validate_on_submit():
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    sent_on = form.sent_on.data or dt.date.today()
    content = once.digest("letter", [form.template.data, form.carer.data, form.meeting.data,
                                     sent_on, sorted(_extras(request.form,
                                                             form.template.data).items())])
    if (done := once.already_saved(form, case_id, content)) is not None:
        return done
    sent_on = form.sent_on.data or dt.date.today()
    extra = _extras(request.form, form.template.data)
    try:
        result = _render(view, form.template.data, form.carer.data, form.meeting.data,
                         extra, sent_on)
    except ReferralBuilderError as exc:
        form.template.errors = [f"This letter cannot be written yet: {exc}"]
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    notice = _notice(view, result, sent_on)
    if notice and not form.confirm_notice.data:
        form.confirm_notice.errors = ["Confirm the date on the letter is right, or go back "
                                      "and change it"]
        return render_template(
            "web/letter_preview.html", view=view, form=form, result=result, extra=extra,
            lines=_text(result.docx), title="Check the letter", sent_on=sent_on,
                today=dt.date.today(),
            notice=notice, problems=[{"text": form.confirm_notice.errors[0],
                                      "href": "#confirm_notice"}],
            back_url=url_for("letters.new", case_id=case_id)), 400
    carer = view.case.carer(form.carer.data)
    doc_id = cases.add_document(
        database.session(), database.files(), view.record, view.data, content=result.docx,
        filename=f"{result.template.id}-{form.carer.data}-{sent_on}.docx",
        media_type=DOCX, title=f"{result.template.title}: {carer.name if carer else ''}",
        kind="letter", user_id=current_user.id)
    view.data["documents"][-1]["kind"] = "letter_copy"  # documents[].kind (issue 13.3)
    event = dump_event(result.event)  # records the template it was drafted from
    event["id"] = cases.next_id(view.data.setdefault("events", []), "e")
    event["documents"] = [doc_id]
    event["by"] = {"name": current_user.name, "role": current_user.role_name}
    view.data["events"].append(event)
    once.remember(form, case_id, url_for("events.new_details", case_id=case_id,
                                         event_id=event["id"]), content)
    # A new letter merges with any other change made meanwhile (the case was loaded afresh).
    if (problem := save_or_conflict(view, view.data, view.record.version)) is not None:
        form.template.errors = [problem]
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    # Its PDF is drawn now, by a job, and kept: the bundle uses it instead of drawing it.
    database.session().close()  # the job writes on its own connection
    letter_pdfs.keep_later(current_app._get_current_object(),  # type: ignore[attr-defined]  # a LocalProxy
                           result.docx, f"{result.template.title}: {carer.name if carer else ''}")
    return redirect(url_for("events.index", case_id=case_id, recorded=1))
