"""`make scale`: the scaled-out deployment on this machine, with faults, and its figures.

Starts, on loopback only, a PostgreSQL cluster and a SeaweedFS S3 server (tests/servers.py),
2 web processes (`referral-builder serve`, gunicorn) and 2 job workers
(`referral-builder worker`). USERS simulated users (threads) each sign in, import ready cases
(the case zip carries its evidence, stored in S3), sign the declaration and ask for the
bundle, until BUILDS builds are queued; a user whose web process stops answering goes on with
the other (as a load balancer would send them). Mid-run a worker and a web process are
killed with SIGKILL. Then it reports, from the database: jobs completed, retried (run more
than once: after the kill, or after a passing failure), lost (asked for and never built:
must be 0), duplicated (a case with two bundles from one request: must be 0), job latency
p50/p95 (queued to done), and the throughput of 1 worker against 2 on the same builds.

    python scripts/scale.py [--users 20] [--builds 200] [--throughput-builds 12]
                            [--timeout 1200]

Everything runs in a temporary folder, removed at the end; every process it started is
stopped by its own process id.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness as h

from tests import servers

BUCKET = "referral-builder-scale"


class Workers:
    """`referral-builder worker` processes, each in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int) -> None:
        for _ in range(n):
            out = open(self.log, "ab")  # noqa: SIM115
            self.procs.append(subprocess.Popen(
                [str(h.BIN / "referral-builder"), "worker", "--name",
                 f"scale-{len(self.procs) + 1}"], env=self.env, stdout=out, stderr=out,
                start_new_session=True))

    def kill_one(self) -> int:
        proc = next(p for p in self.procs if p.poll() is None)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return proc.pid

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []


def setup(env: dict[str, str], users: int) -> None:
    """Schema, the demo LA and school, and the simulated users (in this process)."""
    os.environ.update(env)
    from referral_builder import accounts
    from referral_builder.services import demo
    from referral_builder.web import create_app

    app = create_app({})
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], require_totp=False)
        accounts.create_school(s, "Scale School", "walsall", urn="900001",
                               head_teacher="Mrs A Head",
                               address="1 School Lane, Walsall WS1 1AA")
        for n in range(users):
            accounts.create_user(s, f"user{n + 1}@scale.example", f"Scale User {n + 1}",
                                 "dsl", h.PASSWORD, school="Scale School")
    app.extensions["db"].engine.dispose()


class Web:
    """The web processes; a request that finds its process gone goes to another."""

    def __init__(self, servers_: list[h.Server]) -> None:
        self.servers = servers_
        self.lock = threading.Lock()

    def alive(self) -> list[h.Server]:
        return [s for s in self.servers if s.proc is not None]


def user_run(web: Web, n: int, builds: int, asked: list[tuple[int, float]],
             errors: list[str], stop: threading.Event) -> None:
    archive = h.ready_case_zip()
    client: h.Client | None = None

    def fresh() -> h.Client:
        alive = web.alive()
        c = h.Client(random.choice(alive).base)
        c.sign_in(f"user{n + 1}@scale.example")
        return c

    done = 0
    while done < builds and not stop.is_set():
        try:
            client = client or fresh()
            case_id = h.import_case(client, archive)
            h.declare(client, case_id)
            page = client.get(f"/cases/{case_id}/bundle")
            r = client.post(f"/cases/{case_id}/bundle", {
                "csrf_token": h.csrf_token(page.text), "version": h.version_of(page.text)})
            if r.status != 302:
                raise RuntimeError(f"bundle request answered {r.status}")
            with web.lock:
                asked.append((case_id, time.time()))
            done += 1
        except (OSError, RuntimeError) as exc:  # a killed web process: sign in elsewhere
            errors.append(f"user {n + 1}: {exc.__class__.__name__}: {str(exc)[:120]}")
            client = None
            time.sleep(0.5)


def counts(db_url: str) -> dict[str, object]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        jobs = conn.execute(text(
            "SELECT id, case_id, state, created_at, finished_at FROM bundle_jobs")).all()
        files = conn.execute(text(
            "SELECT case_id, count(*) FROM case_files WHERE kind = 'bundle' "
            "GROUP BY case_id")).all()
        runs = conn.execute(text(
            "SELECT j.id, count(*) FILTER (WHERE e.type = 'started') FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id WHERE j.task_name = "
            "'build_bundle' GROUP BY j.id")).all()
        # Each case import is a work job (its documents checked) that creates one case.
        imports = conn.execute(text(
            "SELECT state, result FROM work_jobs WHERE kind = 'case_import'")).all()
        made = conn.execute(text(
            "SELECT count(*) FROM cases c JOIN users u ON u.id = c.created_by "
            "WHERE u.email LIKE '%@scale.example'")).scalar_one()
    engine.dispose()
    return {"jobs": jobs, "files": dict(files), "runs": dict(runs), "imports": imports,
            "cases_made": made}


def drain(db_url: str, case_ids: set[int], deadline: float) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                live = conn.execute(text(
                    "SELECT count(*) FROM bundle_jobs WHERE state IN ('queued', 'running')"
                )).scalar_one()
                done = set(conn.execute(text(
                    "SELECT case_id FROM bundle_jobs WHERE state = 'done'")).scalars())
            if not live and case_ids <= done:
                return
            time.sleep(1)
    finally:
        engine.dispose()


def throughput(env: dict[str, str], workdir: Path, n_workers: int, builds: int,
               timeout: float) -> float:
    """Start `n_workers`, wait until they are up, queue `builds` rebuilds and return builds a
    minute until all are done."""
    os.environ.update(env)
    from sqlalchemy import select, text

    from referral_builder.services import bundles
    from referral_builder.storage.models import CaseRecord, User
    from referral_builder.web import create_app

    app = create_app({"BUNDLE_IN_BACKGROUND": True})
    with app.extensions["db"].session() as s:
        ids = list(s.scalars(select(CaseRecord.id).join(User, User.id == CaseRecord.created_by)
                             .where(User.email.like("%@scale.example"))
                             .order_by(CaseRecord.id)))
        user = s.scalar(select(User.id).where(User.email == "user1@scale.example"))

    engine = app.extensions["db"].engine
    with engine.begin() as conn:  # no worker runs now: forget the rows of killed ones
        conn.execute(text("DELETE FROM procrastinate_workers"))
    workers = Workers(env, workdir / f"throughput-{n_workers}.log")
    workers.start(n_workers)
    try:
        started = time.monotonic()
        while time.monotonic() - started < 120:  # until every worker has registered
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM procrastinate_workers")
                                ).scalar_one() >= n_workers:
                    break
            time.sleep(0.2)
        t0 = time.monotonic()
        job_ids = [bundles.start(app, case_id, 1, user).job_id for case_id in ids[:builds]]
        while time.monotonic() - t0 < timeout:
            with engine.connect() as conn:
                left = conn.execute(text(
                    "SELECT count(*) FROM bundle_jobs WHERE id = ANY(:ids) AND state IN "
                    "('queued', 'running')"), {"ids": job_ids}).scalar_one()
            if not left:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
    finally:
        workers.stop()
        from referral_builder.jobs import queue

        queue.close(app)
        app.extensions["db"].engine.dispose()
    return len(job_ids) / elapsed * 60


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--builds", type=int, default=200)
    p.add_argument("--throughput-builds", type=int, default=12)
    p.add_argument("--timeout", type=float, default=1200,
                   help="seconds the main run may take before it stops asking")
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="referral-builder-scale-"))
    workdir.chmod(0o755)  # PostgreSQL runs as its own user and must reach its folder
    pg = s3 = None
    webs: list[h.Server] = []
    workers = None
    t_start = time.monotonic()
    try:
        print(f"scale: working in {workdir}", flush=True)
        pg = servers.start_postgres(workdir / "pg", max_connections=300)
        s3 = servers.start_weed(workdir / "s3")
        s3.create_bucket(BUCKET)
        env = h.server_env(workdir / "instance", pg.url)
        env.update(s3.env(BUCKET, "files"), REFERRAL_BUILDER_WORKER_HEARTBEAT="2",
                   REFERRAL_BUILDER_WORKER_STALLED="10")
        subprocess.run([str(h.BIN / "referral-builder"), "db", "upgrade"], env=env,
                       check=True, capture_output=True)
        setup(env, args.users)
        for n in range(2):
            server = h.Server(env, workers=1, threads=4, log=workdir / f"web{n + 1}.log")
            server.start(60)
            webs.append(server)
        workers = Workers(env, workdir / "workers.log")
        workers.start(2)
        print(f"scale: PostgreSQL {pg.url.split('@')[1]}, S3 {s3.endpoint}, web "
              f"{', '.join(s.base for s in webs)}, 2 workers; {args.users} users asking for "
              f"{args.builds} bundles", flush=True)

        web = Web(webs)
        asked: list[tuple[int, float]] = []
        errors: list[str] = []
        stop = threading.Event()
        per_user = [args.builds // args.users + (1 if i < args.builds % args.users else 0)
                    for i in range(args.users)]
        threads = [threading.Thread(target=user_run, args=(web, i, per_user[i], asked, errors,
                                                           stop), daemon=True)
                   for i in range(args.users)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        killed_worker = killed_web = False
        deadline = t0 + args.timeout
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            time.sleep(1)
            done = sum(1 for j in counts(pg.url)["jobs"] if j[2] == "done")  # type: ignore[attr-defined]
            if not killed_worker and done >= args.builds * 0.2:
                pid = workers.kill_one()
                print(f"scale: SIGKILL worker {pid} after {done} builds", flush=True)
                killed_worker = True
            if not killed_web and len(asked) >= args.builds * 0.5:
                os.killpg(webs[0].proc.pid, signal.SIGKILL)  # type: ignore[union-attr]
                webs[0].proc.wait()  # type: ignore[union-attr]
                webs[0].proc = None
                print(f"scale: SIGKILL web process 1 after {len(asked)} requests", flush=True)
                killed_web = True
        stop.set()
        for t in threads:
            t.join(60)
        asked_at = time.monotonic() - t0
        drain(pg.url, {c for c, _ in asked}, time.monotonic() + max(60.0, args.timeout / 2))
        wall = time.monotonic() - t0
        workers.stop()

        c = counts(pg.url)
        jobs = c["jobs"]
        run_cases = {case for case, _ in asked}
        mine = [j for j in jobs if j[1] in run_cases]  # type: ignore[attr-defined]
        done_cases = {j[1] for j in mine if j[2] == "done"}
        completed = sum(1 for j in mine if j[2] == "done")
        failed = sum(1 for j in mine if j[2] == "failed")
        lost = len(run_cases - done_cases)
        duplicated = sum(n - 1 for case, n in c["files"].items()  # type: ignore[attr-defined]
                         if case in run_cases and n > 1)
        retried = sum(1 for n in c["runs"].values() if n > 1)  # type: ignore[attr-defined]
        latencies = sorted((j[4] - j[3]).total_seconds() for j in mine if j[4] is not None)
        q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [0.0] * 19

        print("scale: measuring 1 worker against 2 on the same builds", flush=True)
        one = throughput(env, workdir, 1, args.throughput_builds, 600)
        two = throughput(env, workdir, 2, args.throughput_builds, 600)

        cores = os.cpu_count()
        load = os.getloadavg()
        print()
        print(f"Scale run, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {cores} cores, load "
              f"average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
        print("  2 web processes (gunicorn, 1 worker x 4 threads each) + 2 job workers + "
              "PostgreSQL + SeaweedFS S3, all on loopback")
        print(f"  users                   {args.users}")
        print(f"  bundle builds asked     {len(asked)} (target {args.builds}) in "
              f"{asked_at:.0f} s; all done after {wall:.0f} s")
        print("  faults                  SIGKILL 1 worker at 20% of builds done, SIGKILL "
              "1 web process at 50% of requests made")
        print(f"  client errors           {len(errors)} (requests that found their web "
              "process gone, then retried on the other)")
        print(f"  jobs completed          {completed}")
        print(f"  jobs failed             {failed}")
        print(f"  jobs retried            {retried} (run more than once)")
        print(f"  jobs lost               {lost}")
        print(f"  jobs duplicated         {duplicated}")
        imports = c["imports"]
        imports_done = [json.loads(r[1] or "{}").get("case_id") for r in imports  # type: ignore[attr-defined]
                        if r[0] == "done"]
        print(f"  case imports (work jobs) {len(imports)}: {len(imports_done)} done, "
              f"{sum(r[0] == 'failed' for r in imports)} failed, "  # type: ignore[attr-defined]
              f"{sum(r[0] in ('queued', 'running') for r in imports)} never finished; "  # type: ignore[attr-defined]
              f"{c['cases_made']} cases made ({len(set(imports_done))} distinct from jobs)")
        print(f"  job latency p50 / p95   {statistics.median(latencies) if latencies else 0:.1f}"
              f" s / {q[18]:.1f} s (asked to done, queueing included)")
        print(f"  throughput, 1 worker    {one:.1f} bundles a minute "
              f"({args.throughput_builds} builds)")
        print(f"  throughput, 2 workers   {two:.1f} bundles a minute (x{two / one:.2f})")
        print(f"  total run time          {time.monotonic() - t_start:.0f} s")
        for e in errors[:5]:
            print(f"    e.g. {e.splitlines()[0]}")
        for log in sorted(workdir.glob("web*.log")):
            text_ = log.read_text(errors="replace")
            if "Traceback" in text_:
                start = text_.index("Traceback")
                print(f"  {log.name}: {text_.count('Traceback')} server tracebacks; the first:")
                print("    " + "\n    ".join(text_[start:start + 3000].splitlines()[-12:]))
        imports_whole = len(set(imports_done)) == len(imports_done) == c["cases_made"] and \
            not any(r[0] in ("queued", "running") for r in imports)  # type: ignore[attr-defined]
        return 0 if lost == 0 and duplicated == 0 and imports_whole else 1
    finally:
        if workers is not None:
            workers.stop()
        for server in webs:
            server.stop()
        if s3 is not None:
            s3.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
