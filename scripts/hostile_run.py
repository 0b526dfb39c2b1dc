"""Push each hostile file through the upload and the LA check paths; print the figures.

    python scripts/hostile_run.py [FOLDER] [--workers N] [--sample N]

Without FOLDER the corpus is generated into a temporary folder first. Each (file, path) runs
in a worker forked from a process that has already built the app and signed in, as a
pre-forking server's worker would: the event document upload (POST
/cases/<id>/events/new/note, as the DSL, then its work page: the file is checked in a job,
run here in the same worker) and the LA check (POST /la/check-a-bundle, as an
LA officer) for documents and bundles; the case import (POST /cases/import, as school staff)
for case zips (`import-*`). Files named `unwritable-store-*` are sent while the file store
cannot be written to (its folder is under a regular file, which stops root too). A 503 with a
message (the database or the file store is unavailable) is a handled refusal.

For each we record the HTTP status, whether the user saw a message, the wall
time and the peak RSS of the worker and its children (wait4). Exit status 1 when any file
caused an unhandled error (a 500 or an exception), a dead worker, a refusal without a message,
or went over the time or memory limits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PATHS = ("upload", "la-check", "import", "register")


def paths_for(name: str) -> tuple[str, ...]:
    """Which paths a corpus file goes through."""
    if name.startswith("import-"):
        return ("import",)
    if name.startswith("register-"):
        return ("register",)
    if name.startswith("unwritable-store-"):
        return ("import",) if name.endswith(".zip") else ("upload",)
    return ("upload", "la-check")
SCHOOL_USER, LA_USER = "dsl@school.example", "officer@walsall.example"
#: Another account of the same school: signing in again as SCHOOL_USER would end the upload
#: client's session (one session per account).
IMPORT_USER = "staff@school.example"


@dataclass
class Outcome:
    file: str
    path: str
    status: int  # HTTP status; 0 when an exception escaped or the worker died
    result: str  # accepted, refused, error, dead, timeout
    message: str
    seconds: float
    max_rss_mb: float


def limits() -> dict[str, tuple[float, float]]:
    """(wall seconds, memory MB) each path allows one file."""
    from referral_builder.documents.sanitise import DEFAULT_LIMITS
    from referral_builder.documents.verify import BUNDLE_LIMITS

    return {"upload": (DEFAULT_LIMITS.wall_seconds, DEFAULT_LIMITS.memory_bytes / 2**20),
            "la-check": (BUNDLE_LIMITS.wall_seconds, BUNDLE_LIMITS.memory_bytes / 2**20),
            # one zip: its documents are cleaned one after another, each within the upload's
            # limits, in a child process of its own
            "import": (DEFAULT_LIMITS.wall_seconds, DEFAULT_LIMITS.memory_bytes / 2**20),
            "register": (DEFAULT_LIMITS.wall_seconds, DEFAULT_LIMITS.memory_bytes / 2**20)}


def build(instance: Path, slots: int):  # type: ignore[no-untyped-def]
    """The app on a fresh instance with the demo data, one case per worker slot, and two
    signed-in test clients."""
    from sqlalchemy import select

    from referral_builder.services import cases, demo
    from referral_builder.storage.models import Authority, School, User
    from referral_builder.web import create_app

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": os.urandom(16).hex(),
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "REQUIRE_TOTP": False,
                      "BUNDLE_IN_BACKGROUND": False, "JOBS_IN_BACKGROUND": False})
    today = dt.date.today()
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=today)
        authority = s.scalar(select(Authority).where(Authority.slug == "walsall"))
        school = s.scalar(select(School).where(School.name == demo.SCHOOL))
        creator = s.scalar(select(User).where(User.email == SCHOOL_USER))
        case_ids = [1]
        for _ in range(slots - 1):
            ref = cases.next_reference(s, authority, today.year)
            data = demo.demo_case(ref, today)
            data["school"]["name"] = school.name
            case_ids.append(cases.create_case(s, authority=authority, school=school,
                                                 created_by=creator.id, data=data).id)
    clients = {}
    for path, email in (("upload", SCHOOL_USER), ("la-check", LA_USER),
                        ("import", IMPORT_USER)):
        c = app.test_client()
        c.environ_base["wsgi.url_scheme"] = "https"
        r = c.post("/sign-in", data={"email": email, "password": demo.PASSWORD})
        assert r.status_code == 302, f"cannot sign in as {email}"
        clients[path] = c
    clients["register"] = clients["upload"]  # the same school user
    return app, clients, case_ids


def _message(page: str, status: int) -> str:
    found = re.findall(r'class="govuk-error-message"[^>]*>(.*?)</p>', page, re.S)
    if not found and status >= 400:
        found = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    text = " ".join(re.sub(r"<[^>]+>|\s+", " ", t).replace("Error:", "").strip() for t in found)
    return html.unescape(text)[:300]


def push(app, client, path: str, case_id: int, name: str, data: bytes) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Send one file along one path; return (status, result, message)."""
    crashed = False
    if path == "upload":
        page = client.get(f"/cases/{case_id}/events/new/note").get_data(as_text=True)
        version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
        today = dt.date.today()
        r = client.post(f"/cases/{case_id}/events/new/note", data={
            "version": version, "date": [str(today.day), str(today.month), str(today.year)],
            "summary": "Hostile file", "attachment": (io.BytesIO(data), name)},
            content_type="multipart/form-data")
        r, crashed = _through_work(client, r)
        accepted = r.status_code in (302, 303) and r.headers["Location"].endswith("/events")
        if r.status_code == 303 and not accepted:  # over the upload limit: the form again
            r = client.get(r.headers["Location"])
    elif path == "register":
        page = client.get(f"/cases/{case_id}/register").get_data(as_text=True)
        version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
        r = client.post(f"/cases/{case_id}/register", data={
            "version": version, "csv_file": (io.BytesIO(data), name)},
            content_type="multipart/form-data")
        r, crashed = _through_work(client, r)  # a big file is read by a job
        accepted = r.status_code == 302
        if r.status_code == 303:  # over the upload limit: the page again, with the error
            r = client.get(r.headers["Location"])
    elif path == "import":
        r = client.post("/cases/import", data={"archive": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")
        r, crashed = _through_work(client, r)
        accepted = r.status_code in (302, 303) and "/cases/import" not in r.headers["Location"]
        if r.status_code == 303 and not accepted:  # over the upload limit: the page again
            r = client.get(r.headers["Location"])
    else:
        r = client.post("/la/check-a-bundle", data={"bundle": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")
        if r.status_code == 303:  # over the upload limit: back to the page with the error
            r = client.get(r.headers["Location"])
        page = r.get_data(as_text=True)
        accepted = r.status_code == 200 and "govuk-error-message" not in page
    page = r.get_data(as_text=True)
    if crashed or (r.status_code >= 500 and r.status_code != 503):
        return r.status_code, "error", _message(page, r.status_code)
    if accepted:
        return r.status_code, "accepted", ""
    return r.status_code, "refused", _message(page, r.status_code)


WORK_STEPS = ("/work/", "/register/read/", "?work=")


def _through_work(client, r):  # type: ignore[no-untyped-def]
    """Follow the page of the work job a POST started (an upload is checked, a big register
    read, in a job: here run in this worker during the POST, JOBS_IN_BACKGROUND being off) to
    where it sends the user: the next step (a redirect) or the form again with the error (a
    page). Return (the last response, whether the job failed on a bug: "Something went wrong
    on our side" is an unhandled error, not a refusal)."""
    while True:
        location = r.headers.get("Location", "")
        if r.status_code not in (302, 303) or not any(p in location for p in WORK_STEPS):
            page = r.get_data(as_text=True)
            return r, r.status_code == 200 and "Something went wrong on our side" in page
        for _ in range(600):
            r = client.get(location)
            if r.status_code != 200 or "data-status-url" not in r.get_data(as_text=True):
                break
            time.sleep(0.5)  # still running (it should not be: it ran in the POST)
        else:
            return r, True


def _child(app, clients, path: str, case_id: int, file: Path, out: int) -> None:  # type: ignore[no-untyped-def]
    app.extensions["db"].engine.dispose(close=False)  # never share the parent's connections
    if file.name.startswith("unwritable-store-"):
        store = app.extensions["files"]
        if hasattr(store, "client"):  # S3: a server that cannot be reached refuses every write
            import boto3
            from botocore.config import Config as BotoConfig

            store.client = boto3.client(
                "s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                aws_access_key_id="x", aws_secret_access_key="x",
                config=BotoConfig(retries={"max_attempts": 1}, connect_timeout=1))
        else:
            blocker = Path(app.instance_path) / f"not-a-folder-{os.getpid()}"
            blocker.write_text("a file where the file store's folder should be")
            store.root = blocker / "files"
    try:
        status, result, message = push(app, clients[path], path, case_id, file.name,
                                       file.read_bytes())
    except BaseException as exc:  # an exception escaping the app is an unhandled error
        status, result, message = 0, "error", f"{type(exc).__name__}: {exc}"[:300]
    os.write(out, json.dumps({"status": status, "result": result,
                              "message": message}).encode()[:60000])
    os.close(out)
    os._exit(0)


def run(files: list[Path], *, workers: int = 4, progress: bool = False) -> list[Outcome]:
    """Run every (file, path) in a forked worker, `workers` at a time."""
    lim = limits()
    with tempfile.TemporaryDirectory(prefix="hostile-instance-") as instance:
        app, clients, case_ids = build(Path(instance), workers)
        jobs = [(f, p) for f in files for p in paths_for(f.name)]
        free = list(case_ids)
        running: dict[int, tuple[Path, str, int, int, float]] = {}
        outcomes: list[Outcome] = []
        while jobs or running:
            while jobs and free:
                file, path = jobs.pop(0)
                slot = free.pop()
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(read)
                    _child(app, clients, path, slot, file, write)
                os.close(write)
                running[pid] = (file, path, slot, read, time.monotonic())
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                _kill_overdue(running, lim)
                time.sleep(0.01)
                continue
            file, path, slot, read, started = running.pop(pid)
            free.append(slot)
            seconds = time.monotonic() - started
            raw = b""
            while chunk := os.read(read, 65536):
                raw += chunk
            os.close(read)
            rss = usage.ru_maxrss / 1024
            if os.WIFSIGNALED(status) or not raw:
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                killed = sig == signal.SIGKILL and seconds > lim[path][0]
                outcomes.append(Outcome(file.name, path, 0, "timeout" if killed else "dead",
                                        f"worker ended by signal {sig}, status {status}",
                                        seconds, rss))
            else:
                got = json.loads(raw)
                outcomes.append(Outcome(file.name, path, got["status"], got["result"],
                                        got["message"], seconds, rss))
            if progress:
                o = outcomes[-1]
                print(f"{len(outcomes):4d} {o.path:8s} {o.result:8s} {o.seconds:6.2f}s "
                      f"{o.max_rss_mb:7.1f}MB {o.file}", file=sys.stderr)
        return outcomes


def _kill_overdue(running, lim) -> None:  # type: ignore[no-untyped-def]
    now = time.monotonic()
    for pid, (_, path, _, _, started) in running.items():
        if now - started > lim[path][0] + 30:  # the path's own limit, then some grace
            os.kill(pid, signal.SIGKILL)


def family(name: str) -> str:
    return re.split(r"[-.]", name, maxsplit=1)[0]


def figures(outcomes: list[Outcome]) -> dict[str, object]:
    lim = limits()
    # A forked worker starts with the parent's pages: the smallest peak is about that start.
    baseline_mb = min((o.max_rss_mb for o in outcomes), default=0.0)
    fig: dict[str, object] = {
        "files": len({o.file for o in outcomes}),
        "runs": len(outcomes),
        "unhandled_errors": sum(o.result == "error" for o in outcomes),
        "dead_workers": sum(o.result == "dead" for o in outcomes),
        "timeouts": sum(o.result == "timeout" for o in outcomes),
        "refused_without_message": sum(o.result == "refused" and not o.message
                                       for o in outcomes),
        "worker_start_rss_mb": round(baseline_mb, 1),
    }
    for path in PATHS:
        mine = [o for o in outcomes if o.path == path]
        if not mine:
            continue
        wall, mem = lim[path]
        fig[f"{path}: accepted/refused"] = (sum(o.result == "accepted" for o in mine),
                                            sum(o.result == "refused" for o in mine))
        slowest = max(mine, key=lambda o: o.seconds)
        biggest = max(mine, key=lambda o: o.max_rss_mb)
        fig[f"{path}: max seconds (limit {wall:g})"] = (round(slowest.seconds, 2),
                                                        slowest.file)
        fig[f"{path}: max RSS MB (limit {mem:g} + worker)"] = (round(biggest.max_rss_mb, 1),
                                                               biggest.file)
        fig[f"{path}: over limits"] = sum(o.seconds > wall or o.max_rss_mb > mem + baseline_mb
                                          for o in mine)
    return fig


def failed(fig: dict[str, object]) -> bool:
    return any(fig[k] for k in ("unhandled_errors", "dead_workers", "timeouts",
                                "refused_without_message")) or any(
        v for k, v in fig.items() if k.endswith("over limits"))


def main(argv: list[str] | None = None) -> int:
    from scripts.hostile_corpus import generate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path)
    ap.add_argument("--workers", type=int, default=max(2, min(8, (os.cpu_count() or 2))))
    ap.add_argument("--sample", type=int, help="only every Nth file (quick runs)")
    ap.add_argument("--json", type=Path, help="write every outcome here")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = args.folder or Path(tmp)
        files = sorted(p for p in folder.iterdir() if p.is_file()) if args.folder \
            else generate(folder)
        if args.sample:
            files = files[::args.sample]
        started = time.monotonic()
        outcomes = run(files, workers=args.workers, progress=args.verbose)
    fig = figures(outcomes)
    print(f"hostile corpus: {fig['files']} files, {fig['runs']} runs over {len(PATHS)} paths in "
          f"{time.monotonic() - started:.0f}s with {args.workers} workers")
    for key, value in fig.items():
        print(f"  {key}: {value}")
    by_family: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        by_family[family(o.file)][f"{o.path} {o.result}"] += 1
    print("  by family:")
    for name in sorted(by_family):
        print(f"    {name:12s} " + ", ".join(f"{k} {v}" for k, v in sorted(
            by_family[name].items())))
    bad = [o for o in outcomes if o.result in ("error", "dead", "timeout")
           or (o.result == "refused" and not o.message)]
    for o in bad:
        print(f"  PROBLEM {o.path} {o.file}: {o.result} {o.status} {o.message}")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 1 if failed(fig) else 0


if __name__ == "__main__":
    sys.exit(main())
