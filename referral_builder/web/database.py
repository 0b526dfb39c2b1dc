"""The request's database session and the evidence file store."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStore


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
