"""Engines and sessions: SQLite in the instance folder by default, PostgreSQL by DATABASE_URL.

SQLite is set up for several workers: WAL, a busy timeout, foreign keys, and write
transactions that start with BEGIN IMMEDIATE (a deferred transaction that reads and then
writes fails at once with "database is locked" when another writer got in between).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000

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
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


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
        """Open a session; `write` starts its transaction with BEGIN IMMEDIATE on SQLite."""
        s = self.sessions()
        if write:
            s.connection(execution_options={"immediate": True})
        return s

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
