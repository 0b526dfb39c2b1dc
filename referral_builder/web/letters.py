"""Letters: pick a template and a carer, preview, download the DOCX, record it as sent."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.forms.letters import LetterForm
from referral_builder.web import database, once, services
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.downloads import attachment
from referral_builder.web.evidence_files import DOCX

bp = Blueprint("letters", __name__, url_prefix="/cases/<int:case_id>/letters")


def _form(view: services.CaseView, data: dict | None = None) -> LetterForm:  # type: ignore[type-arg]
    from referral_builder.documents.letters import list_templates

    form = LetterForm(data={"version": view.record.version, **(data or {})})
    form.template.choices = [(t.id, t.title) for t in list_templates()]
    form.carer.choices = [(c.id, f"{c.name} ({c.relationship})" if c.relationship else c.name)
                          for c in view.case.carers if not c.contact_restriction]
    form.meeting.choices = [("", "Not about a meeting")] + [
        (e.id, f"Meeting on {e.date}") for e in view.case.events if e.type == "meeting"]
    return form


def _extras(source, template_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The template's extra details (`extra_<key>` in a form or a query string)."""
    from referral_builder.documents.letters import get_template

    try:
        keys = get_template(template_id).extra
    except ReferralBuilderError:
        return {}
    found = {k: source.get(f"extra_{k}", "").strip()[:2000] for k in keys}
    return {k: v for k, v in found.items() if v}


def _render(view: services.CaseView, template: str, carer: str, meeting: str | None,
            extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from referral_builder.documents.letters import render_letter

    event = view.case.event(meeting) if meeting else None
    return render_letter(view.case, template, carer, on=dt.date.today(), meeting=event,
                         extra=extra or None)


def _text(docx: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]


@bp.route("", methods=["GET", "POST"])
@school_user
def new(case_id: int):  # type: ignore[no-untyped-def]
    view = case_view(case_id)
    form = _form(view)
    if form.validate_on_submit():
        extra = _extras(request.form, form.template.data)
        try:
            result = _render(view, form.template.data, form.carer.data, form.meeting.data,
                             extra)
        except ReferralBuilderError as exc:
            form.template.errors = [f"This letter cannot be written yet: {exc}"]
        else:
            return render_template(
                "web/letter_preview.html", view=view, form=form, result=result, extra=extra,
                lines=_text(result.docx), title="Check the letter",
                back_url=url_for("letters.new", case_id=case_id))
    return render_template("web/letters.html", view=view, form=form, title="Write a letter",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.get("/download")
@school_user
def download(case_id: int):  # type: ignore[no-untyped-def]
    view = case_view(case_id, action="download")
    args = request.args
    try:
        result = _render(view, args.get("template", ""), args.get("carer", ""),
                         args.get("meeting") or None, _extras(args, args.get("template", "")))
    except ReferralBuilderError:
        return redirect(url_for("letters.new", case_id=case_id))
    carer = view.case.carer(args.get("carer", ""))
    name = f"{result.template.id}-{carer.name if carer else 'letter'}-{dt.date.today()}.docx"
    return attachment(result.docx, name, DOCX)


@bp.post("/record")
@school_user
def record(case_id: int):  # type: ignore[no-untyped-def]
    """Record the letter as sent: store the DOCX and add the letter to the chronology."""
    from referral_builder.schemas.case import dump_event

    view = case_view(case_id, edit=True)
    form = _form(view)
    if not form.validate_on_submit():
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    if (done := once.already_saved(form)) is not None:
        return done
    try:
        result = _render(view, form.template.data, form.carer.data, form.meeting.data,
                         _extras(request.form, form.template.data))
    except ReferralBuilderError as exc:
        form.template.errors = [f"This letter cannot be written yet: {exc}"]
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    carer = view.case.carer(form.carer.data)
    doc_id = services.add_document(
        database.session(), database.files(), view.record, view.data, content=result.docx,
        filename=f"{result.template.id}-{form.carer.data}-{dt.date.today()}.docx",
        media_type=DOCX, title=f"{result.template.title}: {carer.name if carer else ''}",
        kind="letter", user_id=current_user.id)
    event = dump_event(result.event)
    event["id"] = services.next_id(view.data.setdefault("events", []), "e")
    event["documents"] = [doc_id]
    event["by"] = {"name": current_user.name, "role": current_user.role_name}
    view.data["events"].append(event)
    once.remember(form, case_id, url_for("events.new_details", case_id=case_id,
                                         event_id=event["id"]))
    # A new letter merges with any other change made meanwhile (the case was loaded afresh).
    if (problem := save_or_conflict(view, view.data, view.record.version)) is not None:
        form.template.errors = [problem]
        return render_template("web/letters.html", view=view, form=form, title="Write a letter")
    return redirect(url_for("events.index", case_id=case_id, recorded=1))
