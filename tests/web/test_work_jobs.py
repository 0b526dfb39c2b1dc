"""Slow work asked for in a request runs as a job (services/work.py) behind a progress page
(web/work.py): the result when it is done, the error when the input is refused, nothing done
twice, the uploaded file removed once it has been dealt with, and only its asker sees it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import flask
import pytest
from flask import Blueprint
from sqlalchemy import func, select

from referral_builder import jobs
from referral_builder.domain.errors import FileRefused
from referral_builder.services import work
from referral_builder.storage.models import StoredFile, WorkJob, utcnow
from referral_builder.web import work as work_web
from tests.web.conftest import Client

DSL = "dsl@school.example"
OTHER = "b@other.example"
EFFECTS: list[str] = []
HOLD = threading.Event()


@work.kind("test_shout")
def _shout(ctx: work.Context) -> work.Finish:
    text = ctx.input().decode()
    ctx.progress("Shouting")
    if ctx.params.get("hold"):
        HOLD.wait(30)
    if "refuse" in text:
        err = FileRefused("The selected file says refuse")
        err.problems = [(3, "the word refuse")]  # type: ignore[attr-defined]
        raise err
    if "crash" in text:
        raise RuntimeError("a bug")

    def finish(_s: Any) -> dict[str, Any]:
        EFFECTS.append(text)
        return {"text": text.upper()}
    return finish


work_web.outcome("test_shout", "Shouting your text",
                 done=lambda row, result: f"/shouted?text={result['text'].replace(' ', '-')}",
                 back=lambda row: "/start-again")
work_web.outcome("test_shout_form", "Shouting in a form",
                 done=lambda row, result: "/shouted",
                 failed=lambda row: f"/the-form?work={row.id}")
work.kind("test_shout_form")(_shout)

test_bp = Blueprint("test_work", __name__)


@test_bp.post("/test-work/<kind>")
def _start(kind: str):  # type: ignore[no-untyped-def]
    args = flask.request.args
    return work_web.begin(kind, case_id=int(args.get("case", 0)) or None,
                          params={"hold": bool(args.get("hold"))}, data=flask.request.data)


@pytest.fixture
def work_app(app):  # type: ignore[no-untyped-def]
    app.register_blueprint(test_bp)
    EFFECTS.clear()
    HOLD.clear()
    yield app
    HOLD.set()


def signed_in(app, email: str = DSL) -> Client:  # type: ignore[no-untyped-def]
    client = Client(app)
    client.sign_in(email)
    return client


def rows(app) -> list[WorkJob]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return list(s.scalars(select(WorkJob).order_by(WorkJob.id)))


def test_done_work_goes_to_its_result_and_its_upload_is_removed(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    started = client.post("/test-work/test_shout?case=1", data=b"hello from walsall")
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    assert page.status_code == 303
    assert page.headers["Location"] == "/shouted?text=HELLO-FROM-WALSALL"
    (row,) = rows(work_app)
    assert (row.state, row.step, row.case_id) == ("done", "Done", 1)
    assert EFFECTS == ["hello from walsall"]
    assert not work_app.extensions["files"].exists(row.input_sha256)


def test_refused_input_is_shown_with_its_problems_and_a_way_back(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    started = client.post("/test-work/test_shout", data=b"please refuse this")
    page = client.get(started.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The selected file says refuse" in html
    assert "Line 3: the word refuse" in html
    assert 'href="/start-again"' in html
    assert EFFECTS == []
    (row,) = rows(work_app)
    assert row.state == "failed"
    assert not work_app.extensions["files"].exists(row.input_sha256)


def test_refused_input_goes_back_to_its_form_which_can_read_why(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    started = client.post("/test-work/test_shout_form", data=b"refuse")
    page = client.get(started.headers["Location"])
    (row,) = rows(work_app)
    assert page.headers["Location"] == f"/the-form?work={row.id}"
    with work_app.test_request_context():
        from flask_login import login_user

        from referral_builder.storage.models import User

        with work_app.extensions["db"].session() as s:
            login_user(s.scalar(select(User).where(User.email == DSL)))
            failed = work_web.failed_work(str(row.id), "test_shout_form")
            assert failed is not None
            assert failed.error == "The selected file says refuse"
            assert failed.problems == [(3, "the word refuse")]
            assert failed.params == {"hold": False}
            assert work_web.failed_work(str(row.id), "test_shout") is None
            assert work_web.failed_work("not a number", "test_shout_form") is None


def test_a_bug_is_not_shown_to_the_user_as_its_trace(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    started = client.post("/test-work/test_shout", data=b"crash")
    html = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "a bug" not in html


def test_only_the_user_who_asked_sees_the_work(work_app) -> None:  # type: ignore[no-untyped-def]
    started = signed_in(work_app).post("/test-work/test_shout?case=1", data=b"mine")
    other = signed_in(work_app, OTHER)
    assert other.get(started.headers["Location"]).status_code == 404
    assert other.get(started.headers["Location"] + "/status").status_code == 404


def test_work_in_progress_shows_its_step_and_can_be_polled(work_app, request) -> None:  # type: ignore[no-untyped-def]
    work_app.config.update(JOBS_IN_BACKGROUND=True, WORK_WAIT_SECONDS=0.2)
    if jobs.backend(work_app) == jobs.PROCRASTINATE:  # a real worker takes it from the queue
        from referral_builder.jobs import queue

        request.addfinalizer(queue.start_background_worker(work_app))
    client = signed_in(work_app)
    started = client.post("/test-work/test_shout?case=1&hold=1", data=b"slowly")
    url = started.headers["Location"]
    for _ in range(100):
        status = client.get(url + "/status").get_json()
        if status["step"] == "Shouting":
            break
        threading.Event().wait(0.05)
    assert status == {"state": "running", "step": "Shouting"}
    html = client.get(url).get_data(as_text=True)
    assert "Shouting your text" in html
    assert f'data-status-url="{url}/status"' in html
    assert "Shouting. This can take up to a minute." in html
    HOLD.set()
    for _ in range(100):
        if client.get(url + "/status").get_json()["state"] == "done":
            break
        threading.Event().wait(0.05)
    assert client.get(url).headers["Location"] == "/shouted?text=SLOWLY"


def test_a_job_run_twice_does_its_effect_once(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    client.post("/test-work/test_shout", data=b"once only")
    (row,) = rows(work_app)
    work.run_job(work_app, row.id, attempt=2, final=True)  # a retry after a worker died
    assert EFFECTS == ["once only"]


def test_a_passing_failure_is_retried_then_reported(work_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    client = signed_in(work_app)
    work_app.config["JOBS_IN_BACKGROUND"] = True
    monkeypatch.setattr(work.jobs.Job, "start", lambda self, background=True: None)
    started = client.post("/test-work/test_shout", data=b"flaky")
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])

    def unreachable(_ctx):  # type: ignore[no-untyped-def]
        raise OperationalError("select 1", {}, Exception("server closed the connection"))

    monkeypatch.setitem(work.KINDS, "test_shout", unreachable)
    with pytest.raises(OperationalError):
        work.run_job(work_app, job_id, attempt=1, final=False)
    assert rows(work_app)[0].state == "running"  # still live: the queue tries again
    work.run_job(work_app, job_id, attempt=4, final=True)
    (row,) = rows(work_app)
    assert row.state == "failed"
    assert row.error.startswith("Something went wrong on our side")


def test_work_whose_worker_stopped_says_so(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    client.post("/test-work/test_shout", data=b"x")
    with work_app.extensions["db"].writing() as s:
        row = s.scalars(select(WorkJob)).one()
        row.state, row.worker = "running", "gone:1"
        row.heartbeat_at = utcnow() - dt.timedelta(minutes=5)
    (row,) = rows(work_app)
    assert work.status(row, work_app) == "stale"
    html = client.get(f"/work/{row.id}").get_data(as_text=True)
    assert work.STALE_MESSAGE in html


def test_an_upload_that_is_also_a_case_file_is_kept(work_app) -> None:  # type: ignore[no-untyped-def]
    store = work_app.extensions["files"]
    with work_app.extensions["db"].writing() as s:
        sha = store.put(b"the same bytes")
        s.add(StoredFile(case_id=1, kind="evidence", doc_id="d99", sha256=sha, filename="a.pdf",
                         media_type="application/pdf", size=14))
    with work_app.extensions["db"].session() as s:
        assert work.drop_input(s, store, sha) is False
    assert store.exists(sha)


def test_old_ended_work_is_pruned_and_recent_work_kept(work_app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(work_app)
    client.post("/test-work/test_shout", data=b"old")
    client.post("/test-work/test_shout", data=b"new")
    with work_app.extensions["db"].writing() as s:
        old = s.scalars(select(WorkJob).order_by(WorkJob.id)).first()
        old.created_at = utcnow() - dt.timedelta(days=30)
    assert work.prune(work_app, dt.timedelta(days=14)) == 1
    with work_app.extensions["db"].session() as s:
        assert s.scalar(select(func.count()).select_from(WorkJob)) == 1


def test_a_withdrawn_case_leaves_a_file_another_upload_is_waiting_with(work_app) -> None:  # type: ignore[no-untyped-def]
    """The same Word document kept by one case and uploaded to another: deleting the first
    case's files leaves it for the job that has still to check it."""
    from referral_builder.storage.retention import remove_unused

    store = work_app.extensions["files"]
    work_app.config["JOBS_IN_BACKGROUND"] = True
    client = signed_in(work_app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(work.jobs.Job, "start", lambda self, background=True: None)  # not yet run
        client.post("/test-work/test_shout", data=b"the same document")
    (row,) = rows(work_app)
    with work_app.extensions["db"].session() as s:
        assert remove_unused(s, store, {row.input_sha256}) == 0
    assert store.exists(row.input_sha256)
    work.run_job(work_app, row.id)
    assert EFFECTS == ["the same document"]
    with work_app.extensions["db"].session() as s:
        assert remove_unused(s, store, {row.input_sha256}) == 0  # already gone with its job
    assert not store.exists(row.input_sha256)
