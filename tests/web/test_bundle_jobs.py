"""Bundle builds are rows in the database: every worker reports them and serves the result,
and a build left "running" by a process that died is reported and can be built again."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from referral_builder.services import bundles
from referral_builder.services import bundling as bundle_module
from referral_builder.storage.models import BundleJob, utcnow
from referral_builder.web import create_app
from tests import jobs as test_jobs
from tests.web.conftest import Client

DSL = "dsl@school.example"


def second_worker(app):  # type: ignore[no-untyped-def]
    """Another app on the same instance and database, as a second gunicorn worker is."""
    return create_app({"INSTANCE_PATH": app.instance_path, "SECRET_KEY": "test",
                       "TESTING": True, "WTF_CSRF_ENABLED": False, "REQUIRE_TOTP": False,
                       "DATABASE_URL": app.config["DATABASE_URL"]})


def signed_in(app) -> Client:  # type: ignore[no-untyped-def]
    client = Client(app)
    client.sign_in(DSL)
    return client


def jobs(app) -> list[BundleJob]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return list(s.scalars(select(BundleJob).order_by(BundleJob.id)))


@pytest.fixture
def gate(monkeypatch):  # type: ignore[no-untyped-def]
    """Builds make a one-page stand-in PDF (the demo case is not ready for a real one), each
    held at its first step until the test opens the gate."""
    opened = threading.Event()

    def held_build(*_args, progress=None, **_kw):  # type: ignore[no-untyped-def]
        progress("Merging the documents")
        opened.wait(30)
        return SimpleNamespace(pdf=b"%PDF-1.7 stand-in bundle", page_count=1)

    monkeypatch.setattr(bundle_module, "build_bundle", held_build)
    yield opened
    opened.set()


def test_a_second_worker_reports_the_build_and_serves_the_bundle(app, gate) -> None:  # type: ignore[no-untyped-def]
    app.config["BUNDLE_IN_BACKGROUND"] = True
    other = signed_in(second_worker(app))
    started = bundles.start(app, 1, 1, 1)
    worker = test_jobs.work(app, started)
    try:
        test_jobs.wait_for_state(app, started.job_id, "running")
        status = other.get("/cases/1/bundle/status").get_json()
        assert status["state"] == "running"
        assert "Your bundle is being built" in other.get("/cases/1/bundle").get_data(as_text=True)
    finally:
        gate.set()
        worker.join(60)
    assert other.get("/cases/1/bundle/status").get_json()["state"] == "done"
    (job,) = jobs(app)
    assert job.state == "done" and job.result_file_id is not None
    download = other.get("/cases/1/bundle/download")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == job.result_sha256


def test_a_second_request_joins_the_build_under_way(app, gate) -> None:  # type: ignore[no-untyped-def]
    app.config["BUNDLE_IN_BACKGROUND"] = True
    first = bundles.start(app, 1, 1, 1)
    second = bundles.start(second_worker(app), 1, 1, 1)
    gate.set()
    test_jobs.work(app, first).join(60)
    assert second.job_id == first.job_id and second.thread is None
    assert [j.state for j in jobs(app)] == ["done"]


def left_by_a_dead_worker(app, minutes_ago: int = 10) -> None:  # type: ignore[no-untyped-def]
    then = utcnow() - dt.timedelta(minutes=minutes_ago)
    with app.extensions["db"].writing() as s:
        s.add(BundleJob(case_id=1, case_version=1, state="running", step="Merging the documents",
                        error="", worker="gone:1", requested_by=1, created_at=then,
                        started_at=then, heartbeat_at=then))


def test_a_build_whose_worker_died_is_reported_as_stopped(app) -> None:  # type: ignore[no-untyped-def]
    left_by_a_dead_worker(app)
    dsl = signed_in(app)
    assert dsl.get("/cases/1/bundle/status").get_json()["state"] == "stale"
    page = dsl.get("/cases/1/bundle").get_data(as_text=True)
    assert "The build stopped before it finished" in page
    assert "Build the bundle" in page


def test_a_build_whose_worker_died_can_be_built_again(app, gate) -> None:  # type: ignore[no-untyped-def]
    left_by_a_dead_worker(app)
    gate.set()
    other = second_worker(app)
    started = bundles.start(other, 1, 1, 1)
    test_jobs.work(other, started).join(60)
    stale, rebuilt = jobs(app)
    assert rebuilt.id == started.job_id
    assert (stale.state, stale.error) == ("failed", bundles.STALE_MESSAGE)
    assert rebuilt.state == "done"
    assert "Your bundle is ready" in signed_in(app).get("/cases/1/bundle").get_data(as_text=True)


def test_a_build_with_a_recent_heartbeat_is_not_taken_over(app) -> None:  # type: ignore[no-untyped-def]
    left_by_a_dead_worker(app, minutes_ago=0)
    started = bundles.start(app, 1, 1, 1)
    assert started.thread is None
    assert [j.state for j in jobs(app)] == ["running"]
    assert signed_in(app).get("/cases/1/bundle/status").get_json()["state"] == "running"


def test_a_running_build_renews_its_heartbeat(app, gate) -> None:  # type: ignore[no-untyped-def]
    app.config.update(BUNDLE_IN_BACKGROUND=True, BUNDLE_HEARTBEAT_SECONDS=0.05)
    started = bundles.start(app, 1, 1, 1)
    worker = test_jobs.work(app, started)
    try:
        deadline = time.monotonic() + 30
        while jobs(app)[0].step != "Merging the documents":  # the check runs first
            assert time.monotonic() < deadline, "the build did not reach its held step"
            time.sleep(0.05)
        first = jobs(app)[0].heartbeat_at
        deadline = time.monotonic() + 10
        while jobs(app)[0].heartbeat_at == first:  # held there, the build still beats
            assert time.monotonic() < deadline, "the heartbeat was not renewed"
            time.sleep(0.05)
        assert jobs(app)[0].step == "Merging the documents"
    finally:
        gate.set()
        worker.join(60)
