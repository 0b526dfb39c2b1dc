"""One-time tokens on create forms: Back then Save, or a double click, never makes a copy.

A create form carries a random token (`VersionedForm.once`). The save records the token, a
digest of what was saved and the page of the record it made, in the same transaction
(`services.form_tokens`). A second submit is sent to the saved record with a note, instead
of saving a copy, when it carries the same token (a double click, or Back to a form the
browser kept), or the same content for the same case from the same user within a few
minutes (Back to a form the browser fetched again, with a new token but the typed values
restored).
"""

from __future__ import annotations

from flask import flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from referral_builder.services import form_tokens
from referral_builder.services.form_tokens import digest
from referral_builder.web import database

__all__ = ["ALREADY_SAVED", "already_saved", "digest", "remember"]

ALREADY_SAVED = "You have already saved this. This is the saved record: nothing was added twice."


def _token(form: FlaskForm) -> str:
    value = (form.once.data or "").strip() if "once" in form else ""
    return str(value)[:64]


def already_saved(form: FlaskForm, case_id: int | None = None,
                  content: str = "") -> Response | None:
    """If this form (its token, or the same content) was saved just before, a redirect to
    the record it made."""
    url = form_tokens.saved_page(database.session(), token=_token(form),
                                 user_id=current_user.id, case_id=case_id, content=content)
    if url is None:
        return None
    flash(ALREADY_SAVED, "success")
    return redirect(url)


def remember(form: FlaskForm, case_id: int | None, url: str, content: str = "") -> None:
    """Add the token's row to the request's session: it is committed with the record it made."""
    form_tokens.remember(database.session(), token=_token(form), user_id=current_user.id,
                         case_id=case_id, url=url, content=content)
