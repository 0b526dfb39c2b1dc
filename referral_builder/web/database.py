"""The request's database session and the evidence file store."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStore


def db() -> Database:
    return current_app.extensions["db"]


def session() -> Session:
    """The request's session; a POST's transaction starts with BEGIN IMMEDIATE."""
    if "db_session" not in g:
        g.db_session = db().session(write=request.method == "POST")
    return g.db_session


def files() -> FileStore:
    return current_app.extensions["files"]
