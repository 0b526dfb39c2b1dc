"""Bundle builds through procrastinate's real queue on a real PostgreSQL server: queued by the
web app, taken by a worker, retried with back-off after a passing failure, retried after the
worker that held them died, and never recorded twice. Uses TEST_DATABASE_URL when set, else
starts a PostgreSQL cluster of its own (skipped only when PostgreSQL is not installed)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from referral_builder import jobs
from referral_builder.domain.errors import ConfigError
from referral_builder.jobs import queue, tasks
from referral_builder.services import bundles, bundling
from referral_builder.storage.models import BundleJob, StoredFile, utcnow
from tests import database, servers
from tests.web.conftest import make_app


def _postgres_installed() -> bool:
    try:
        servers._pg_bindir()
    except FileNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not database.on_postgres() and not _postgres_installed(),
    reason="procrastinate's queue needs PostgreSQL: set TEST_DATABASE_URL or install it")


@pytest.fixture(scope="module")
def server_url():  # type: ignore[no-untyped-def]
    if database.on_postgres():
        yield database.TEST_DATABASE_URL
        return
    workdir = Path(tempfile.mkdtemp(prefix="referral-builder-pg-"))
    server = servers.start_postgres(workdir)
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_app(server_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The demo instance on a schema of its own, builds in the background (the queue)."""
    schema = f"rbq_{os.getpid()}_{tmp_path.name[-20:]}".lower().replace("-", "_")
    admin = create_engine(server_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    from sqlalchemy import make_url

    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, BUNDLE_IN_BACKGROUND=True,
                   DATABASE_URL=url.render_as_string(hide_password=False))
    yield app
    queue.close(app)
    app.extensions["db"].engine.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def builds(monkeypatch):  # type: ignore[no-untyped-def]
    """A one-page stand-in bundle (the demo case is not ready for a real one); `fail` holds
    exceptions the next builds raise, one each."""
    state = SimpleNamespace(fail=[], calls=0)

    def build(*_args, progress=None, **_kw):  # type: ignore[no-untyped-def]
        state.calls += 1
        progress("Merging the documents")
        if state.fail:
            raise state.fail.pop(0)
        return SimpleNamespace(pdf=b"%PDF-1.7 stand-in bundle", page_count=1)

    monkeypatch.setattr(bundling, "build_bundle", build)
    return state


def queue_rows(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, task_name, status, attempts, scheduled_at FROM procrastinate_jobs "
            "WHERE task_name = 'build_bundle' ORDER BY id"))]


def job_row(app, job_id: int) -> BundleJob:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        job = s.get(BundleJob, job_id)
        assert job is not None
        s.expunge(job)
        return job


def bundle_files(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count(StoredFile.id)).where(
            StoredFile.kind == "bundle")) or 0


def test_a_build_is_queued_then_run_by_a_worker(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    assert jobs.backend(pg_app) == jobs.PROCRASTINATE
    started = bundles.start(pg_app, 1, 1, 1)
    assert started.thread is None  # nothing runs in the web process
    job = job_row(pg_app, started.job_id)
    assert (job.state, job.worker) == ("queued", "")
    assert bundles.status(job, pg_app) == "queued"  # waiting in the queue is never "stale"
    assert [(r["status"], r["attempts"]) for r in queue_rows(pg_app)] == [("todo", 0)]
    queue.run_until_empty(pg_app)
    job = job_row(pg_app, started.job_id)
    assert job.state == "done" and job.result_file_id is not None
    assert [r["status"] for r in queue_rows(pg_app)] == ["succeeded"]
    assert pg_app.extensions["files"].get(job.result_sha256) == b"%PDF-1.7 stand-in bundle"
    assert bundle_files(pg_app) == 1


def test_a_passing_failure_is_retried_with_back_off(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    builds.fail.append(OperationalError("SELECT 1", {}, Exception("server closed the "
                                                                    "connection")))
    started = bundles.start(pg_app, 1, 1, 1)
    queue.run_until_empty(pg_app)
    (row,) = queue_rows(pg_app)
    assert (row["status"], row["attempts"]) == ("todo", 1)  # back in the queue, for later
    assert row["scheduled_at"] > dt.datetime.now(dt.UTC)
    job = job_row(pg_app, started.job_id)
    assert job.state == "running" and "attempt 1 failed" in job.step
    time.sleep((row["scheduled_at"] - dt.datetime.now(dt.UTC)).total_seconds() + 0.2)
    queue.run_until_empty(pg_app)
    assert job_row(pg_app, started.job_id).state == "done"
    assert [(r["status"], r["attempts"]) for r in queue_rows(pg_app)] == [("succeeded", 2)]
    assert builds.calls == 2 and bundle_files(pg_app) == 1


def test_a_case_that_cannot_be_bundled_fails_at_once(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    builds.fail.append(RuntimeError("Document d3 (letter.pdf) cannot be read"))
    started = bundles.start(pg_app, 1, 1, 1)
    queue.run_until_empty(pg_app)
    job = job_row(pg_app, started.job_id)
    assert (job.state, job.error) == ("failed", "Document d3 (letter.pdf) cannot be read")
    assert builds.calls == 1 and bundle_files(pg_app) == 0


def test_a_job_left_by_a_killed_worker_is_retried_and_recorded_once(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    started = bundles.start(pg_app, 1, 1, 1)
    long_ago = utcnow() - dt.timedelta(minutes=5)
    with pg_app.extensions["db"].engine.begin() as conn:
        # What SIGKILL leaves: the worker's row with its last heartbeat, its job "doing",
        # and the build's row "running" with a heartbeat that stopped.
        worker_id = conn.execute(text(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES "
            "(NOW() - INTERVAL '5 minutes') RETURNING id")).scalar_one()
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w "
                          "WHERE task_name = 'build_bundle'"), {"w": worker_id})
        conn.execute(text("UPDATE bundle_jobs SET state = 'running', worker = 'gone:1', "
                          "started_at = :t, heartbeat_at = :t WHERE id = :id"),
                     {"t": long_ago, "id": started.job_id})
    queue.run_until_empty(pg_app)  # sweeps stalled jobs first, as every worker does
    job = job_row(pg_app, started.job_id)
    assert job.state == "done"
    assert [r["status"] for r in queue_rows(pg_app)] == ["succeeded"]
    assert bundle_files(pg_app) == 1


def test_running_a_finished_job_again_adds_nothing(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    started = bundles.start(pg_app, 1, 1, 1)
    queue.run_until_empty(pg_app)
    tasks.BODIES["build_bundle"](pg_app, job_id=started.job_id)  # a duplicate delivery
    tasks.BODIES["build_bundle"](pg_app, job_id=started.job_id + 1000)  # a row that never committed
    assert builds.calls == 1 and bundle_files(pg_app) == 1
    assert job_row(pg_app, started.job_id).state == "done"


def test_the_worker_command_runs_the_queue(pg_app, builds, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    started = bundles.start(pg_app, 1, 1, 1)
    monkeypatch.setenv("DATABASE_URL", pg_app.config["DATABASE_URL"])
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", pg_app.instance_path)
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    assert main(["worker", "--once"]) == 0
    assert job_row(pg_app, started.job_id).state == "done"


def test_a_worker_on_one_queue_leaves_the_others(pg_app, builds, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    started = bundles.start(pg_app, 1, 1, 1)
    monkeypatch.setenv("DATABASE_URL", pg_app.config["DATABASE_URL"])
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", pg_app.instance_path)
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    assert main(["worker", "--once", "--queue", "work"]) == 0
    assert job_row(pg_app, started.job_id).state == "queued" and builds.calls == 0
    assert main(["worker", "--once", "--queue", "bundles"]) == 0
    assert job_row(pg_app, started.job_id).state == "done"
    assert main(["worker", "--once", "--queue", "bundle"]) == 2
    assert "no queue named bundle (the queues are bundles, maintenance, work)" in \
        capsys.readouterr().err


def test_the_worker_command_explains_sqlite(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    assert main(["worker"]) == 2
    assert "on SQLite, jobs run inside the web process" in capsys.readouterr().err


def test_a_shared_deployment_refuses_a_key_made_on_one_machine(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.web import create_app

    for name in ("REFERRAL_BUILDER_SECRET_KEY", "DATABASE_URL", "REFERRAL_BUILDER_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="must all use the same key"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "AUTO_UPGRADE_DB": False,
                    "DATABASE_URL": "postgresql+psycopg://rb@127.0.0.1:9/rb"})
    assert not (tmp_path / "i" / "secret_key").exists()
    # One server on SQLite keeps making its own key, as `make run` always has.
    app = create_app({"INSTANCE_PATH": str(tmp_path / "j")})
    assert (tmp_path / "j" / "secret_key").read_text().strip() == app.config["SECRET_KEY"]


def test_pruning_drops_old_finished_builds_but_keeps_each_cases_latest(pg_app) -> None:  # type: ignore[no-untyped-def]
    long_ago = utcnow() - dt.timedelta(days=30)
    with pg_app.extensions["db"].writing() as s:
        for state in ("failed", "done", "done"):  # three builds of case 1, a month old
            s.add(BundleJob(case_id=1, case_version=1, state=state, step="Done", error="",
                            worker="w:1", created_at=long_ago, finished_at=long_ago))
    with pg_app.extensions["db"].session() as s:
        ids = list(s.scalars(select(BundleJob.id).order_by(BundleJob.id)))
    assert tasks.prune_bundle_jobs(pg_app, dt.timedelta(days=14)) == 2
    with pg_app.extensions["db"].session() as s:
        assert list(s.scalars(select(BundleJob.id))) == [ids[-1]]  # the status page's row
    assert tasks.prune_bundle_jobs(pg_app, dt.timedelta(days=60)) == 0


def test_a_job_taken_before_its_row_commits_waits_for_it(pg_app, builds) -> None:  # type: ignore[no-untyped-def]
    """The web process queues the job just before its row commits; a quick worker must not
    drop it (make scale's first run lost 8 of 39 jobs this way)."""
    with pg_app.extensions["db"].session() as s:
        next_id = (s.scalar(select(func.max(BundleJob.id))) or 0) + 1
    queue.defer(pg_app, "build_bundle", job_id=next_id)  # the row is not there yet
    queue.run_until_empty(pg_app)
    (row,) = queue_rows(pg_app)
    assert (row["status"], row["attempts"]) == ("todo", 1)  # to be tried again shortly
    with pg_app.extensions["db"].writing() as s:  # the web transaction commits
        s.add(BundleJob(id=next_id, case_id=1, case_version=1, state="queued",
                        step="Waiting for a worker", error="", worker="", requested_by=1,
                        created_at=utcnow(), heartbeat_at=utcnow()))
    time.sleep((row["scheduled_at"] - dt.datetime.now(dt.UTC)).total_seconds() + 0.2)
    queue.run_until_empty(pg_app)
    assert job_row(pg_app, next_id).state == "done"
    assert bundle_files(pg_app) == 1
