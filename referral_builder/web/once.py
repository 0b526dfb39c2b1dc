"""One-time tokens on create forms: Back then Save, or a double click, never makes a copy.

A create form carries a random token (`VersionedForm.once`). The save records the token, a
digest of what was saved and the page of the record it made, in the same transaction. A
second submit is sent to the saved record with a note, instead of saving a copy, when it
carries the same token (a double click, or Back to a form the browser kept), or the same
content for the same case from the same user within a few minutes (Back to a form the
browser fetched again, with a new token but the typed values restored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from flask import flash, redirect
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from referral_builder.storage.models import FormToken, utcnow
from referral_builder.web import database

ALREADY_SAVED = "You have already saved this. This is the saved record: nothing was added twice."
SAME_CONTENT_WINDOW = dt.timedelta(minutes=15)


def _token(form) -> str:  # type: ignore[no-untyped-def]
    value = (form.once.data or "").strip() if "once" in form else ""
    return value[:64]


def digest(kind: str, content: Any) -> str:
    return hashlib.sha256(json.dumps([kind, content], sort_keys=True, default=str)
                          .encode()).hexdigest()


def already_saved(form, case_id: int | None = None,  # type: ignore[no-untyped-def]
                  content: str = "") -> Response | None:
    """If this form (its token, or the same content) was saved just before, a redirect to
    the record it made."""
    s = database.session()
    token = _token(form)
    row = s.get(FormToken, token) if token else None
    if row is not None and row.user_id != current_user.id:
        row = None
    if row is None and content and case_id is not None:
        row = s.scalar(select(FormToken).where(
            FormToken.content == content, FormToken.case_id == case_id,
            FormToken.user_id == current_user.id,
            FormToken.at >= utcnow() - SAME_CONTENT_WINDOW).order_by(FormToken.at.desc()))
    if row is None:
        return None
    flash(ALREADY_SAVED, "success")
    return redirect(row.redirect_to)


def remember(form, case_id: int | None, url: str, content: str = "") -> None:  # type: ignore[no-untyped-def]
    """Add the token's row to the session: it is committed with the record it made."""
    token = _token(form)
    if token:
        database.session().add(FormToken(token=token, user_id=current_user.id,
                                         case_id=case_id, redirect_to=url[:300],
                                         content=content))
