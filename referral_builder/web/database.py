"""The request's database session and the evidence file store."""

from __future__ import annotations

import logging

from flask import current_app, g, render_template, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStore

log = logging.getLogger(__name__)


def db() -> Database:
    return current_app.extensions["db"]


def session() -> Session:
    """The request's session. It reads without a lock; on SQLite the write lock is taken at
    its first write (or by `begin_writing`) and held until commit, so do slow work (cleaning
    an upload, parsing a file) before writing, and commit soon after."""
    if "db_session" not in g:
        g.db_session = db().session()
    return g.db_session


def begin_writing() -> None:
    """Take the write lock now: call it before reading what a write depends on (the next
    case reference, a status to change), after any slow work."""
    db().begin_writing(session())


def files() -> FileStore:
    return current_app.extensions["files"]


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (or busy) after every wait and retry."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def busy_response() -> tuple[str, int, dict[str, str]]:
    """503 with a message: the database stayed busy longer than the request may wait."""
    log.warning("database busy on %s", request.path)
    g.pop("audit", None)
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # roll back: nothing of this request is saved
    body = render_template(
        "web/error.html", title="The service is busy",
        message="Many changes are being saved at this moment and yours could not be saved. "
                "Nothing was changed: wait a few seconds and try again.")
    return body, 503, {"Retry-After": "5"}
