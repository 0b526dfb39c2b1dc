"""A live server and headless Debian Chromium (playwright with an explicit executable)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "out" / "screenshots"  # out/ is git-ignored

TUPLE_CHOICES = "ignore:Passing SelectField choices as tuples is deprecated:DeprecationWarning"


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "needs the playwright package (pip install -e .[dev])"
    if not CHROMIUM.exists():
        return "needs Debian's chromium at /usr/bin/chromium (make system-deps)"
    if not AXE.exists():
        return "needs node_modules (npm ci)"
    return None


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Skip the browser tests (only these) when a prerequisite is missing.

    CI sets REFERRAL_BUILDER_BROWSER_TESTS=required so that a missing install step fails the
    run instead of hiding the journey behind a skip.
    """
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(str(item.fspath)).parents]
    missing = _missing()
    if missing and mine and os.environ.get("REFERRAL_BUILDER_BROWSER_TESTS") == "required":
        raise pytest.UsageError(f"browser tests are required but {missing}")
    for item in mine:
        item.add_marker(pytest.mark.filterwarnings(TUPLE_CHOICES))
        if missing:
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[object, str]]:  # type: ignore[no-untyped-def]
    """The app (for tests that set records up directly) and the address it is served at."""
    from werkzeug.serving import make_server

    from referral_builder import jobs
    from referral_builder.jobs import queue
    from referral_builder.services import demo
    from referral_builder.web import create_app
    from tests import database, object_store

    config = {"INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
              "SECRET_KEY": "browser-test", "REQUIRE_TOTP": True}
    if url := database.fresh_database_url():
        config["DATABASE_URL"] = url
    if s3 := object_store.env_for_instance(config["INSTANCE_PATH"]):
        config.update(object_store.config_of(s3))
    app = create_app(config)
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=dt.date.today())
    stop_worker = None
    if jobs.backend(app) == jobs.PROCRASTINATE:  # PostgreSQL: a real worker takes the jobs
        stop_worker = queue.start_background_worker(app)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    if stop_worker is not None:
        stop_worker()


@pytest.fixture(scope="module")
def server(live) -> str:  # type: ignore[no-untyped-def]
    return str(live[1])


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox"])
        yield b
        b.close()
