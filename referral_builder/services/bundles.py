"""Build a case's bundle in a background thread, with the job's state in the database.

Every worker can answer the status page and serve the result, because the job is a row
(`bundle_jobs`) rather than memory in the worker that started it. The worker running a build
renews the row's heartbeat every few seconds; a job still "queued" or "running" whose heartbeat
is older than BUNDLE_STALE_SECONDS was left by a process that died (a crash, a restart, a
SIGKILL), is reported as stopped, and may be built again: `start` marks it failed and begins a
new attempt. A partial unique index allows one live job per case, whichever worker asks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_builder.storage.models import BundleJob, CaseRecord, StoredFile, utcnow

LIVE = ("queued", "running")
STALE_MESSAGE = ("The build stopped before it finished (the server restarted). "
                 "Build the bundle again.")
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 60.0


@dataclass(frozen=True)
class Started:
    """The job a build request runs or joins; `thread` is None when joined or run inline."""

    job_id: int
    thread: threading.Thread | None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _stale_after(app: Flask | None) -> dt.timedelta:
    seconds = app.config.get("BUNDLE_STALE_SECONDS", STALE_SECONDS) if app else STALE_SECONDS
    return dt.timedelta(seconds=seconds)


def is_stale(job: BundleJob, stale_after: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Whether a live job's worker has stopped renewing its heartbeat."""
    if job.state not in LIVE:
        return False
    beat = job.heartbeat_at or job.started_at or job.created_at
    return (now or utcnow()) - beat > stale_after


def status(job: BundleJob | None, app: Flask | None = None) -> str:
    """none, queued, running, done, failed or stale (running, but its worker has gone)."""
    if job is None:
        return "none"
    return "stale" if is_stale(job, _stale_after(app)) else job.state


def job_for(s: Session, case_id: int) -> BundleJob | None:
    """The case's latest build attempt."""
    return s.scalar(select(BundleJob).where(BundleJob.case_id == case_id)
                    .order_by(BundleJob.id.desc()).limit(1))


def start(app: Flask, case_id: int, version: int, user_id: int) -> Started:
    """Start building the case's bundle, or join the build already under way."""
    db = app.extensions["db"]
    try:
        with db.writing() as s:
            s.get(CaseRecord, case_id, with_for_update=True)  # one starter at a time
            live = s.scalar(select(BundleJob).where(BundleJob.case_id == case_id,
                                                    BundleJob.state.in_(LIVE)))
            if live is not None and not is_stale(live, _stale_after(app)):
                return Started(live.id, None)
            if live is not None:
                _finish(live, "failed", error=STALE_MESSAGE)
                s.flush()
            now = utcnow()
            # "running" at once: this process starts the thread now. ("queued" is for a
            # separate job runner, should one ever take the builds off the web workers.)
            job = BundleJob(case_id=case_id, case_version=version, state="running",
                            step="Starting", error="", requested_by=user_id,
                            worker=worker_name(), created_at=now, started_at=now,
                            heartbeat_at=now)
            s.add(job)
            s.flush()
            job_id = job.id
    except IntegrityError:  # another worker started one in the same instant
        with db.session() as s:
            live = s.scalar(select(BundleJob).where(BundleJob.case_id == case_id,
                                                    BundleJob.state.in_(LIVE)))
            if live is None:
                raise
            return Started(live.id, None)
    if not app.config.get("BUNDLE_IN_BACKGROUND", True):
        _run(app, job_id, case_id, user_id)
        return Started(job_id, None)
    thread = threading.Thread(target=_run, args=(app, job_id, case_id, user_id), daemon=True,
                              name=f"bundle-job-{job_id}")
    thread.start()
    return Started(job_id, thread)


def _finish(job: BundleJob, state: str, *, error: str = "") -> None:
    job.state = state
    job.error = error
    job.finished_at = utcnow()


class _Heartbeat:
    """Renew the job's heartbeat, and save its progress message, from a thread of its own."""

    def __init__(self, app: Flask, job_id: int) -> None:
        self.db = app.extensions["db"]
        self.job_id = job_id
        self.interval = float(app.config.get("BUNDLE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
        self.step = "Starting"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"bundle-heartbeat-{job_id}")

    def __enter__(self) -> _Heartbeat:
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
                except Exception:  # a busy database must not stop the build
                    continue

    def _beat(self) -> None:
        with self.db.writing() as s:
            s.execute(update(BundleJob)
                      .where(BundleJob.id == self.job_id, BundleJob.state.in_(LIVE))
                      .values(state="running", step=self.step, heartbeat_at=utcnow()))


def _run(app: Flask, job_id: int, case_id: int, user_id: int) -> None:
    from referral_builder.schemas.case import load_case
    from referral_builder.services.bundling import build_bundle

    db = app.extensions["db"]
    store = app.extensions["files"]
    try:
        with _Heartbeat(app, job_id) as beat:
            with db.session() as s:
                record = s.get(CaseRecord, case_id)
                data = json.loads(record.data)
                rows = {r.doc_id: r.sha256 for r in s.scalars(select(StoredFile).where(
                    StoredFile.case_id == case_id, StoredFile.doc_id.is_not(None)))}
            loaded = load_case(data)
            case = loaded.case

            def open_document(doc: Any) -> bytes:
                return store.get(rows[doc.id])

            # Checks once (the verdict the wizard shows), refuses a case not ready.
            bundle = build_bundle(loaded, open_document=open_document, case_json=data,
                                  progress=beat.progress)
            sha = store.put(bundle.pdf)  # the file is whole before any row points to it
        with db.writing() as s:
            row = StoredFile(case_id=case_id, kind="bundle", doc_id=None, sha256=sha,
                             filename=f"{case.reference}-bundle.pdf",
                             media_type="application/pdf", size=len(bundle.pdf),
                             page_count=bundle.page_count, uploaded_by=user_id)
            s.add(row)
            s.flush()
            s.execute(update(BundleJob).where(BundleJob.id == job_id).values(
                state="done", step="Done", result_sha256=sha, result_file_id=row.id,
                finished_at=utcnow()))
    except Exception as exc:  # the user sees why; the log has the trace
        app.logger.exception("bundle build failed for case %s", case_id)
        with db.writing() as s:
            s.execute(update(BundleJob).where(BundleJob.id == job_id).values(
                state="failed", error=(str(exc) or exc.__class__.__name__)[:2000],
                finished_at=utcnow()))

