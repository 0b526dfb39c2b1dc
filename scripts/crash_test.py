#!/usr/bin/env python3
"""Crash safety: kill the production server with SIGKILL in the middle of saves and bundle
builds, restart it, and check that nothing committed was lost or damaged.

Each iteration starts a few signed-in "browsers" at once, on their own cases:
  * two add chronology notes as fast as they can (small saves),
  * one adds events with an uploaded PDF (a sanitised copy is written to the file store),
  * about half the time, one builds the bundle of a ready case (a large file written),
then SIGKILLs gunicorn's whole process group (master, workers and PDF readers) after a random
delay, counts the temporary files left behind, restarts the server and checks:

  * ``PRAGMA integrity_check`` is ``ok`` (and ``foreign_key_check`` is empty);
  * every save that got a 2xx/3xx answer before the kill is still there: the case has exactly
    the version and content hash read right after the answer (or one more version, when a
    save in flight at the kill was committed without its answer arriving), every note whose
    save was answered is in it, and it still loads as a valid case;
  * every stored-file row seen before is still there; every file under a final name in the
    file store hashes to its name (none truncated); every row's file exists;
  * no temporary file is left: start-up swept them.

Usage: scripts/crash_test.py [--iterations 200] [--workers 2] [--seed N] [--keep DIR]
Exit status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

from referral_builder.storage.files import TEMP_PREFIX

MAX_EVENTS = 40  # then a fresh case is imported, so saves stay quick


@dataclass
class Tally:
    iterations: int = 0
    kills: int = 0
    acknowledged: int = 0  # saves answered 2xx/3xx before a kill
    verified: int = 0  # acknowledged saves found intact after a restart (counted once each)
    unacknowledged_committed: int = 0  # in flight at the kill, committed, answer lost
    lost: int = 0
    corrupted: int = 0
    integrity_failures: int = 0
    truncated_files: int = 0
    missing_files: int = 0
    lost_file_rows: int = 0
    orphans_found: int = 0
    orphans_swept: int = 0
    orphans_left: int = 0
    writer_files: int = 0  # 1 MB files the file-writer process finished (checked, removed)
    bundles_started: int = 0
    bundles_committed: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fail(self, kind: str, message: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < 50:
            self.problems.append(f"{kind}: {message}")


@dataclass
class CaseState:
    """What the client knows is committed for one case."""

    case_id: int
    version: int
    sha: str
    tokens: set[str] = field(default_factory=set)  # notes whose save was answered
    pending: str | None = None  # a note sent whose answer has not arrived
    pending_verified: int = 0  # acknowledged saves not yet checked after a restart


class Crash:
    def __init__(self, root: Path, workers: int, seed: int) -> None:
        self.root = root
        self.instance = h.fresh_instance(root)
        self.env = h.server_env(self.instance)
        self.db_path = self.instance / "referral-builder.sqlite"
        self.files = self.instance / "files"
        self.rng = random.Random(seed)
        self.server = h.Server(self.env, workers=workers, log=root / "gunicorn.log")
        self.tally = Tally()
        self.lock = threading.Lock()
        self.cases: dict[int, CaseState] = {}
        self.file_rows: dict[int, str] = {}  # case_files.id -> sha256, as seen committed
        self.demo_zip = b""
        self.ready_case = 0
        self.verify_seconds: list[float] = []

    # ---- database reads from outside the server -------------------------------------

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=30)

    def read_case(self, case_id: int) -> tuple[int, str, str] | None:
        con = self._db()
        try:
            row = con.execute("SELECT version, data FROM cases WHERE id = ?",
                              (case_id,)).fetchone()
        finally:
            con.close()
        if row is None:
            return None
        return row[0], row[1], hashlib.sha256(row[1].encode()).hexdigest()

    # ---- setup -----------------------------------------------------------------------

    def setup(self) -> h.Client:
        h.cli(self.env, "db", "upgrade")
        h.cli(self.env, "demo")
        self.tally.restart_seconds.append(self.server.start())
        client = h.Client(self.server.base)
        client.sign_in("dsl@school.example")
        export = client.get("/cases/1/export")
        if export.status != 200:
            raise RuntimeError(f"export failed: {export.status}")
        self.demo_zip = export.body
        self.ready_case = h.import_case(client, h.ready_case_zip())
        h.declare(client, self.ready_case)
        self._ack_case(self.ready_case)
        for case_id in (1, h.import_case(client, self.demo_zip),
                        h.import_case(client, self.demo_zip)):
            self._ack_case(case_id)
        return client

    def _ack_case(self, case_id: int) -> CaseState:
        version, _, sha = self.read_case(case_id) or (0, "", "")
        state = CaseState(case_id, version, sha)
        with self.lock:
            self.cases[case_id] = state
            self.tally.acknowledged += 1
            state.pending_verified += 1
        return state

    # ---- the browsers ----------------------------------------------------------------

    def note_writer(self, client: h.Client, state: CaseState, iteration: int,
                    upload: bool, stop: threading.Event) -> None:
        n = 0
        try:
            while not stop.is_set():
                events = json.loads(self.read_case(state.case_id)[1]).get("events", [])
                if len(events) >= MAX_EVENTS:
                    new_id = h.import_case(client, self.demo_zip)
                    state = self._ack_case(new_id)
                    continue
                n += 1
                token = f"crash-{iteration}-{state.case_id}-{n}-{self.rng.random():.9f}"
                page = client.get(f"/cases/{state.case_id}/events/new/note")
                if page.status != 200:
                    raise RuntimeError(f"note form: {page.status}")
                fields: dict[str, str | list[str]] = {
                    "csrf_token": h.csrf_token(page.text), "version": h.version_of(page.text),
                    "date": ["2", "11", "2026"], "summary": token}
                state.pending = token
                if upload:
                    r = client.post_multipart(
                        f"/cases/{state.case_id}/events/new/note", fields,
                        {"attachment": (f"{token}.pdf", h.small_pdf(token), "application/pdf")})
                    r = h.through_work(client, r)  # saved when its job has checked the file
                    if "?work=" in r.headers.get("Location", "") or r.status == 200:
                        raise RuntimeError("the upload's job ended without saving the note")
                else:
                    r = client.post(f"/cases/{state.case_id}/events/new/note", fields)
                if not 200 <= r.status < 400:
                    raise RuntimeError(f"note save answered {r.status}")
                version, data, sha = self.read_case(state.case_id)
                with self.lock:
                    self.tally.acknowledged += 1
                    if token not in data:
                        self.tally.fail("lost", f"case {state.case_id}: save answered "
                                                f"{r.status} but note {token} is not stored")
                    state.version, state.sha, state.pending = version, sha, None
                    state.tokens.add(token)
                    state.pending_verified += 1
        except (OSError, RuntimeError, TypeError, http.client.HTTPException):
            return  # the server was killed (or is being): expected

    def bundle_builder(self, client: h.Client, stop: threading.Event) -> None:
        try:
            # The declaration page has the version and a CSRF token: the bundle page shows
            # no form once a current bundle exists, but a rebuild is still allowed.
            page = client.get(f"/cases/{self.ready_case}/declaration")
            if stop.is_set() or page.status != 200:
                return
            with self.lock:
                self.tally.bundles_started += 1
            client.post(f"/cases/{self.ready_case}/bundle", {
                "csrf_token": h.csrf_token(page.text), "version": h.version_of(page.text)})
        except (OSError, RuntimeError, http.client.HTTPException):
            return

    # ---- one iteration ---------------------------------------------------------------

    def iteration(self, n: int, client: h.Client) -> None:
        stop = threading.Event()
        states = [s for s in self.cases.values() if s.case_id != self.ready_case][-3:]
        threads = [
            threading.Thread(target=self.note_writer,
                             args=(client.copy(), states[0], n, False, stop)),
            threading.Thread(target=self.note_writer,
                             args=(client.copy(), states[1], n, False, stop)),
            threading.Thread(target=self.note_writer,
                             args=(client.copy(), states[2], n, True, stop)),
        ]
        delay = self.rng.uniform(0.02, 0.7)
        if self.rng.random() < 0.25:  # a bundle build: kill it anywhere in its ~3 s
            threads.append(threading.Thread(target=self.bundle_builder,
                                            args=(client.copy(), stop)))
            delay = self.rng.uniform(0.3, 3.5)
        writer = self.start_file_writer()
        for t in threads:
            t.start()
        time.sleep(delay)
        stop.set()
        writer.kill()  # SIGKILL, the same instant as the server's process group
        self.server.kill()
        self.tally.kills += 1
        for t in threads:
            t.join(timeout=60)
        self.forget_writer_files(writer)
        orphans = self._temp_files()
        self.tally.orphans_found += len(orphans)
        self.server.spawn()
        t0 = time.monotonic()
        self.verify()  # on the files the kill left, while the workers boot
        self.verify_seconds.append(time.monotonic() - t0)
        self.tally.restart_seconds.append(self.server.wait_ready())
        client.set_base(self.server.base)
        left = self._temp_files()
        deadline = time.monotonic() + 5
        while set(left) & set(orphans) and time.monotonic() < deadline:
            time.sleep(0.05)  # the slower worker may still be booting (and sweeping)
            left = self._temp_files()
        self.tally.orphans_swept += len(set(orphans) - set(left))
        if left:
            self.tally.fail("orphans_left", f"{len(left)} temporary files not swept")
        self.tally.iterations += 1

    def start_file_writer(self) -> subprocess.Popen[str]:
        """A process, SIGKILLed with the server, that stores 1 MB files through FileStore
        as fast as it can, so that the SIGKILL usually lands mid-write (real uploads are
        written in milliseconds and are rarely caught): it leaves real orphans for the
        start-up sweep, and its finished files must be whole."""
        code = ("import itertools, os, sys, time\n"
                "from referral_builder.storage.files import LocalFileStore\n"
                "store, block = LocalFileStore(sys.argv[1]), os.urandom(1024 * 1024)\n"
                "for n in itertools.count():\n"
                "    print(store.put(b'%d:%d:' % (os.getpid(), n) + block), flush=True)\n"
                "    time.sleep(0.01)\n")
        return subprocess.Popen([sys.executable, "-c", code, str(self.files)],
                                stdout=subprocess.PIPE, text=True)

    def forget_writer_files(self, writer: subprocess.Popen[str]) -> None:
        """Check the writer's finished files are whole, then delete them (no row needs
        them, and the store would grow by gigabytes over 200 iterations)."""
        out, _ = writer.communicate()
        for sha in out.split():
            path = self.files / sha[:2] / sha
            if len(sha) != 64 or not path.is_file():
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                self.tally.fail("truncated_files", f"{sha[:12]} (file writer) is truncated")
            self.tally.writer_files += 1
            path.unlink()

    def _temp_files(self) -> list[Path]:
        return sorted(self.files.glob(f"*/{TEMP_PREFIX}*")) if self.files.is_dir() else []

    # ---- checks ----------------------------------------------------------------------

    def verify(self) -> None:
        con = self._db()
        try:
            result = con.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                self.tally.fail("integrity_failures", f"integrity_check: {result[:5]}")
            fk = con.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                self.tally.fail("integrity_failures", f"foreign_key_check: {fk[:5]}")
            rows = dict(con.execute("SELECT id, sha256 FROM case_files").fetchall())
            bundles = con.execute("SELECT count(*) FROM case_files WHERE kind = 'bundle'"
                                  ).fetchone()[0]
        finally:
            con.close()
        self.tally.bundles_committed = bundles
        for file_id, sha in self.file_rows.items():
            if rows.get(file_id) != sha:
                self.tally.fail("lost_file_rows", f"case_files {file_id} ({sha[:12]}) is gone")
        self.file_rows.update(rows)
        for sha in set(rows.values()):
            if not (self.files / sha[:2] / sha).is_file():
                self.tally.fail("missing_files", f"file {sha[:12]} of a row is missing")
        for path in self.files.glob("*/*"):
            if path.name.startswith(TEMP_PREFIX):
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() != path.name:
                self.tally.fail("truncated_files", f"{path.name[:12]} does not match its hash "
                                                   f"({path.stat().st_size} bytes)")
        for state in self.cases.values():
            self._verify_case(state)

    def _verify_case(self, state: CaseState) -> None:
        from referral_builder.schemas.case import load_case

        from referral_builder.domain.errors import InvalidCase

        found = self.read_case(state.case_id)
        if found is None:
            self.tally.fail("lost", f"case {state.case_id} is gone")
            return
        version, data, sha = found
        if version == state.version:
            if sha != state.sha:
                self.tally.fail("corrupted", f"case {state.case_id} v{version}: content hash "
                                             "differs from the one read after its save")
                return
        elif (version == state.version + 1 and state.pending is not None
              and state.pending in data):
            self.tally.unacknowledged_committed += 1
            state.tokens.add(state.pending)
            state.version, state.sha = version, sha
        else:
            self.tally.fail("lost", f"case {state.case_id}: version {version}, the last "
                                    f"answered save made version {state.version}")
            return
        state.pending = None
        missing = [t for t in state.tokens if t not in data]
        if missing:
            self.tally.fail("lost", f"case {state.case_id}: {len(missing)} answered notes "
                                    "are missing")
            return
        try:
            load_case(json.loads(data))
        except (InvalidCase, ValueError) as exc:
            self.tally.fail("corrupted", f"case {state.case_id} no longer loads: {exc}")
            return
        self.tally.verified += state.pending_verified
        state.pending_verified = 0

    # ---- report ----------------------------------------------------------------------

    def report(self, seconds: float) -> str:
        t = self.tally
        restarts = sorted(t.restart_seconds)
        ok = not (t.lost or t.corrupted or t.integrity_failures or t.truncated_files
                  or t.missing_files or t.lost_file_rows or t.orphans_left)
        lines = [
            f"crash test: {'PASS' if ok else 'FAIL'} in {seconds:.0f} s",
            f"  iterations                       {t.iterations}",
            f"  SIGKILLs                         {t.kills}",
            f"  integrity_check ok               {t.iterations - t.integrity_failures}"
            f"/{t.iterations}",
            f"  saves answered before a kill     {t.acknowledged}",
            f"  committed saves verified         {t.verified}",
            f"  in-flight saves committed        {t.unacknowledged_committed}"
            " (answer lost in the kill; allowed)",
            f"  lost                             {t.lost}",
            f"  corrupted                        {t.corrupted}",
            f"  bundle builds started            {t.bundles_started}"
            f" (committed: {t.bundles_committed})",
            f"  stored-file rows lost            {t.lost_file_rows}",
            f"  files missing for a row          {t.missing_files}",
            f"  truncated files (final names)    {t.truncated_files}",
            f"  1 MB files written under kill    {t.writer_files} (all re-hashed)",
            f"  orphan temp files swept          {t.orphans_swept}"
            f" (found after kills: {t.orphans_found}, left: {t.orphans_left})",
            f"  restart to first answer          median {restarts[len(restarts) // 2]:.2f} s,"
            f" max {restarts[-1]:.2f} s",
        ]
        lines.append(f"  machine: {os.cpu_count()} cores; load average at the end "
                     f"{os.getloadavg()[0]:.1f} (other processes share the cores)")
        lines += [f"  ! {p}" for p in t.problems]
        return "\n".join(lines)

    @property
    def ok(self) -> bool:
        t = self.tally
        return not (t.lost or t.corrupted or t.integrity_failures or t.truncated_files
                    or t.missing_files or t.lost_file_rows or t.orphans_left)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rb-crash-") as tmp:
        crash = Crash(args.keep or Path(tmp), args.workers, seed)
        print(f"crash test: {args.iterations} iterations, "
              f"{h.server_description(args.workers, 4)}, SQLite, seed {seed}", flush=True)
        try:
            client = crash.setup()
            crash.verify()
            for n in range(1, args.iterations + 1):
                crash.iteration(n, client)
                if n % 20 == 0:
                    t = crash.tally
                    print(f"  {n}: verified {t.verified}, lost {t.lost}, corrupted "
                          f"{t.corrupted}, orphans swept {t.orphans_swept}", flush=True)
        finally:
            crash.server.kill()
        print(crash.report(time.monotonic() - t0))
    return 0 if crash.ok else 1


if __name__ == "__main__":
    sys.exit(main())
