"""The procrastinate side of the jobs: the queue in PostgreSQL, the worker, the sweeps.

Web processes only add jobs (`defer`, one short connection each, nothing kept open). Worker
processes (`referral-builder worker`, any number, on any machine) take jobs, renew their
heartbeat in `procrastinate_workers` every HEARTBEAT seconds, and every SWEEP_SECONDS one
of them (a periodic job, deduplicated by procrastinate) puts the jobs of workers whose
heartbeat is older than the STALLED setting back in the queue: a worker killed mid-job loses
nothing. Periodic maintenance also runs here: the retention sweep and the pruning of
finished job rows (procrastinate's and `bundle_jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import procrastinate
import psycopg_pool
from procrastinate.job_context import JobContext
from sqlalchemy import make_url

from referral_builder.config import Config
from referral_builder.jobs import tasks

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

SWEEP_SECONDS = 10


def conninfo(app: Flask) -> str:
    """psycopg's connection string for the app's DATABASE_URL (search_path kept)."""
    url = make_url(str(app.config["DATABASE_URL"])).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def retry_stalled(manager: Any, *, skip: int | None = None) -> int:
    """Put back in the queue the jobs of workers that stopped beating (killed, lost);
    return how many."""
    timing = Config.from_env()
    await manager.prune_stalled_workers(timing.worker_stalled)
    count = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=timing.worker_stalled):
        if job.id == skip:
            continue
        log.warning("job %s (%s) was left by a worker that stopped; retrying it",
                    job.id, job.task_name)
        await manager.retry_job(job)
        count += 1
    return count


async def _retry_stalled(context: JobContext, timestamp: int) -> None:
    await retry_stalled(context.app.job_manager,
                        skip=context.job.id if context.job else None)


async def _prune_jobs(context: JobContext, timestamp: int) -> None:
    hours = int(tasks.KEEP_FINISHED.total_seconds() // 3600)
    await context.app.job_manager.delete_old_jobs(nb_hours=hours, include_failed=True,
                                                  include_cancelled=True,
                                                  include_aborted=True)
    flask_app = context.additional_context["flask_app"]
    await asyncio.to_thread(tasks.prune_all, flask_app, tasks.KEEP_FINISHED)


def _retention(context: JobContext, timestamp: int) -> None:
    tasks.retention_sweep(context.additional_context["flask_app"])


def _task_body(name: str) -> Any:
    body = tasks.BODIES[name]

    def run(context: JobContext, **kwargs: Any) -> None:
        attempt = context.job.attempts + 1 if context.job else 1
        body(context.additional_context["flask_app"], attempt=attempt,
             final=attempt >= tasks.MAX_ATTEMPTS, **kwargs)

    run.__name__ = name
    return run


def make_procrastinate_app(connector: Any) -> procrastinate.App:
    """A procrastinate App on `connector` with every task of referral_builder.jobs.tasks."""
    papp = procrastinate.App(connector=connector)
    retry = procrastinate.RetryStrategy(max_attempts=tasks.MAX_ATTEMPTS, exponential_wait=2,
                                        retry_exceptions=tasks.TRANSIENT)
    for name, queue_name in tasks.QUEUES.items():
        papp.task(name=name, queue=queue_name, pass_context=True, retry=retry)(
            _task_body(name))
    papp.periodic(cron=f"* * * * * */{SWEEP_SECONDS}")(
        papp.task(name="retry_stalled", queue="maintenance", pass_context=True)(_retry_stalled))
    papp.periodic(cron="23 3 * * *")(
        papp.task(name="prune_jobs", queue="maintenance", pass_context=True)(_prune_jobs))
    papp.periodic(cron="17 2 * * *")(
        papp.task(name="retention_sweep", queue="maintenance", pass_context=True)(_retention))
    return papp


def _deferrer(app: Flask) -> procrastinate.App:
    """The app's procrastinate App for adding jobs: one connection per job added."""
    papp = app.extensions.get("job_queue")
    if papp is None:
        info = conninfo(app)
        papp = make_procrastinate_app(procrastinate.SyncPsycopgConnector(conninfo=info))
        papp.open(psycopg_pool.NullConnectionPool(info, open=True))
        app.extensions["job_queue"] = papp
    return papp


def close(app: Flask) -> None:
    """Close the app's connection for adding jobs, if it opened one."""
    papp = app.extensions.pop("job_queue", None)
    if papp is not None:
        papp.close()


def defer(app: Flask, task: str, **kwargs: Any) -> int:
    """Add a job to the queue; return its procrastinate id. The job's own lock (the task and
    its arguments) keeps two jobs for the same thing from running at once."""
    lock = f"{task}:" + ",".join(f"{k}={kwargs[k]}" for k in sorted(kwargs))
    job_id: int = _deferrer(app).configure_task(task, lock=lock).defer(**kwargs)
    return job_id


def _worker_app(app: Flask, *, pooled: bool) -> procrastinate.App:
    kwargs: dict[str, Any] = {"conninfo": conninfo(app)}
    if pooled:
        kwargs.update(min_size=1, max_size=4)
    else:
        kwargs["pool_factory"] = psycopg_pool.AsyncNullConnectionPool
    return make_procrastinate_app(procrastinate.PsycopgConnector(**kwargs))


def run_until_empty(app: Flask, queues: list[str] | None = None) -> None:
    """Retry the jobs of stalled workers, then run a worker in this thread until the queue
    is empty (tests, `worker --once`)."""
    timing = Config.from_env()
    papp = _worker_app(app, pooled=False)

    async def once() -> None:
        async with papp.open_async():
            await retry_stalled(papp.job_manager)
            await papp.run_worker_async(
                wait=False, install_signal_handlers=False, listen_notify=False,
                queues=queues or list(dict.fromkeys(tasks.QUEUES.values())),
                additional_context={"flask_app": app},
                update_heartbeat_interval=timing.worker_heartbeat,
                stalled_worker_timeout=timing.worker_stalled, delete_jobs="never")

    asyncio.run(once())


def start_background_worker(app: Flask) -> Callable[[], None]:
    """Run a worker in a thread of this process (tests that serve the app in a thread);
    return the function that stops it."""
    timing = Config.from_env()
    papp = _worker_app(app, pooled=False)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncio.Task[None]] = {}

    async def work() -> None:
        async with papp.open_async():
            holder["task"] = asyncio.current_task()  # type: ignore[assignment]
            ready.set()
            await papp.run_worker_async(
                wait=True, install_signal_handlers=False, listen_notify=False,
                additional_context={"flask_app": app}, fetch_job_polling_interval=0.5,
                update_heartbeat_interval=timing.worker_heartbeat,
                stalled_worker_timeout=timing.worker_stalled, delete_jobs="never")

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(work())
        loop.close()

    thread = threading.Thread(target=run, daemon=True, name="job-worker")
    thread.start()
    ready.wait(30)

    def stop() -> None:
        if "task" in holder:
            loop.call_soon_threadsafe(holder["task"].cancel)
        thread.join(30)

    return stop


def queue_names() -> list[str]:
    """Every queue a job can be on: the declared bodies' and the periodic maintenance."""
    return sorted({*tasks.QUEUES.values(), "maintenance"})


def run_worker(app: Flask, *, concurrency: int = 1, name: str | None = None,
               once: bool = False, queues: list[str] | None = None) -> None:
    """Run a worker until SIGINT/SIGTERM (or, with `once`, until the queue is empty), on
    `queues` (default: every queue)."""
    timing = Config.from_env()
    if once:
        run_until_empty(app, queues=queues or queue_names())
        return
    papp = _worker_app(app, pooled=True)
    log.info("worker %s: %d at a time on %s, heartbeat every %.0f s, jobs of workers silent "
             "for %.0f s are retried", name or os.getpid(), concurrency,
             ", ".join(queues or ["every queue"]), timing.worker_heartbeat,
             timing.worker_stalled)
    papp.run_worker(concurrency=concurrency, name=name, queues=queues,
                    additional_context={"flask_app": app},
                    update_heartbeat_interval=timing.worker_heartbeat,
                    stalled_worker_timeout=timing.worker_stalled, fetch_job_polling_interval=2,
                    delete_jobs="never")
