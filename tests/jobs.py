"""Helpers for tests that start jobs: the same test runs on the in-process runner (SQLite)
and on procrastinate (PostgreSQL, TEST_DATABASE_URL), where a real worker takes the job from
the queue."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select

from referral_builder import jobs
from referral_builder.storage.models import BundleJob


def work(app: Any, started: Any) -> threading.Thread:
    """The thread running the job `started`: in-process, its own; with procrastinate, a
    worker started here that runs until the queue is empty."""
    if started.thread is not None:
        return started.thread  # type: ignore[no-any-return]
    assert jobs.backend(app) == jobs.PROCRASTINATE, "an in-process job always has a thread"
    from referral_builder.jobs import queue

    thread = threading.Thread(target=queue.run_until_empty, args=(app,), daemon=True,
                              name="test-worker")
    thread.start()
    return thread


def wait_for_state(app: Any, job_id: int, state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with app.extensions["db"].session() as s:
            current = s.scalar(select(BundleJob.state).where(BundleJob.id == job_id))
        if current == state:
            return
        assert time.monotonic() < deadline, f"job {job_id} is {current}, not {state}"
        time.sleep(0.05)
