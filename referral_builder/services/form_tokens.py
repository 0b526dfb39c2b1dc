"""One-time tokens of create forms: what makes Back then Save, or a double click, show the
saved record instead of saving a copy (the web's `once` module reads the form and redirects).

The save adds the token's row in the same transaction as the record it made; a second submit
finds it by its token, or by the same content for the same case from the same user within a
few minutes (a form the browser fetched again, with a new token but the typed values)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referral_builder.jobs import tasks as job_tasks
from referral_builder.storage.models import FormToken, utcnow

if TYPE_CHECKING:
    from flask import Flask

SAME_CONTENT_WINDOW = dt.timedelta(minutes=15)


def digest(kind: str, content: Any) -> str:
    """A digest of what a form saves, to recognise the same content sent again."""
    return hashlib.sha256(json.dumps([kind, content], sort_keys=True, default=str)
                          .encode()).hexdigest()


def saved_page(s: Session, *, token: str, user_id: int, case_id: int | None = None,
               content: str = "") -> str | None:
    """The page of the record this user's form (its token, or the same content) made just
    before, or None."""
    row = s.get(FormToken, token) if token else None
    if row is not None and row.user_id != user_id:
        row = None
    if row is None and content and case_id is not None:
        row = s.scalar(select(FormToken).where(
            FormToken.content == content, FormToken.case_id == case_id,
            FormToken.user_id == user_id,
            FormToken.at >= utcnow() - SAME_CONTENT_WINDOW).order_by(FormToken.at.desc()))
    return None if row is None else row.redirect_to


def remember(s: Session, *, token: str, user_id: int, case_id: int | None, url: str,
             content: str = "") -> None:
    """Add the token's row to the session: it is committed with the record it made."""
    if token:
        s.add(FormToken(token=token, user_id=user_id, case_id=case_id, redirect_to=url[:300],
                        content=content))


@job_tasks.pruner
def prune(app: Flask, older_than: dt.timedelta) -> int:
    """Delete the tokens of forms saved longer than `older_than` ago: a page kept that long
    in a browser is not sent again by Back or a double click."""
    with app.extensions["db"].writing() as s:
        done = s.execute(delete(FormToken).where(FormToken.at < utcnow() - older_than))
        return int(getattr(done, "rowcount", 0) or 0)
