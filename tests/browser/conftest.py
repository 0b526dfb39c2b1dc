"""A live server and headless Debian Chromium (playwright with an explicit executable)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "out" / "screenshots"  # out/ is git-ignored

TUPLE_CHOICES = "ignore:Passing SelectField choices as tuples is deprecated:DeprecationWarning"


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        item.add_marker(pytest.mark.filterwarnings(TUPLE_CHOICES))
        if importlib.util.find_spec("playwright") is None:
            item.add_marker(pytest.mark.skip(reason="needs the playwright package (pip install "
                                                    "-e .[dev])"))
        elif not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium at /usr/bin/chromium"
                                                    " (apt-get install chromium)"))
        elif not AXE.exists():
            item.add_marker(pytest.mark.skip(reason="needs node_modules (npm ci)"))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from werkzeug.serving import make_server

    from referral_builder.web import create_app, demo

    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                      "SECRET_KEY": "browser-test", "REQUIRE_TOTP": True})
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=dt.date.today())
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox"])
        yield b
        b.close()
