"""Engines and sessions: SQLite in the instance folder by default, PostgreSQL by DATABASE_URL.

SQLite is set up for several workers: WAL, a busy timeout, foreign keys, and write
transactions that hold SQLite's one write lock as briefly as possible:

- A transaction starts as a reader (a plain deferred BEGIN): in WAL mode readers never wait
  for the writer, so page views, and the slow part of a POST (cleaning a PDF, parsing a CSV or
  a case zip), take no lock at all.
- Just before its first INSERT, UPDATE or DELETE, the reader is turned into a writer: its read
  snapshot is ended (COMMIT of a transaction that wrote nothing) and BEGIN IMMEDIATE takes the
  write lock, waiting for it (a deferred transaction that reads and then writes would instead
  fail at once with "database is locked" when another writer got in between). Data read
  before that moment may have changed since; saves compare the case's version in their
  UPDATE, and code that must read and write atomically (a new case reference) calls
  `begin_writing` before it reads.
- BEGIN IMMEDIATE waits `BUSY_TIMEOUT_MS`, and is tried `WRITE_ATTEMPTS` times, before the
  error reaches the caller (the web app answers 503 "busy", never 500).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000
#: How many times BEGIN IMMEDIATE waits BUSY_TIMEOUT_MS for the write lock before giving up.
WRITE_ATTEMPTS = 3
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b",
                              re.IGNORECASE)

#: SQLite releases with the WAL-reset corruption bug (fixed in 3.51.3, 3.50.7 and 3.44.6).
_WAL_BUG = ((3, 7, 0), (3, 51, 2))
_WAL_FIXED_BACKPORTS = ((3, 44, 6), (3, 50, 7))


def sqlite_version_warning(version: tuple[int, ...] = sqlite3.sqlite_version_info) -> str | None:
    """Return a warning when the linked SQLite has the WAL-reset corruption bug."""
    low, high = _WAL_BUG
    if not low <= version <= high:
        return None
    for fixed in _WAL_FIXED_BACKPORTS:
        if version[:2] == fixed[:2] and version >= fixed:
            return None
    return (f"SQLite {'.'.join(map(str, version))} has a WAL-reset bug that can corrupt the "
            "database under concurrent writers; upgrade to 3.51.3, 3.50.7 or 3.44.6 or later")


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with SQLite's pragmas and immediate write transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        raw = conn.connection.dbapi_connection
        if conn.get_execution_options().get("immediate", False):
            _begin_immediate(raw)
            conn.info["sqlite_txn"] = "write"
        else:
            raw.execute("BEGIN")
            conn.info["sqlite_txn"] = "read"

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn, _cursor, statement, _params, _context, _many):
        if conn.info.get("sqlite_txn") == "read" and _WRITE_STATEMENT.match(statement):
            begin_writing(conn)

    return engine


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """Take the write lock, waiting up to WRITE_ATTEMPTS x the busy timeout."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if attempt == WRITE_ATTEMPTS - 1:  # as SQLAlchemy raises it for a statement
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            time.sleep(0.05)


def begin_writing(conn: Connection) -> None:
    """Turn the connection's read transaction into a write transaction (SQLite only).

    Ends the read snapshot (nothing was written in it) and takes the write lock with BEGIN
    IMMEDIATE, so that what is read from now on is current and stays so until commit.
    A no-op on PostgreSQL and on a transaction that is already writing.
    """
    if conn.info.get("sqlite_txn") != "read":
        return
    # Only SQLite connections are marked "read" (_on_begin), so this is sqlite3's connection.
    raw = cast(sqlite3.Connection, conn.connection.dbapi_connection)
    if raw.in_transaction:
        raw.execute("COMMIT")
    try:
        _begin_immediate(raw)
    except BaseException:
        raw.execute("BEGIN")  # keep the session's transaction
        raise
    conn.info["sqlite_txn"] = "write"


def sqlite_url(instance_path: str | Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'referral-builder.sqlite'}"


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if url.startswith("sqlite") and (msg := sqlite_version_warning()):
            logging.getLogger(__name__).warning(msg)

    def session(self, *, write: bool = False) -> Session:
        """Open a session; `write` starts its transaction with BEGIN IMMEDIATE on SQLite.

        Without `write` the transaction reads without any lock and takes the write lock only
        at its first write (see the module's notes).
        """
        s = self.sessions()
        if write:
            s.connection(execution_options={"immediate": True})
        return s

    @staticmethod
    def begin_writing(s: Session) -> None:
        """Take the write lock now, before a read that the coming write depends on."""
        begin_writing(s.connection())

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A short write transaction of its own, committed on leaving the block."""
        s = self.session(write=True)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
