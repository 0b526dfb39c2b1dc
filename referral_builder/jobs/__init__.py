"""Slow work as jobs: one interface, two ways to run them.

`defer(app, task, **kwargs)` queues a job; what runs it depends on the deployment
(`backend(app)`, REFERRAL_BUILDER_JOBS to choose):

- `procrastinate` (the default on PostgreSQL): the job is a row in procrastinate's queue
  (tables in the app's own database, created by `db upgrade`), run by any
  `referral-builder worker` process on any machine. Jobs are retried with back-off when they
  fail for a passing reason (the database or the object store was unreachable), and a job
  whose worker died (SIGKILL, a lost machine) is found by the stalled-job sweep that every
  worker runs and is retried by another worker.
- `in-process` (the default on SQLite: `make run`, one machine): the same task function runs
  in a thread of the process that asked, at once, with no queue and no extra command. The
  embedded deployment has no PostgreSQL for procrastinate's queue, and procrastinate's
  in-memory connector keeps its queue in one process's memory (a second gunicorn worker could
  not see it, a restart would drop it) and is meant for tests; a thread gives the same
  behaviour with less machinery. A job left by a process that died is seen by its state row
  (its heartbeat stops) and the user is offered to run it again.

The task bodies live in `referral_builder.jobs.tasks`; they are idempotent (each checks its own
state row first and writes its result before marking it done).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

IN_PROCESS = "in-process"
PROCRASTINATE = "procrastinate"
BACKENDS = (IN_PROCESS, PROCRASTINATE)


def backend(app: Flask) -> str:
    """How this app runs its jobs: the JOBS setting, else procrastinate on PostgreSQL."""
    chosen = app.config.get("JOBS") or app.extensions["config"].jobs
    url = str(app.config.get("DATABASE_URL", ""))
    if chosen is None:
        return PROCRASTINATE if url.startswith("postgresql") else IN_PROCESS
    if chosen not in BACKENDS:
        raise ValueError(f"REFERRAL_BUILDER_JOBS must be one of {', '.join(BACKENDS)}, "
                         f"not {chosen!r}")
    if chosen == PROCRASTINATE and not url.startswith("postgresql"):
        raise ValueError("REFERRAL_BUILDER_JOBS=procrastinate needs PostgreSQL "
                         "(DATABASE_URL=postgresql+psycopg://...)")
    return chosen


class Job:
    """One job, in two steps so that a caller with a state row can queue the job inside the
    transaction that writes the row (`enqueue`: a job whose row never commits finds nothing
    and ends) and start the in-process run after the commit (`start`)."""

    def __init__(self, app: Flask, task: str, kwargs: dict[str, Any]) -> None:
        from referral_builder.jobs import tasks

        if task not in tasks.BODIES:
            raise KeyError(f"no such job: {task}")
        self.app, self.task, self.kwargs = app, task, kwargs
        self.backend = backend(app)
        self.queue_id: int | None = None

    def enqueue(self) -> Job:
        """Procrastinate: add the job to the queue now. In-process: nothing yet."""
        if self.backend == PROCRASTINATE:
            from referral_builder.jobs import queue

            self.queue_id = queue.defer(self.app, self.task, **self.kwargs)
        return self

    def start(self, *, background: bool = True) -> threading.Thread | None:
        """In-process: run the job now, in a thread (returned) or, when `background` is
        False, in this thread. Procrastinate: the workers run it; with `background` False
        (the tests' setting) a worker runs here until the queue is empty, so that the job
        has gone through the real queue when this returns."""
        from referral_builder.jobs import tasks

        if self.backend == PROCRASTINATE:
            if self.queue_id is None:
                self.enqueue()
            if not background:
                from referral_builder.jobs import queue

                queue.run_until_empty(self.app)
            return None
        body: Callable[..., None] = tasks.BODIES[self.task]
        if not background:
            body(self.app, **self.kwargs)
            return None
        thread = threading.Thread(target=body, args=(self.app,), kwargs=self.kwargs,
                                  daemon=True, name=f"job-{self.task}")
        thread.start()
        return thread


def defer(app: Flask, task: str, *, background: bool = True,
          **kwargs: Any) -> threading.Thread | None:
    """Queue `task` with `kwargs` and start it (see `Job`)."""
    return Job(app, task, kwargs).enqueue().start(background=background)
