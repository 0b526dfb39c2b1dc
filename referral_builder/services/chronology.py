"""Record an event in a case's chronology, with a document attached or not: the one save
path of the event form (web/events.py) and of the job that checks an attached file first.

An attached file is checked (a PDF cleaned in a sandboxed child, a Word document checked:
`evidence.accept_upload`) by a work job of kind "event_attachment", never in the request.
The job stores the clean file, then, in the transaction that marks it done, reads the case
again (locked) and saves the event with the same rules as an event saved without a file:

- a new event merges with other changes made to the case meanwhile (it takes the next free
  event id then);
- a change to an event merges too, unless someone else changed that same event since the
  form was shown (`EventConflict`);
- a referral that has been sent is not changed;
- a create form saved twice (a double click, Back then Save) saves once (`form_tokens`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.domain.calendar import long_date
from referral_builder.domain.errors import (
    Conflict,
    EventConflict,
    EventNotSaved,
    FileStoreError,
    InvalidCase,
)
from referral_builder.services import cases, form_tokens, work
from referral_builder.services.evidence import accept_upload
from referral_builder.storage.models import CaseRecord, WorkJob

KIND = "event_attachment"
CHANGED = "Someone else changed this event after you opened it."
SENT = ("This referral has been sent, so it cannot be changed now: nothing was saved. If the "
        "local authority returns it, you can change it and send it again.")
REMOVED = "Someone removed this event after you opened it: nothing was saved."
#: Stands for the saved event's id in the page a saved form's token points at.
EVENT_ID = "EVENT_ID"


@dataclass(frozen=True)
class EventChange:
    """An event as its form made it, and what the form was shown: the case's version and a
    fingerprint of the event (`basis`). `label` names the event's type ("Letter")."""

    event: dict[str, Any]
    event_id: str | None
    shown_version: int | str | None
    basis: str
    label: str


@dataclass(frozen=True)
class Attachment:
    """A checked file, already in the store, to add to the case's documents."""

    sha256: str
    size: int
    filename: str
    media_type: str
    title: str
    kind: str | None  # what the document is (DOCUMENT_KIND_LABELS), None for "other"


def fingerprint(event: dict[str, Any]) -> str:
    """A short digest of an event as stored, to tell whether it changed under a form."""
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:32]


def describe(event: dict[str, Any], label: str) -> str:
    when = long_date_of(event.get("date"))
    return f"{label.lower()} of {when}: {event.get('summary') or 'no summary'}"


def long_date_of(value: str | None) -> str:
    import datetime as dt

    return long_date(dt.date.fromisoformat(value[:10])) if value else "no date"


def _old(data: dict[str, Any], event_id: str | None) -> dict[str, Any] | None:
    events = data.setdefault("events", [])
    return next((e for e in events if e["id"] == event_id), None) if event_id else {}


def version_to_save(record: CaseRecord, data: dict[str, Any], change: EventChange
                    ) -> int | str | None:
    """The version to save the change against: the one shown, or the current one when the
    case changed since but not this event. Raise EventConflict or EventNotSaved."""
    old = _old(data, change.event_id)
    if old is None:
        raise EventNotSaved(REMOVED)
    if str(change.shown_version) == str(record.version):
        return change.shown_version
    if change.event_id and change.basis != fingerprint(old):
        raise EventConflict(
            f"{CHANGED} Your changes are kept below, but not saved: check them against "
            f"theirs ({describe(old, change.label)}) and save again.")
    return record.version


def apply(s: Session, record: CaseRecord, data: dict[str, Any], change: EventChange, *,
          user_id: int | None, attachment: Attachment | None = None,
          remember: Callable[[str], None] = lambda event_id: None) -> tuple[str, int | str | None]:
    """Put the event (and its document) into `data` and the session; return its id and the
    version to save `data` against (`cases.save_case`). `remember(event_id)` adds a form's
    token to the same transaction. Raise EventConflict or EventNotSaved (nothing changed)."""
    version = version_to_save(record, data, change)
    events = data["events"]
    old = _old(data, change.event_id)
    event = json.loads(json.dumps(change.event))  # a copy: the caller's stays as built
    if not change.event_id:
        event["id"] = cases.next_id(events, "e")  # events added meanwhile took other ids
    if attachment is not None:
        doc_id = cases.add_stored_document(
            s, record, data, sha256=attachment.sha256, size=attachment.size,
            filename=attachment.filename, media_type=attachment.media_type,
            title=attachment.title, kind="evidence", user_id=user_id)
        if attachment.kind not in (None, "", "other"):
            data["documents"][-1]["kind"] = attachment.kind
        event["documents"] = [*event.get("documents", []), doc_id]
    if change.event_id:
        events[events.index(old)] = event
    else:
        events.append(event)
        remember(event["id"])
    return event["id"], version


def live_job(s: Session, *, user_id: int, case_id: int, token: str, content: str) -> int | None:
    """The id of this user's attachment job for the case, still running, started by the same
    form (its token) or with the same content: a second submit goes to its page."""
    rows = s.scalars(select(WorkJob).where(
        WorkJob.kind == KIND, WorkJob.requested_by == user_id, WorkJob.case_id == case_id,
        WorkJob.state.in_(work.LIVE)).order_by(WorkJob.id.desc()))
    for row in rows:
        params = work.params_of(row)
        if (token and params.get("token") == token) or params.get("content") == content:
            return row.id
    return None


@work.kind(KIND)
def check_attachment(ctx: work.Context) -> work.Finish:
    """Check the attached file, store the clean copy, then save the event with it."""
    p = ctx.params
    ctx.progress(f"Checking {p['filename']}")
    clean, media = accept_upload(ctx.input(), p["filename"])
    ctx.progress(f"Saving {p['filename']}")
    try:
        sha = ctx.store.put(clean)
    except FileStoreError as exc:
        raise FileStoreError(_capital(FileStoreError.USER_MESSAGE)) from exc
    attachment = Attachment(sha, len(clean), p["filename"], media, p["title"],
                            p.get("attachment_kind"))

    def finish(s: Session) -> dict[str, Any]:
        try:
            return _save(s, ctx, attachment)
        except BaseException:
            with ctx.app.extensions["db"].session() as other:  # the clean copy, unless used
                work.drop_input(other, ctx.store, sha)
            raise
    return finish


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _save(s: Session, ctx: work.Context, attachment: Attachment) -> dict[str, Any]:
    p = ctx.params
    record = s.get(CaseRecord, ctx.case_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise EventNotSaved("The case was deleted: nothing was saved.")
    if record.status not in cases.EDITABLE:
        raise EventNotSaved(SENT)
    if not p.get("event_id"):  # saved already, by another submit of the same form
        url = form_tokens.saved_page(s, token=p.get("token", ""), user_id=ctx.user_id or 0,
                                     case_id=record.id, content=p.get("content", ""))
        if url is not None:
            return {"case_id": record.id, "already": url}
    data: dict[str, Any] = json.loads(record.data)
    change = EventChange(p["event"], p.get("event_id"), p.get("version"), p.get("basis", ""),
                         p.get("label", "Event"))

    def remember(event_id: str) -> None:
        form_tokens.remember(s, token=p.get("token", ""), user_id=ctx.user_id or 0,
                             case_id=record.id,
                             url=p.get("saved_url", "").replace(EVENT_ID, event_id),
                             content=p.get("content", ""))

    event_id, version = apply(s, record, data, change, user_id=ctx.user_id,
                              attachment=attachment, remember=remember)
    try:
        cases.save_case(s, record, data, version)
    except Conflict:
        raise EventNotSaved(SENT if record.status not in cases.EDITABLE else
                            "Someone else changed this case while your file was checked: "
                            "nothing was saved. Save again.") from None
    except InvalidCase as exc:
        raise EventNotSaved(f"This cannot be saved: {exc}") from None
    return {"case_id": record.id, "event_id": event_id}
