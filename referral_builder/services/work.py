"""Slow work asked for in a request, done as a job while a page shows its progress.

Checking an uploaded file, reading a big register or drawing a letter as a PDF can take
seconds (or, for a hostile file, until the sandbox's limit). A request does not wait for it:

1. the view calls `start(app, kind, ...)`: any uploaded file goes to the file store, a
   `work_jobs` row records what to do, and the job is queued (referral_builder.jobs:
   procrastinate's workers on PostgreSQL, a thread of this process on SQLite);
2. the user is sent to the row's page (web/work.py), which shows the job's progress and
   refreshes until the row is done or failed, then goes on to what the kind's view says: the
   result, or the form again with the error on its field and what was typed kept.

A kind is declared once, by its service, with `@kind("name")` on a function that takes a
`Context` and does the slow part (reading `ctx.params`, `ctx.input()`, reporting with
`ctx.progress(...)`). It returns the finishing step: a function of a database session,
run in the one transaction that marks the row done (with the row locked and still live) and
returning the row's `result`. So a job run twice (a retry after its worker died) does its
effect once, and nothing is saved half-way. Input the user must fix is refused by raising a
ReferralBuilderError: its message is the row's `error`, and a list in its `problems`
attribute (line number, message) goes to `result["problems"]`.

The uploaded file is removed from the store when the job ends, whatever the outcome, unless a
case file is the same content (a clean PDF can be byte for byte the upload).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from referral_builder import jobs
from referral_builder.domain.errors import ReferralBuilderError, RowNotCommitted
from referral_builder.jobs import tasks as job_tasks
from referral_builder.storage.models import StoredFile, WorkJob, utcnow

if TYPE_CHECKING:
    from flask import Flask

    from referral_builder.storage.files import FileStore

LIVE = ("queued", "running")
STALE_MESSAGE = "The work stopped before it finished (the server restarted). Try again."
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 60.0

Finish = Callable[[Session], dict[str, Any]]
Row = WorkJob  # the row's type, for the views (which import no model)


@dataclass
class Context:
    """What a kind's function gets: the job's row, read, and ways to report and to read."""

    app: Flask
    job_id: int
    kind: str
    case_id: int | None
    user_id: int | None
    params: dict[str, Any]
    input_sha256: str | None
    attempt: int
    progress: Callable[[str], None] = field(default=lambda _step: None)

    @property
    def store(self) -> FileStore:
        store: FileStore = self.app.extensions["files"]
        return store

    def input(self) -> bytes:
        """The uploaded file the job was started with."""
        if self.input_sha256 is None:
            raise LookupError(f"work job {self.job_id} has no input file")
        content: bytes = self.store.get(self.input_sha256)
        return content


Work = Callable[[Context], Finish]
KINDS: dict[str, Work] = {}
W = TypeVar("W", bound=Work)


def kind(name: str) -> Callable[[W], W]:
    """Declare the function that does the work of kind `name` (a decorator)."""
    def register(fn: W) -> W:
        KINDS[name] = fn
        return fn
    return register


@dataclass(frozen=True)
class Started:
    """The job a request started; `thread` is the in-process run's thread (None when it ran
    inline or was queued for procrastinate's workers)."""

    app: Flask
    job_id: int
    thread: threading.Thread | None

    def wait(self, seconds: float) -> None:
        """Give quick work a moment to finish, so that the user goes straight to the result
        rather than to a progress page that at once moves on: in-process, wait for its
        thread; with procrastinate's workers, watch its row."""
        if self.thread is not None:
            self.thread.join(timeout=seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.app.extensions["db"].session() as s:
                if s.scalar(select(WorkJob.state).where(WorkJob.id == self.job_id)) \
                        not in LIVE:
                    return
            time.sleep(0.1)


def start(app: Flask, name: str, *, user_id: int | None, case_id: int | None = None,
          params: dict[str, Any] | None = None, data: bytes | None = None) -> Started:
    """Store `data` (the uploaded file, if any), record the job and queue it."""
    if name not in KINDS:
        raise KeyError(f"no such kind of work: {name}")
    db = app.extensions["db"]
    sha = app.extensions["files"].put(data) if data is not None else None
    background = bool(app.config.get("JOBS_IN_BACKGROUND", True))
    with db.writing() as s:
        now = utcnow()
        row = WorkJob(kind=name, case_id=case_id, requested_by=user_id, state="queued",
                      step="Waiting to start", error="", params=json.dumps(params or {}),
                      input_sha256=sha, result="{}", worker="", created_at=now,
                      heartbeat_at=now)
        s.add(row)
        s.flush()
        job_id = row.id
        queued = jobs.Job(app, "work", {"job_id": job_id})
        if queued.backend == jobs.IN_PROCESS:
            row.state, row.step, row.started_at = "running", "Starting", now
        else:
            queued.enqueue()  # before the commit: see bundles.start
    return Started(app, job_id, queued.start(background=background))


def get(s: Session, job_id: int) -> WorkJob | None:
    return s.get(WorkJob, job_id)


def stale_after(app: Flask | None) -> dt.timedelta:
    """How long a live job may go without a heartbeat (the BUNDLE_STALE_SECONDS setting)."""
    seconds = app.config.get("BUNDLE_STALE_SECONDS", STALE_SECONDS) if app else STALE_SECONDS
    return dt.timedelta(seconds=seconds)


def is_stale(row: Any, after: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Whether a live job row (work_jobs or bundle_jobs) was left by a worker that stopped
    renewing its heartbeat; a job still waiting in procrastinate's queue, "queued" with no
    worker yet, is never stale."""
    if row.state not in LIVE or (row.state == "queued" and not row.worker):
        return False
    beat = row.heartbeat_at or row.started_at or row.created_at
    return bool((now or utcnow()) - beat > after)


def status(row: WorkJob, app: Flask | None = None) -> str:
    """queued, running, done, failed or stale (live, but its worker has stopped beating)."""
    return "stale" if is_stale(row, stale_after(app)) else row.state


def params_of(row: WorkJob) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(row.params or "{}")
    return found


def result_of(row: WorkJob) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(row.result or "{}")
    return found


def error_of(row: WorkJob, app: Flask | None = None) -> str:
    """What went wrong, for the user ("" while the job is live or when it succeeded)."""
    state = status(row, app)
    return STALE_MESSAGE if state == "stale" else row.error if state == "failed" else ""


class Heartbeat:
    """Renew a job row's heartbeat, and save its progress message, from a thread of its own
    (for any job table with `state`, `step` and `heartbeat_at`: work_jobs, bundle_jobs)."""

    def __init__(self, app: Flask, table: Any, job_id: int, step: str = "Starting") -> None:
        self.db = app.extensions["db"]
        self.table, self.job_id, self.step = table, job_id, step
        self.interval = float(app.config.get("BUNDLE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"heartbeat-{table.__tablename__}-{job_id}")

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def progress(self, *args: Any, **_kw: Any) -> None:
        self.step = (" ".join(str(a) for a in args if a is not None) or self.step)[:200]
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if not self._stop.is_set():
                try:
                    self._beat()
                except Exception:  # a busy database must not stop the job
                    continue

    def _beat(self) -> None:
        with self.db.writing() as s:
            s.execute(update(self.table)
                      .where(self.table.id == self.job_id, self.table.state.in_(LIVE))
                      .values(state="running", step=self.step, heartbeat_at=utcnow()))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _take(app: Flask, job_id: int, attempt: int, final: bool) -> Context | None:
    """Mark the row running and read it; None when there is nothing (more) to do."""
    with app.extensions["db"].writing() as s:
        row = s.get(WorkJob, job_id, with_for_update=True)
        if row is None and not final:
            raise RowNotCommitted(f"work job {job_id} is not in the database yet")
        if row is None or row.state not in LIVE:
            return None
        now = utcnow()
        row.state, row.worker, row.heartbeat_at = "running", worker_name(), now
        row.step = "Starting" if attempt == 1 else f"Starting again (attempt {attempt})"
        row.started_at = row.started_at or now
        return Context(app, job_id, row.kind, row.case_id, row.requested_by, params_of(row),
                       row.input_sha256, attempt)


def _end(app: Flask, job_id: int, values: dict[str, Any],
         finish: Finish | None = None) -> None:
    """In one transaction: run `finish` (if any), then mark the live row ended; then remove
    its uploaded file."""
    db = app.extensions["db"]
    with db.writing() as s:
        row = s.get(WorkJob, job_id, with_for_update=True)
        if row is None or row.state not in LIVE:
            return  # another run of this job ended it first: add nothing
        if finish is not None:
            values = {**values, "result": json.dumps(finish(s))}
        for key, value in values.items():
            setattr(row, key, value)
        row.finished_at = utcnow()
        sha = row.input_sha256
    if sha is not None:
        with db.session() as s:
            drop_input(s, app.extensions["files"], sha)


def drop_input(s: Session, store: FileStore, sha: str) -> bool:
    """Remove an ended job's uploaded file unless a case file or a live job still uses it."""
    used = s.scalar(select(func.count()).select_from(StoredFile)
                    .where(StoredFile.sha256 == sha)) or s.scalar(
        select(func.count()).select_from(WorkJob)
        .where(WorkJob.input_sha256 == sha, WorkJob.state.in_(LIVE)))
    return False if used else bool(store.delete(sha))


def _problems(exc: BaseException) -> list[list[Any]]:
    found = getattr(exc, "problems", None) or []
    return [[n, str(m)] for n, m in found] if isinstance(found, list) else []


@job_tasks.body("work", queue="work")
def run_job(app: Flask, job_id: int, *, attempt: int = 1, final: bool = True) -> None:
    """The body of every work job: do the kind's work, then finish in one transaction."""
    ctx = _take(app, job_id, attempt, final)
    if ctx is None:
        return
    try:
        with Heartbeat(app, WorkJob, job_id, "Starting") as beat:
            ctx.progress = beat.progress
            finish = KINDS[ctx.kind](ctx)
        _end(app, job_id, {"state": "done", "step": "Done"}, finish)
    except ReferralBuilderError as exc:  # input the user must fix: say what, keep the rest
        _end(app, job_id, {"state": "failed", "error": str(exc)[:2000],
                           "result": json.dumps({"problems": _problems(exc)})})
    except Exception as exc:
        if not final and isinstance(exc, job_tasks.TRANSIENT):
            app.logger.warning("work job %s (%s) attempt %d failed, will retry: %s",
                               job_id, ctx.kind, attempt, exc)
            raise
        app.logger.exception("work job %s (%s) failed", job_id, ctx.kind)
        _end(app, job_id, {"state": "failed",
                           "error": "Something went wrong on our side. Try again; if it "
                                    "happens again, tell your administrator."})


@job_tasks.pruner
def prune(app: Flask, older_than: dt.timedelta) -> int:
    """Delete ended work rows older than `older_than` (and any upload a crash left)."""
    db, store = app.extensions["db"], app.extensions["files"]
    with db.writing() as s:
        old = list(s.scalars(select(WorkJob).where(WorkJob.state.not_in(LIVE),
                                                   WorkJob.created_at < utcnow() - older_than)))
        shas = {r.input_sha256 for r in old if r.input_sha256}
        s.execute(delete(WorkJob).where(WorkJob.id.in_([r.id for r in old])))
    with db.session() as s:
        for sha in shas:
            drop_input(s, store, sha)
    return len(old)
