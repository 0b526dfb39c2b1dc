"""Build a case's bundle, in a background thread when it takes more than a moment.

The job table lives in this process; the finished bundle is a stored file (kind "bundle"),
so any worker can serve it once built.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select

from referral_builder.storage.models import CaseRecord, StoredFile, utcnow


@dataclass
class Job:
    version: int
    state: str = "running"  # running, done, failed
    step: str = "Starting"
    message: str = ""
    started: Any = field(default_factory=utcnow)
    thread: threading.Thread | None = None


_jobs: dict[int, Job] = {}
_lock = threading.Lock()


def job_for(case_id: int) -> Job | None:
    return _jobs.get(case_id)


def start(app: Flask, case_id: int, version: int, user_id: int) -> Job:
    with _lock:
        job = _jobs.get(case_id)
        if job and job.state == "running":
            return job
        job = Job(version=version)
        _jobs[case_id] = job
    if app.config.get("BUNDLE_IN_BACKGROUND", True):
        job.thread = threading.Thread(target=_run, args=(app, case_id, user_id, job),
                                      daemon=True)
        job.thread.start()
    else:
        _run(app, case_id, user_id, job)
    return job


def _run(app: Flask, case_id: int, user_id: int, job: Job) -> None:
    from referral_builder.documents.bundle import build_bundle
    from referral_builder.schemas.case import load_case

    db = app.extensions["db"]
    store = app.extensions["files"]
    try:
        with db.session() as s:
            record = s.get(CaseRecord, case_id)
            data = json.loads(record.data)
            rows = {r.doc_id: r.sha256 for r in s.scalars(select(StoredFile).where(
                StoredFile.case_id == case_id, StoredFile.doc_id.is_not(None)))}
        case = load_case(data).case

        def open_document(doc: Any) -> bytes:
            return store.get(rows[doc.id])

        def progress(*args: Any, **_kw: Any) -> None:
            job.step = " ".join(str(a) for a in args if a is not None) or job.step

        bundle = build_bundle(case, open_document=open_document, case_json=data,
                              progress=progress)
        sha = store.put(bundle.pdf)
        with db.writing() as s:
            s.add(StoredFile(case_id=case_id, kind="bundle", doc_id=None, sha256=sha,
                             filename=f"{case.reference}-bundle.pdf",
                             media_type="application/pdf", size=len(bundle.pdf),
                             page_count=bundle.page_count, uploaded_by=user_id))
        job.state = "done"
    except Exception as exc:  # the user sees why; the log has the trace
        app.logger.exception("bundle build failed for case %s", case_id)
        job.state = "failed"
        job.message = str(exc) or exc.__class__.__name__
