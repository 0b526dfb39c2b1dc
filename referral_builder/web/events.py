"""The chronology: add, change and remove events, with the questions that fit each type."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from referral_builder.domain.errors import EventConflict
from referral_builder.forms.case import VersionedForm
from referral_builder.forms.events import (
    EVENT_QUESTIONS,
    EVENT_TYPE_LABELS,
    EventForm,
    EventTypeForm,
    safe_filename,
)
from referral_builder.services import cases, chronology
from referral_builder.web import database, once, uploads
from referral_builder.web import work as work_web
from referral_builder.web.access import case_view, school_user
from referral_builder.web.cases import save_or_conflict
from referral_builder.web.downloads import attachment
from referral_builder.web.filters import long_date

bp = Blueprint("events", __name__, url_prefix="/cases/<int:case_id>")
YES_NO: dict[bool | None, str] = {True: "yes", False: "no"}
SIMPLE = ("purposes", "meeting", "encloses", "direction", "kind", "agency", "support",
          "service", "of", "to", "replaces")
BOOLEANS = ("plan_agreed", "internal", "consent_requested", "improved", "requested_by_parent")


@bp.get("/events")
@school_user
def index(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    events = sorted(view.data.get("events", []), key=lambda e: (e.get("date") or "",
                                                              e.get("time") or ""))
    return render_template("web/events.html", view=view, events=events,
                           labels=EVENT_TYPE_LABELS, docs={d["id"]: d for d in
                                                           view.data.get("documents", [])},
                           carers={c["id"]: c["name"] for c in view.data.get("carers", [])},
                           title="Chronology",
                           back_url=url_for("cases.task_list", case_id=case_id))


@bp.route("/events/new", methods=["GET", "POST"])
@school_user
def new(case_id: int) -> ResponseReturnValue:
    view = case_view(case_id)
    form = EventTypeForm(data={"version": view.record.version})
    if form.validate_on_submit():
        return redirect(url_for("events.new_details", case_id=case_id,
                                event_type=form.type.data))
    return render_template("web/event_type.html", form=form, title="What do you want to record?",
                           back_url=url_for("events.index", case_id=case_id))


def _form(view: cases.CaseView, event_type: str, old: dict[str, Any],
          formdata: MultiDict[str, Any] | None = None) -> EventForm:
    """The form for the event `old` (a new one: {}); `formdata`: what was typed before."""
    data = {"version": view.record.version, **_form_data(old)}
    form = EventForm(formdata=formdata, data=data) if formdata is not None else EventForm(
        data=data)
    form.restrict_to(event_type)
    carers = [(c["id"], c["name"]) for c in view.data.get("carers", [])]
    events = view.data.get("events", [])

    def on(e: dict[str, Any]) -> str:
        return long_date(e.get("date")) or "no date"

    for name in ("to", "with_carers", "attended"):
        if name in form:
            form[name].choices = carers
    if "meeting" in form:
        form.meeting.choices = [("", "Not about a meeting")] + [
            (e["id"], f"Meeting on {on(e)}") for e in events
            if e["type"] == "meeting" and e["id"] != old.get("id")]
    if "replaces" in form:  # issue 13.3: a rescheduled meeting's new date is a new meeting
        form.replaces.choices = [("", "No")] + [
            (e["id"], f"Meeting on {on(e)} ({e.get('status')})") for e in events
            if e["type"] == "meeting" and e["id"] != old.get("id")
            and e.get("status") in ("rescheduled", "cancelled")]
    if "of" in form:
        form.of.choices = [("", "Select what was reviewed")] + [
            (e["id"], f"{EVENT_TYPE_LABELS[e['type']]} on {on(e)}") for e in events
            if e["id"] != old.get("id")]
    return form


@bp.route("/events/new/<event_type>", methods=["GET", "POST"])
@bp.route("/events/<event_id>", methods=["GET", "POST"])
@school_user
def new_details(case_id: int, event_type: str | None = None,
                event_id: str | None = None) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    events = view.data.setdefault("events", [])
    old = next((e for e in events if e["id"] == event_id), None) if event_id else {}
    if old is None:
        abort(404)
    event_type = str(old.get("type", event_type) or "")
    if event_type not in EVENT_QUESTIONS:
        abort(404)
    failed = _failed_attachment(case_id, event_type, event_id)
    form = _form(view, event_type, old,
                 formdata=MultiDict(failed.params.get("form", {})) if failed else None)
    label = EVENT_TYPE_LABELS[event_type].lower()
    noun = label.removeprefix("other ")  # "Other note" reads "Record a note"
    article = "an" if noun[:1] in "aeiou" else "a"
    title = f"Change the {noun}" if event_id else f"Record {article} {noun}"
    back_url = url_for("events.index", case_id=case_id)
    problems: list[dict[str, str]] = []
    if failed:
        problems = _show_failure(form, failed, view, old)
    elif request.method == "GET":
        form.basis.data = chronology.fingerprint(old)
        uploads.flag(form.attachment)
    if form.validate_on_submit():
        change = chronology.EventChange(_event_json(form, event_type, old, events), event_id,
                                        form.version.data, form.basis.data or "",
                                        EVENT_TYPE_LABELS[event_type])
        try:
            # The case changed since the form was shown? A new event, or a change to an
            # event nobody else touched, merges with the other change (the case was loaded
            # afresh for this request); a change to the same event is a real conflict.
            chronology.version_to_save(view.record, view.data, change)
        except EventConflict as exc:
            form.version.data = view.record.version
            form.basis.data = chronology.fingerprint(old)
            problems = [{"text": str(exc), "href": "#main-content"}]
            return render_template("web/event.html", form=form, title=title,
                                   event_type=event_type, problems=problems,
                                   back_url=back_url), 409
        event = change.event
        # A letter inviting to a meeting it is dated after, or with short notice, needs a
        # confirmation, as on the letters page (issue 14.3): asked again only when its date,
        # meeting or purposes change.
        from referral_builder.web.letters import notice_problem

        notice = notice_problem(view, event.get("meeting"), form.date.data) if (
            event_type == "letter" and "meeting_invite" in event.get("purposes", []) and any(
                event.get(k) != old.get(k) for k in ("date", "meeting", "purposes"))) else None
        if notice and not request.form.get("confirm_notice"):
            error = "Confirm the date on the letter is right, or go back and change it"
            return render_template(
                "web/event.html", form=form, title=title, event_type=event_type, notice=notice,
                notice_error=error, problems=[{"text": error, "href": "#confirm_notice"}],
                back_url=back_url), 400
        upload = form.attachment.data
        content = once.digest("event", {
            **{k: v for k, v in event.items() if k != "id"},
            "file": upload.filename if upload and upload.filename else ""})
        if not event_id and (done := once.already_saved(form, case_id, content)) is not None:
            return done
        if upload and upload.filename:
            return _check_attachment(form, view, change, upload, content)
        s = database.session()
        _saved_id, shown = chronology.apply(
            s, view.record, view.data, change, user_id=current_user.id,
            remember=lambda new_id: once.remember(form, case_id, url_for(
                "events.new_details", case_id=case_id, event_id=new_id), content))
        if (problem := save_or_conflict(view, view.data, shown)) is None:
            return redirect(back_url)
        problems = [{"text": problem, "href": "#main-content"}]
    return render_template("web/event.html", form=form, title=title, event_type=event_type,
                           problems=problems, back_url=back_url)


#: Said on the file field when the form is shown again after its file was not saved.
CHOOSE_AGAIN = "Choose the file again: a file that was not saved is not kept."


def _check_attachment(form: EventForm, view: cases.CaseView, change: chronology.EventChange,
                      upload: Any, content: str) -> ResponseReturnValue:
    """Check the attached file in a job ("event_attachment"), which then saves the event."""
    case_id = view.record.id
    token = str(form.once.data or "")
    if not change.event_id and (job_id := chronology.live_job(
            database.session(), user_id=current_user.id, case_id=case_id, token=token,
            content=content)) is not None:
        return redirect(url_for("work.show", job_id=job_id), 303)  # a second submit
    posted = {k: request.form.getlist(k) for k in request.form
              if k not in ("csrf_token", "confirm_notice")}
    return work_web.begin(chronology.KIND, case_id=case_id, data=upload.read(), params={
        "case_id": case_id, "event": change.event, "event_id": change.event_id,
        "event_type": change.event["type"], "version": change.shown_version,
        "basis": change.basis, "label": change.label,
        "filename": safe_filename(upload.filename),
        "attachment_kind": form.attachment_kind.data,
        "title": f"{change.label} {long_date(change.event['date'])}",
        "token": token, "content": content, "form": posted,
        "saved_url": url_for("events.new_details", case_id=case_id,
                             event_id=chronology.EVENT_ID)})


def _failed_attachment(case_id: int, event_type: str,
                       event_id: str | None) -> work_web.Failed | None:
    """The attachment job this form is shown again after (`?work=<id>`), if it failed."""
    if request.method != "GET" or not request.args.get("work"):
        return None
    failed = work_web.failed_work(request.args.get("work"), chronology.KIND)
    if failed is None or failed.params.get("case_id") != case_id \
            or failed.params.get("event_id") != event_id \
            or failed.params.get("event_type") != event_type:
        return None
    return failed


def _show_failure(form: EventForm, failed: work_web.Failed, view: cases.CaseView,
                  old: dict[str, Any]) -> list[dict[str, str]]:
    """What was typed is in the form; say why it was not saved, and to choose the file
    again: on the file field when the file was refused, else in the error summary."""
    form.attachment.description = f"{CHOOSE_AGAIN} {form.attachment.description}"
    if not failed.problems:
        form.attachment.errors = [failed.error]
        return [{"text": failed.error, "href": "#attachment"}]
    if failed.error.startswith(chronology.CHANGED):  # to save again over their change
        form.version.data = view.record.version
        form.basis.data = chronology.fingerprint(old)
    return [{"text": message, "href": "#main-content"} for _line, message in failed.problems]


def _attached(row: work_web.work.Row, result: dict[str, Any]) -> str:
    if result.get("already"):  # the same form, saved by another submit
        flash(once.ALREADY_SAVED, "success")
        return str(result["already"])
    return url_for("events.index", case_id=row.case_id)


def _not_attached(row: work_web.work.Row) -> str:
    params = work_web.work.params_of(row)
    if row.error == chronology.REMOVED:  # no form to go back to
        flash(chronology.REMOVED, "important")
        return url_for("events.index", case_id=row.case_id)
    if params.get("event_id"):
        return url_for("events.new_details", case_id=row.case_id,
                       event_id=params["event_id"], work=row.id)
    return url_for("events.new_details", case_id=row.case_id,
                   event_type=params.get("event_type"), work=row.id)


work_web.outcome(chronology.KIND, "Checking your file", done=_attached, failed=_not_attached,
                 wait="A file usually takes a few seconds.")


def _form_data(e: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    data: dict[str, Any] = {k: e.get(k) for k in SIMPLE if e.get(k) is not None}
    if e.get("date"):
        data["date"] = dt.date.fromisoformat(e["date"])
    data["time"] = e.get("time")
    data["by_name"] = (e.get("by") or {}).get("name")
    data["by_role"] = (e.get("by") or {}).get("role")
    data["summary"] = e.get("summary")
    if e.get("states_attendance_pct") is not None:
        data["states_attendance_pct"] = f"{e['states_attendance_pct']:g}"
    kind = e.get("type")
    if kind == "medical_inquiry":
        data["medical_with"] = e.get("with") or []
    else:
        data["with_carers"] = e.get("with") or []
    if kind == "support_offer":
        data["support_outcome"] = e.get("outcome")
    else:
        data["outcome"] = e.get("outcome")
    if kind == "meeting":
        data["meeting_status"] = e.get("status")
        data["attended"] = e.get("attended") or []
    else:
        data["notice_status"] = e.get("status")
    for key in BOOLEANS:
        data[key] = YES_NO.get(e.get(key))
    return data


def _event_json(form: EventForm, event_type: str, old: dict[str, Any],
                events: list[dict[str, Any]]) -> dict[str, Any]:
    """The event as case-file JSON, keeping the keys this form does not ask about."""
    f = form._fields
    e: dict[str, Any] = {k: v for k, v in old.items() if k not in (
        *SIMPLE, *BOOLEANS, "with", "outcome", "status", "attended", "states_attendance_pct",
        "time", "by", "summary")}
    e.update({"id": old.get("id") or cases.next_id(events, "e"), "type": event_type,
              "date": form.date.data.isoformat()})
    if form.time.data:
        e["time"] = form.time.data
    if form.by_name.data or form.by_role.data:
        e["by"] = {"name": form.by_name.data or "", "role": form.by_role.data or ""}
    if form.summary.data:
        e["summary"] = form.summary.data
    for key in SIMPLE:
        if key in f and f[key].data not in (None, "", []):
            e[key] = f[key].data
    if "states_attendance_pct" in f and f["states_attendance_pct"].data:
        e["states_attendance_pct"] = float(f["states_attendance_pct"].data.rstrip("%"))
    if "with_carers" in f and f["with_carers"].data:
        e["with"] = f["with_carers"].data
    if "medical_with" in f:
        e["with"] = f["medical_with"].data
    if "outcome" in f and f["outcome"].data:
        e["outcome"] = f["outcome"].data
    if "support_outcome" in f and f["support_outcome"].data:
        e["outcome"] = f["support_outcome"].data
    if "meeting_status" in f:
        e["status"] = f["meeting_status"].data
        if f["meeting_status"].data == "did_not_attend":
            e["attended"] = []
        elif f["attended"].data:
            e["attended"] = f["attended"].data
    if "notice_status" in f:
        e["status"] = f["notice_status"].data
    for key in BOOLEANS:
        if key in f and f[key].boolean is not None:
            e[key] = f[key].boolean
    return e


@bp.route("/events/<event_id>/remove", methods=["GET", "POST"])
@school_user
def remove(case_id: int, event_id: str) -> ResponseReturnValue:
    view = case_view(case_id, edit=request.method == "POST")
    events = view.data.get("events", [])
    event = next((e for e in events if e["id"] == event_id), None)
    if event is None:
        abort(404)
    form = VersionedForm(data={"version": view.record.version})
    thing = f"the {EVENT_TYPE_LABELS[event['type']].lower()} on {long_date(event.get('date'))}"
    problems = []
    if form.validate_on_submit():
        events.remove(event)
        if (problem := save_or_conflict(view, view.data, form.version.data)) is None:
            return redirect(url_for("events.index", case_id=case_id))
        problems = [{"text": "Other events refer to it: change them first. " + problem,
                     "href": "#main-content"}]
    return render_template("web/confirm_remove.html", form=form, thing=thing,
                           problems=problems, title=f"Remove {thing}?",
                           back_url=url_for("events.index", case_id=case_id))


@bp.get("/documents/<doc_id>")
@school_user
def document(case_id: int, doc_id: str) -> ResponseReturnValue:
    view = case_view(case_id, action="download")
    doc = next((d for d in view.data.get("documents", []) if d["id"] == doc_id), None)
    if doc is None:
        abort(404)
    try:
        content = cases.document_bytes(database.session(), database.files(), view.record,
                                          doc_id)
    except (KeyError, FileNotFoundError):
        abort(404)
    name = doc["file"].rsplit("/", 1)[-1]
    media = "application/pdf" if name.lower().endswith(".pdf") else (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return attachment(content, name, media)
