"""Build a case's bundle as a job (referral_builder.jobs), with the build's state in the
database.

Every web worker can answer the status page and serve the result, because the build is a
row (`bundle_jobs`) rather than memory in the process that started it. `start` writes the
row and queues the job (procrastinate on PostgreSQL: any `referral-builder worker` runs it;
in-process on SQLite: a thread of the process that asked). `run_job` is the job's body and is
idempotent: it takes the row only while it is live, writes the bundle to the file store, and
only then, in one transaction, records the file and marks the row done, so a half-written
bundle is never served and a second run of the same job (a retry after a worker died) adds
nothing. The worker running a build renews the row's heartbeat every few seconds. A partial
unique index allows one live build per case, whichever worker asks.

A live row whose heartbeat is older than BUNDLE_STALE_SECONDS is reported as stopped and may
be built again (`start` marks it failed and begins a new attempt): in-process, its process
died; with procrastinate, no worker has picked it up again since its worker stopped (the
queue retries such jobs within about a minute, so this means no worker is running). A job
still waiting in procrastinate's queue is never stale: the queue keeps it until a worker
takes it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_builder import jobs
from referral_builder.domain.errors import RowNotCommitted
from referral_builder.jobs import tasks as job_tasks
from referral_builder.services.work import LIVE as LIVE  # the states of a build under way
from referral_builder.services.work import Heartbeat, is_stale, stale_after, worker_name
from referral_builder.storage.models import BundleJob, CaseRecord, StoredFile, utcnow

STALE_MESSAGE = ("The build stopped before it finished (the server restarted). "
                 "Build the bundle again.")


@dataclass(frozen=True)
class Started:
    """The job a build request runs or joins; `thread` is the in-process run's thread (None
    when joined, run inline, or queued for procrastinate's workers)."""

    job_id: int
    thread: threading.Thread | None


def status(job: BundleJob | None, app: Flask | None = None) -> str:
    """none, queued, running, done, failed or stale (running, but its worker has gone)."""
    if job is None:
        return "none"
    return "stale" if is_stale(job, stale_after(app)) else job.state


def job_for(s: Session, case_id: int) -> BundleJob | None:
    """The case's latest build attempt."""
    return s.scalar(select(BundleJob).where(BundleJob.case_id == case_id)
                    .order_by(BundleJob.id.desc()).limit(1))


def start(app: Flask, case_id: int, version: int, user_id: int) -> Started:
    """Start building the case's bundle, or join the build already under way."""
    db = app.extensions["db"]
    background = bool(app.config.get("BUNDLE_IN_BACKGROUND", True))
    try:
        with db.writing() as s:
            s.get(CaseRecord, case_id, with_for_update=True)  # one starter at a time
            live = s.scalar(select(BundleJob).where(BundleJob.case_id == case_id,
                                                    BundleJob.state.in_(LIVE)))
            if live is not None and not is_stale(live, stale_after(app)):
                return Started(live.id, None)
            if live is not None:
                _finish(live, "failed", error=STALE_MESSAGE)
                s.flush()
            now = utcnow()
            job = BundleJob(case_id=case_id, case_version=version, state="queued",
                            step="Waiting for a worker", error="", requested_by=user_id,
                            worker="", created_at=now, heartbeat_at=now)
            s.add(job)
            s.flush()
            job_id = job.id
            queued = jobs.Job(app, "build_bundle", {"job_id": job_id})
            if queued.backend == jobs.IN_PROCESS:
                # This process runs it, starting now.
                job.state, job.step, job.worker, job.started_at = (
                    "running", "Starting", worker_name(), now)
            else:
                # Queued before the row commits: should the commit fail, the job finds no
                # row and ends; should this process die after it, the job is in the queue.
                queued.enqueue()
    except IntegrityError:  # another worker started one in the same instant
        with db.session() as s:
            live = s.scalar(select(BundleJob).where(BundleJob.case_id == case_id,
                                                    BundleJob.state.in_(LIVE)))
            if live is None:
                raise
            return Started(live.id, None)
    return Started(job_id, queued.start(background=background))


def _finish(job: BundleJob, state: str, *, error: str = "") -> None:
    job.state = state
    job.error = error
    job.finished_at = utcnow()


@job_tasks.body("build_bundle", queue="bundles")
def run_job(app: Flask, job_id: int, *, attempt: int = 1, final: bool = True) -> None:
    """The build job's body (see the module's notes). Raises only for a failure worth
    another attempt when this is not the `final` one; otherwise records the outcome."""
    from referral_builder.schemas.case import load_case
    from referral_builder.services.bundling import build_bundle
    from referral_builder.services.letter_pdfs import Kept

    db = app.extensions["db"]
    store = app.extensions["files"]
    step = "Starting" if attempt == 1 else f"Starting again (attempt {attempt})"
    with db.writing() as s:
        job = s.get(BundleJob, job_id, with_for_update=True)
        if job is None and not final:
            # Queued just before its row commits: a quick worker can get here first. Try
            # again shortly (with back-off); on the last attempt the row never committed.
            raise RowNotCommitted(f"bundle job {job_id} is not in the database yet")
        if job is None or job.state not in LIVE:
            return  # done, failed, superseded by a newer build, or never committed
        now = utcnow()
        job.state, job.step, job.worker, job.heartbeat_at = "running", step, worker_name(), now
        job.started_at = job.started_at or now
        case_id, user_id = job.case_id, job.requested_by
    try:
        with Heartbeat(app, BundleJob, job_id, step) as beat:
            with db.session() as s:
                record = s.get(CaseRecord, case_id)
                if record is None:
                    raise LookupError(f"case {case_id} no longer exists")
                data = json.loads(record.data)
                rows = {r.doc_id: r.sha256 for r in s.scalars(select(StoredFile).where(
                    StoredFile.case_id == case_id, StoredFile.doc_id.is_not(None)))}
            loaded = load_case(data)
            case = loaded.case

            def open_document(doc: Any) -> bytes:
                content: bytes = store.get(rows[doc.id])
                return content

            # Checks once (the verdict the wizard shows), refuses a case not ready. Word
            # documents drawn before are not drawn again; those drawn now are kept.
            bundle = build_bundle(loaded, open_document=open_document, case_json=data,
                                  progress=beat.progress, kept=Kept(app))
            sha = store.put(bundle.pdf)  # the file is whole before any row points to it
        with db.writing() as s:
            job = s.get(BundleJob, job_id, with_for_update=True)
            if job is None or job.state not in LIVE:
                return  # another run of this job finished first: add nothing
            row = StoredFile(case_id=case_id, kind="bundle", doc_id=None, sha256=sha,
                             filename=f"{case.reference}-bundle.pdf",
                             media_type="application/pdf", size=len(bundle.pdf),
                             page_count=bundle.page_count, uploaded_by=user_id)
            s.add(row)
            s.flush()
            job.state, job.step, job.result_sha256, job.result_file_id = (
                "done", "Done", sha, row.id)
            job.finished_at = utcnow()
    except Exception as exc:  # the user sees why; the log has the trace
        from referral_builder.jobs.tasks import TRANSIENT

        if not final and isinstance(exc, TRANSIENT):
            app.logger.warning("bundle build %s (case %s) attempt %d failed, will retry: %s",
                               job_id, case_id, attempt, exc)
            with db.writing() as s:
                s.execute(update(BundleJob).where(BundleJob.id == job_id,
                                                  BundleJob.state.in_(LIVE)).values(
                    step=f"Waiting to try again (attempt {attempt} failed)"))
            raise
        app.logger.exception("bundle build failed for case %s", case_id)
        with db.writing() as s:
            s.execute(update(BundleJob).where(BundleJob.id == job_id,
                                              BundleJob.state.in_(LIVE)).values(
                state="failed", error=(str(exc) or exc.__class__.__name__)[:2000],
                finished_at=utcnow()))

