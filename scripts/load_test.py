#!/usr/bin/env python3
"""Load: 50 signed-in users against the production server (gunicorn, several workers) on
loopback, for a bounded time, then requests, p50/p95/p99 per endpoint, errors and any
"database is locked".

Each user works on their own school's cases in a closed loop with a think time between
actions (like locust's `between`):
  * view the task list of their case                         (weight 40)
  * view the evidence check of their case                    (weight 30)
  * save a chronology event: open the form, post it           (weight 25)
  * build the bundle of their school's ready case            (weight  1: about 20 builds a
    minute from 50 users, far more than real use; each costs 0.5-3 s of CPU. The POST
    waits up to 3 s for the build, so it is reported, but it is not a "page")
`--bundle-weight` changes the last weight.

SQLite by default (a fresh instance in a temporary folder); `--database-url` or
DATABASE_URL (postgresql+psycopg://...) runs it on PostgreSQL: the database must be empty
or hold only this script's data from an earlier run (its tables are dropped first).

Usage: scripts/load_test.py [--users 50] [--seconds 60] [--workers 4] [--threads 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

PAGE_BUDGET_MS = 150.0
SCHOOLS = 10


# ---- data -------------------------------------------------------------------------------

def populate(env: dict[str, str], users: int) -> list[dict[str, object]]:
    """Create the schools, users and cases in-process; return one dict per user."""
    os.environ.update(env)
    if not env.get("DATABASE_URL"):
        os.environ.pop("DATABASE_URL", None)
    from referral_builder.schemas.case import dump_case, load_case_file
    from sqlalchemy import select

    from referral_builder import accounts
    from referral_builder.services import cases, demo
    from referral_builder.storage.models import Base, StoredFile, User
    from referral_builder.web import create_app

    app = create_app({"AUTO_UPGRADE_DB": False})
    db = app.extensions["db"]
    if env.get("DATABASE_URL"):
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    from referral_builder.storage.migrate import upgrade

    upgrade(db.engine)
    store = app.extensions["files"]
    today = dt.date.today()
    folder = h.ROOT / "examples" / "walsall-ready"
    ready = dump_case(load_case_file(folder / "case.json").case)
    ready["declaration"] = {"confirmed": True, "name": "Sam Patel", "role": "DSL",
                            "at": "2026-11-20T10:15:00"}
    people: list[dict[str, object]] = []
    with db.writing() as s:
        demo.create(s, store, require_totp=False)
        authority = accounts.find_authority(s, "walsall")
        for n in range(SCHOOLS):
            school = accounts.create_school(s, f"Load Test School {n + 1}", "walsall",
                                            urn=f"9{n:05d}", head_teacher="Mrs A Head",
                                            address="1 School Lane, Walsall WS1 1AA")
            creator = None
            for u in range(n, users, SCHOOLS):
                email = f"user{u + 1}@load.example"
                accounts.create_user(s, email, f"Load User {u + 1}",
                                     "dsl" if u % 2 else "school_staff", h.PASSWORD,
                                     school=school.name)
                user = s.scalar(select(User).where(User.email == email))
                creator = creator or user
                data = demo.demo_case(cases.next_reference(s, authority, today.year), today)
                data["school"]["name"] = school.name
                record = cases.create_case(s, authority=authority, school=school,
                                              created_by=user.id, data=data)
                people.append({"email": email, "case": record.id, "school": n})
            data = json.loads(json.dumps(ready))
            data["reference"] = cases.next_reference(s, authority, today.year)
            data["school"]["name"] = school.name
            record = cases.create_case(s, authority=authority, school=school,
                                          created_by=creator.id, data=data)
            for doc in data["documents"]:
                content = (folder / doc["file"]).read_bytes()
                s.add(StoredFile(case_id=record.id, kind="evidence", doc_id=doc["id"],
                                 sha256=store.put(content), filename=doc["file"],
                                 media_type="application/pdf", size=len(content),
                                 uploaded_by=creator.id))
            for p in people:
                if p["school"] == n:
                    p["ready_case"] = record.id
    db.engine.dispose()
    return people


# ---- the users --------------------------------------------------------------------------

class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.locked = 0

    def record(self, name: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[name].append(ms)
            if not ok:
                self.errors[name] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{name}: {detail}")
            if "database is locked" in detail:
                self.locked += 1


class User:
    bundle_weight = 1.0

    def __init__(self, base: str, person: dict[str, object], stats: Stats,
                 rng: random.Random, think: tuple[float, float]) -> None:
        self.client = h.Client(base, timeout=120)
        self.person, self.stats, self.rng, self.think = person, stats, rng, think
        self.case = int(person["case"])  # type: ignore[call-overload]
        self.ready = int(person["ready_case"])  # type: ignore[call-overload]

    def call(self, name: str, method: str, path: str, expect: int,
             fields: dict[str, str | list[str]] | None = None) -> h.Response | None:
        t0 = time.perf_counter()
        try:
            r = (self.client.get(path) if method == "GET"
                 else self.client.post(path, fields or {}))
        except (OSError, http.client.HTTPException) as exc:
            self.stats.record(name, (time.perf_counter() - t0) * 1000, False, repr(exc))
            return None
        ms = (time.perf_counter() - t0) * 1000
        ok = r.status == expect
        self.stats.record(name, ms, ok, "" if ok else f"{r.status} {_title(r.text)}")
        return r if ok else None

    def run(self, until: float) -> None:
        actions = [(self.task_list, 40), (self.evidence, 30), (self.save_event, 25),
                   (self.build_bundle, self.bundle_weight)]
        funcs, weights = zip(*actions, strict=True)
        time.sleep(self.rng.uniform(0, self.think[1]))  # users do not all start at once
        while time.monotonic() < until:
            self.rng.choices(funcs, weights)[0]()
            time.sleep(self.rng.uniform(*self.think))

    def task_list(self) -> None:
        self.call("GET task list", "GET", f"/cases/{self.case}", 200)

    def evidence(self) -> None:
        self.call("GET evidence check", "GET", f"/cases/{self.case}/evidence", 200)

    def save_event(self) -> None:
        kind = self.rng.choice(("note", "letter"))
        page = self.call("GET event form", "GET", f"/cases/{self.case}/events/new/{kind}", 200)
        if page is None:
            return
        fields: dict[str, str | list[str]] = {
            "csrf_token": h.csrf_token(page.text), "version": h.version_of(page.text),
            "date": ["2", "11", "2026"], "summary": f"Load test {self.rng.random():.6f}"}
        if kind == "letter":
            fields.update(to=["c1"], purposes=["attendance_concern"])
        self.call("POST event save", "POST", f"/cases/{self.case}/events/new/{kind}", 302,
                  fields)

    def build_bundle(self) -> None:
        page = self.call("GET declaration", "GET", f"/cases/{self.ready}/declaration", 200)
        if page is None:
            return
        self.call("POST bundle build", "POST", f"/cases/{self.ready}/bundle", 302, {
            "csrf_token": h.csrf_token(page.text), "version": h.version_of(page.text)})
        self.call("GET bundle page", "GET", f"/cases/{self.ready}/bundle", 200)


def _title(html: str) -> str:
    m = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(m.group(1).split())[:120] if m else html[:120]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] if s else 0.0


# ---- main -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                   help="seconds each user waits between actions (default 1 3)")
    p.add_argument("--bundle-weight", type=float, default=1.0)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rb-load-") as tmp:
        root = args.keep or Path(tmp)
        instance = h.fresh_instance(root)
        env = h.server_env(instance, args.database_url or None)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"load test: {args.users} users for {args.seconds:g} s, think "
              f"{args.think[0]:g}-{args.think[1]:g} s, "
              f"{h.server_description(args.workers, args.threads)}, {backend}; "
              f"weights: task list 40, evidence 30, event save 25, bundle "
              f"{args.bundle_weight:g}",
              flush=True)
        load_before = os.getloadavg()[0]
        User.bundle_weight = args.bundle_weight
        people = populate(env, args.users)
        log = root / "gunicorn.log"
        server = h.Server(env, workers=args.workers, threads=args.threads, log=log)
        server.start()
        stats = Stats()
        try:
            rng = random.Random(args.seed)
            users = [User(server.base, people[n % len(people)], stats,
                          random.Random(rng.random()), tuple(args.think))  # type: ignore[arg-type]
                     for n in range(args.users)]
            for u in users:
                u.client.sign_in(str(u.person["email"]))
            t0 = time.monotonic()
            until = t0 + args.seconds
            threads = [threading.Thread(target=u.run, args=(until,)) for u in users]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - t0
        finally:
            server.stop()
        server_log = log.read_text(errors="replace") if log.exists() else ""
        locked_in_log = server_log.count("database is locked")
        tracebacks = server_log.count("Traceback (most recent call last)")
        print(report(stats, elapsed, locked_in_log, tracebacks))
        print(f"  machine: {os.cpu_count()} cores; load average before {load_before:.1f}, "
              f"after {os.getloadavg()[0]:.1f} (other processes share the cores)")
        bad = sum(stats.errors.values()) or stats.locked or locked_in_log
        return 1 if bad else 0


def report(stats: Stats, elapsed: float, locked_in_log: int, tracebacks: int) -> str:
    total = sum(len(v) for v in stats.times.values())
    lines = [f"requests {total} in {elapsed:.0f} s ({total / elapsed:.1f}/s); errors "
             f"{sum(stats.errors.values())}; \"database is locked\" {stats.locked + locked_in_log}"
             f"; server tracebacks {tracebacks}",
             f"  {'endpoint':<22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
             f"{'max ms':>8} {'errors':>7}"]
    over = []
    for name in sorted(stats.times):
        v = stats.times[name]
        p95 = pct(v, 95)
        lines.append(f"  {name:<22} {len(v):>6} {pct(v, 50):>8.0f} {p95:>8.0f} "
                     f"{pct(v, 99):>8.0f} {max(v):>8.0f} {stats.errors[name]:>7}")
        if name.startswith("GET") and "bundle" not in name and p95 > PAGE_BUDGET_MS:
            over.append(f"{name} p95 {p95:.0f} ms")
    lines.append("  pages over the 150 ms p95 budget: " + (", ".join(over) or "none"))
    lines += [f"  ! {e}" for e in stats.error_samples]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
