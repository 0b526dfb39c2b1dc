"""Forms work behind nginx ending TLS, as docs/deploy.md sets it up (issue 11.1).

nginx runs on loopback with a self-signed certificate made here and the `server { listen 443 }`
block copied out of docs/deploy.md (so a change there is tested here); the app runs with
REFERRAL_BUILDER_TRUSTED_PROXIES=1. Headless Chromium signs in (password, then setting up the
authenticator app), changes the password through a form and signs out with the header's
button. With the old `Referrer-Policy: no-referrer`, Chromium sent no Referer and Flask-WTF
refused every HTTPS POST ("Your form has expired").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from referral_builder.accounts import totp
from referral_builder.services.demo import PASSWORD
from tests.browser.conftest import AXE, CHROMIUM, REPO

pytestmark = pytest.mark.slow
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DSL = "dsl@school.example"
NEW_PASSWORD = "kettle orbit meadow lamp"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deploy_server_block(app_port: int, tls_port: int, cert: Path, key: Path) -> str:
    """The TLS `server` block of docs/deploy.md, pointed at this test's ports and files."""
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    nginx = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert nginx, "docs/deploy.md has no nginx block"
    block = re.search(r"(server \{\s*listen 443.*?\n\})", nginx.group(1), re.S)
    assert block, "docs/deploy.md's nginx block has no `listen 443` server"
    conf = block.group(1)
    for pattern, value in (
        (r"listen 443[^;]*;", f"listen 127.0.0.1:{tls_port} ssl;"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"proxy_pass http://127\.0\.0\.1:5000;", f"proxy_pass http://127.0.0.1:{app_port};"),
    ):
        conf, n = re.subn(pattern, value, conf)
        assert n == 1, f"docs/deploy.md's nginx block: expected one {pattern!r}"
    # deploy.md serves on 443, where the browser's Host has no port and nginx's $host is the
    # same thing; here the port is not the default, so pass the Host as the browser sent it.
    return conf.replace("$host", "$http_host")


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):  # type: ignore[no-untyped-def]
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        if os.environ.get("REFERRAL_BUILDER_BROWSER_TESTS") == "required":
            pytest.fail("the TLS proxy test needs nginx and openssl (make system-deps)")
        pytest.skip("needs nginx and openssl (make system-deps)")
    from werkzeug.serving import make_server

    from referral_builder.services import demo
    from referral_builder.web import create_app
    from tests import database

    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    config = {"INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "tls-test",
              "REQUIRE_TOTP": True, "TRUSTED_PROXIES": 1}
    if url := database.fresh_database_url():
        config["DATABASE_URL"] = url
    app = create_app(config)
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=dt.date.today())
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()

    tls_port = _free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{deploy_server_block(srv.server_port, tls_port, cert, key)}
}}
""", encoding="utf-8")
    # As root, nginx's workers would switch to "nobody", who cannot read the key in tmp.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(user + conf.read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("nginx did not start: "
                                + (tmp / "error.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield f"https://127.0.0.1:{tls_port}", app
    finally:
        proc.terminate()
        proc.wait(10)
        srv.shutdown()


def test_sign_in_and_forms_work_behind_nginx_ending_tls(behind_nginx) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, app = behind_nginx
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox"])
        page = browser.new_context(ignore_https_errors=True).new_page()
        refused: list[str] = []
        page.on("response", lambda r: refused.append(r.url) if r.status == 400 else None)

        page.goto(base + "/sign-in")
        page.get_by_label("Email address", exact=True).fill(DSL)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "Your form has expired" not in page.content()
        assert page.url == base + "/sign-in/code"
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code from your authenticator app", exact=True).fill(
            totp.code_at(secret, totp.current_step()))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        assert page.locator("#recovery-codes li").count() == 10

        page.goto(base + "/account/password")
        page.get_by_label("Current password", exact=True).fill(PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        page.wait_for_load_state()
        assert "Your password has been changed" in page.content(), page.content()
        page.evaluate(AXE.read_text(encoding="utf-8"))
        violations = page.evaluate("""async () => (await axe.run(document, {runOnly:
            ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']})).violations.map(v => v.id)""")
        assert violations == []

        page.get_by_role("button", name="Sign out").click()  # the header's POST form
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="You have signed out").is_visible()
        assert refused == []
        browser.close()

    # The change went through the proxy to the app and was saved.
    from sqlalchemy import select

    from referral_builder.storage.models import AuditEntry

    with app.extensions["db"].session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert "password_changed" in actions
