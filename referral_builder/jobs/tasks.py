"""The jobs' bodies, the same whichever way they run (in-process or a procrastinate worker).

Each body takes the Flask app first (for the database and the file store), then its own
keyword arguments, plus `attempt` (1, 2, ...) and `final` (no retry follows when it fails).
Each is idempotent: running it twice, or after a worker died in the middle of it, gives the
same result as running it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import OperationalError

from referral_builder.domain.errors import RowNotCommitted
from referral_builder.storage.files import FileStoreError

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

#: Failures worth another attempt (with back-off): the database or the object store could
#: not be reached for a moment, or the job's row has not committed yet. Anything else (a case
#: that cannot be bundled) fails at once.
TRANSIENT: tuple[type[Exception], ...] = (OperationalError, FileStoreError, ConnectionError,
                                          TimeoutError, RowNotCommitted)
MAX_ATTEMPTS = 4
#: Finished job rows (and used form tokens) are kept this long (for the status pages and the
#: figures), then pruned: nightly by the workers, or by `referral-builder retention`.
KEEP_FINISHED = dt.timedelta(days=14)


def retention_sweep(app: Flask, **_kw: Any) -> None:
    """Delete the finished cases whose authority's retention period has passed."""
    from referral_builder.storage import retention
    from referral_builder.storage.models import utcnow

    db, store = app.extensions["db"], app.extensions["files"]
    with db.session(write=True) as s:
        expired = retention.find_expired(s, utcnow())
        removed = retention.purge(s, store, expired)
    log.info("retention sweep: %d cases and %d stored files deleted", len(expired), removed)


def prune_bundle_jobs(app: Flask, older_than: dt.timedelta) -> int:
    """Delete finished bundle-build rows older than `older_than`; keep each case's latest
    (the status page shows it)."""
    from sqlalchemy import func, select

    from referral_builder.storage.models import BundleJob, utcnow

    db = app.extensions["db"]
    with db.writing() as s:
        latest = select(func.max(BundleJob.id)).group_by(BundleJob.case_id)
        done = s.execute(delete(BundleJob).where(
            BundleJob.state.in_(("done", "failed")),
            BundleJob.created_at < utcnow() - older_than,
            BundleJob.id.not_in(latest)))
        return int(getattr(done, "rowcount", 0) or 0)


#: Task name -> body, and the queue it runs on. The services declare their own bodies with
#: `body` (the bundle build: `services.bundles.run_job`), so this layer imports none of them.
BODIES: dict[str, Callable[..., None]] = {"retention_sweep_now": retention_sweep}
QUEUES: dict[str, str] = {"retention_sweep_now": "maintenance"}

Body = TypeVar("Body", bound=Callable[..., None])


#: What the nightly pruning runs, each `(app, older_than) -> rows deleted`; a service adds its
#: own with `pruner` (the work rows: `services.work.prune`).
PRUNERS: list[Callable[[Flask, dt.timedelta], int]] = [prune_bundle_jobs]


def pruner(fn: Callable[[Flask, dt.timedelta], int]) -> Callable[[Flask, dt.timedelta], int]:
    """Declare a pruning step of the nightly maintenance (a decorator)."""
    PRUNERS.append(fn)
    return fn


def prune_all(app: Flask, older_than: dt.timedelta) -> int:
    """Delete the finished job rows older than `older_than`, of every kind."""
    return sum(prune(app, older_than) for prune in PRUNERS)


def body(name: str, *, queue: str) -> Callable[[Body], Body]:
    """Declare `name`'s job body, run on `queue` (a decorator on the body)."""
    def register(fn: Body) -> Body:
        BODIES[name], QUEUES[name] = fn, queue
        return fn
    return register
