"""Shared by crash_test.py and load_test.py: a production server in a temporary instance, and
a small HTTP client that signs in like a browser.

Standard library only (http.client), so that the scripts need nothing beyond the app and
gunicorn. The session cookie is `Secure`; this client sends it over loopback http anyway.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "demo-password-1"
SECRET_KEY = "harness-secret-key-not-for-production"


# ---- the server -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(instance: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(REFERRAL_BUILDER_INSTANCE=str(instance), REFERRAL_BUILDER_REQUIRE_TOTP="0",
               REFERRAL_BUILDER_SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1",
               # every simulated user signs in from 127.0.0.1, many as the same account
               REFERRAL_BUILDER_RATE_LIMIT_PER_ACCOUNT="100000 per minute",
               REFERRAL_BUILDER_RATE_LIMIT_PER_ADDRESS="100000 per minute")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "referral-builder"), *args], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"referral-builder {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def serve_command(port: int, workers: int, threads: int) -> list[str]:
    """The production server on loopback: `referral-builder serve --workers N` (gunicorn,
    gthread) when this checkout has it, else gunicorn started directly."""
    if _has_serve_workers():
        return [str(BIN / "referral-builder"), "serve", "--host", "127.0.0.1", "--port",
                str(port), "--workers", str(workers), "--threads", str(threads)]
    cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--timeout", "120", "--graceful-timeout", "2", "--log-level", "warning"]
    if threads > 1:
        cmd += ["-k", "gthread", "--threads", str(threads)]
    if "--no-control-socket" in _help(str(BIN / "gunicorn")):
        cmd.append("--no-control-socket")  # else every gunicorn shares ~/.gunicorn/gunicorn.ctl
    return [*cmd, "referral_builder.web:create_app()"]


_HELP: dict[str, str] = {}


def _help(*cmd: str) -> str:
    if cmd not in _HELP:
        _HELP[cmd] = subprocess.run([*cmd, "--help"], capture_output=True, text=True,
                                    check=False).stdout
    return _HELP[cmd]


def _has_serve_workers() -> bool:
    return "--workers" in _help(str(BIN / "referral-builder"), "serve")


def server_description(workers: int, threads: int) -> str:
    how = "referral-builder serve" if _has_serve_workers() else "gunicorn"
    return f"{how} --workers {workers} --threads {threads} (gunicorn gthread)" if (
        _has_serve_workers() or threads > 1) else f"gunicorn -w {workers} (sync)"


class Server:
    """gunicorn in its own process group, so that SIGKILL takes the workers and their
    children (PDF readers) with it, like a power cut."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4,
                 log: Path | None = None) -> None:
        self.env, self.workers, self.threads = env, workers, threads
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait until a worker answers; return the seconds it took."""
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start gunicorn without waiting for it."""
        self.port = free_port()
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self._t0 = time.monotonic()
        self.proc = subprocess.Popen(serve_command(self.port, self.workers, self.threads),
                                     env=self.env, cwd=ROOT, stdout=out, stderr=out,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Wait until every worker has booted and one answers; return seconds since spawn."""
        assert self.proc is not None
        while time.monotonic() - self._t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            if self._workers_booted() and self._answers():
                return time.monotonic() - self._t0
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("gunicorn did not answer in time")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/sign-in")
                return conn.getresponse().status == 200
            finally:
                conn.close()
        except OSError:
            return False

    def _workers_booted(self) -> bool:
        """Every worker has been forked (its start-up, with the sweep, happens before it
        accepts; one answering is not proof that the others have finished booting, so the
        caller also asks for an answer)."""
        assert self.proc is not None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return True  # not Linux: rely on the answer
        return len(children.split()) >= self.workers

    def kill(self) -> None:
        """SIGKILL the whole process group and reap the master."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self.kill()


# ---- the client -------------------------------------------------------------------------

class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One browser: a cookie jar, CSRF tokens read from forms, no redirects followed."""

    def __init__(self, base: str, timeout: float = 60.0) -> None:
        self.set_base(base)
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def set_base(self, base: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)

    def copy(self) -> Client:
        c = Client(f"http://{self.host}:{self.port}", self.timeout)
        c.cookies = dict(self.cookies)
        return c

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Host": f"{self.host}:{self.port}", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            for value in r.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return Response(r.status, dict(r.headers.items()), data)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str | list[str]]) -> Response:
        body = urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: dict[str, str | list[str]],
                       files: dict[str, tuple[str, bytes, str]]) -> Response:
        boundary = uuid.uuid4().hex
        out = io.BytesIO()
        for name, value in fields.items():
            for v in value if isinstance(value, list) else [value]:
                out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                          f"\r\n\r\n{v}\r\n".encode())
        for name, (filename, content, media) in files.items():
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                      f'filename="{filename}"\r\nContent-Type: {media}\r\n\r\n'.encode())
            out.write(content + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, out.getvalue(),
                            f"multipart/form-data; boundary={boundary}")

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        page = self.get("/sign-in")
        r = self.post("/sign-in", {"csrf_token": csrf_token(page.text), "email": email,
                                   "password": password})
        if r.status != 302:
            raise RuntimeError(f"sign-in as {email} failed: {r.status}")


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not m:
        raise RuntimeError("no CSRF token on the page")
    return m.group(1)


def version_of(html: str) -> str:
    m = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="version"', html)
    if not m:
        raise RuntimeError("no version field on the page")
    return m.group(1)


# ---- test data --------------------------------------------------------------------------

def small_pdf(text: str) -> bytes:
    """A one-page PDF whose content (and so hash) depends on `text`."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def ready_case_zip() -> bytes:
    """examples/walsall-ready as an export zip (marks inline), to import as a case that is
    ready for its bundle."""
    from referral_builder.schemas.case import dump_case, load_case_file

    folder = ROOT / "examples" / "walsall-ready"
    data = dump_case(load_case_file(folder / "case.json").case)
    data["declaration"] = {"confirmed": False, "name": "", "role": "", "at": None}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("case.json", json.dumps(data, ensure_ascii=False))
        for doc in data["documents"]:
            z.writestr(doc["file"], (folder / doc["file"]).read_bytes())
    return buf.getvalue()


def through_work(client: Client, r: Response, timeout: float = 300.0) -> Response:
    """After a POST whose slow part runs as a work job (an upload is checked in one): follow
    its page `/work/<id>` until it sends the user on; return that redirect (or the page)."""
    deadline = time.monotonic() + timeout
    while r.status in (302, 303) and "/work/" in r.headers.get("Location", ""):
        location = r.headers["Location"]
        while True:
            r = client.get(location)
            if r.status != 200 or "govuk-error-summary" in r.text:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the work at {location} did not end in {timeout:g}s")
            time.sleep(0.2)  # still being checked
    return r


def import_case(client: Client, archive: bytes) -> int:
    page = client.get("/cases/import")
    r = client.post_multipart("/cases/import", {"csrf_token": csrf_token(page.text)},
                              {"archive": ("case.zip", archive, "application/zip")})
    r = through_work(client, r)  # the documents are checked in a job
    location = r.headers.get("Location", "") if r.status in (302, 303) else ""
    if not location or "/cases/import" in location:
        raise RuntimeError(f"import failed: {r.status} {location} {r.text[:2000]}")
    return int(location.rstrip("/").rsplit("/", 1)[-1])


def fresh_instance(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    return root / "instance"


def declare(client: Client, case_id: int, referral_date: str = "2026-11-20") -> None:
    """Sign the declaration, the last step before a ready case's bundle can be built."""
    page = client.get(f"/cases/{case_id}/declaration")
    y, m, d = referral_date.split("-")
    r = client.post(f"/cases/{case_id}/declaration", {
        "csrf_token": csrf_token(page.text), "version": version_of(page.text),
        "referral_date": [d, m, y], "name": "Sam Patel", "role": "DSL", "confirmed": "y"})
    if r.status != 302:
        raise RuntimeError(f"declaration failed: {r.status}")
