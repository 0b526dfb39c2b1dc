"""The production server: `referral-builder serve --workers N` runs gunicorn on loopback, and
workers that start together upgrade the schema once, without tripping over each other."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from referral_builder.storage.db import Database, sqlite_url
from referral_builder.storage.migrate import current_revision, head_revision
from tests import database

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_several_workers_on_loopback(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REFERRAL_BUILDER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    port = free_port()
    server = subprocess.Popen([str(BIN / "referral-builder"), "serve", "--workers", "3",
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(children) == 3
        listening = Path("/proc/net/tcp").read_text()
        assert f"0100007F:{port:04X}" in listening  # 127.0.0.1, not 0.0.0.0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_workers_starting_together_upgrade_the_schema_once(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = database.fresh_database_url() or sqlite_url(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "REFERRAL_BUILDER_SECRET_KEY": "test",
           "REFERRAL_BUILDER_INSTANCE": str(tmp_path)}
    workers = [subprocess.Popen([str(BIN / "referral-builder"), "db", "upgrade"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(4)]
    outcomes = [(w.communicate(timeout=60)[1], w.returncode) for w in workers]
    failures = [err.decode()[-500:] for err, code in outcomes if code != 0]
    assert failures == []
    engine = Database(url).engine
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_behind_a_reverse_proxy_the_forwarded_headers_are_trusted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flask import request

    from tests.web.conftest import make_app

    app = make_app(tmp_path, TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_whoami")
    def whoami():  # type: ignore[no-untyped-def]
        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                               "X-Forwarded-Proto": "https",
                                               "X-Forwarded-Host": "referrals.example.gov.uk"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https",
                    "host": "referrals.example.gov.uk"}
