"""One-time tokens on create forms: Back then Save, or a double click, never makes a copy.

A create form carries a random token (`VersionedForm.once`). The save records the token with
the page of the record it made, in the same transaction; a second submit of the same token
finds that row and is sent to the saved record with a note, instead of saving a copy.
"""

from __future__ import annotations

from flask import flash, redirect
from flask_login import current_user
from werkzeug.wrappers import Response

from referral_builder.storage.models import FormToken
from referral_builder.web import database

ALREADY_SAVED = "You have already saved this. This is the saved record: nothing was added twice."


def _token(form) -> str:  # type: ignore[no-untyped-def]
    value = (form.once.data or "").strip() if "once" in form else ""
    return value[:64]


def already_saved(form) -> Response | None:  # type: ignore[no-untyped-def]
    """If this form's token was saved before by this user, a redirect to what it made."""
    token = _token(form)
    if not token:
        return None
    row = database.session().get(FormToken, token)
    if row is None or row.user_id != current_user.id:
        return None
    flash(ALREADY_SAVED, "success")
    return redirect(row.redirect_to)


def remember(form, case_id: int | None, url: str) -> None:  # type: ignore[no-untyped-def]
    """Add the token's row to the session: it is committed with the record it made."""
    token = _token(form)
    if token:
        database.session().add(FormToken(token=token, user_id=current_user.id,
                                         case_id=case_id, redirect_to=url[:300]))
