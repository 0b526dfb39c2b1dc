"""The access audit log: entries made while a request runs, written in one short transaction
of their own after it, and read back (filtered by user and day) by an administrator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from referral_builder.storage.db import Database
from referral_builder.storage.models import AuditEntry, User, utcnow

#: Actions recorded with the outcome "refused"; every other is "allowed".
REFUSALS = ("denied", "sign_in_failed", "second_factor_failed", "recovery_code_failed")


def entry(*, user_id: int | None, action: str, case_id: int | None, detail: str,
          endpoint: str) -> AuditEntry:
    """One entry, not yet written (`write` adds a request's entries together)."""
    return AuditEntry(user_id=user_id, action=action, case_id=case_id, detail=detail[:500],
                      outcome="refused" if action in REFUSALS else "allowed",
                      endpoint=endpoint[:80], at=utcnow())


def write(db: Database, entries: Sequence[AuditEntry]) -> None:
    """Write the entries in a write transaction of their own (short: these rows only)."""
    with db.writing() as s:
        s.add_all(entries)


@dataclass(frozen=True)
class LogFilter:
    """What an administrator asked for: one user's email, from and to a day (inclusive)."""

    email: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class LogRow(NamedTuple):
    entry: AuditEntry
    user_email: str | None


def _query(f: LogFilter) -> Select[AuditEntry, str]:
    q = (select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.user_id)
         .order_by(AuditEntry.id.desc()))
    if f.email:
        q = q.where(func.lower(User.email) == f.email.strip().lower())
    if f.date_from:
        q = q.where(AuditEntry.at >= dt.datetime.combine(f.date_from, dt.time()))
    if f.date_to:
        end = f.date_to + dt.timedelta(days=1)
        q = q.where(AuditEntry.at < dt.datetime.combine(end, dt.time()))
    return q


def read_log(s: Session, f: LogFilter, limit: int | None = None) -> Iterator[LogRow]:
    """The entries that match, newest first (all of them when `limit` is None)."""
    q = _query(f)
    if limit is not None:
        q = q.limit(limit)
    for audit_entry, email in s.execute(q):
        yield LogRow(audit_entry, email)
