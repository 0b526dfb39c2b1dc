#!/usr/bin/env python3
"""`make fuzz`: fuzz the register CSV import, the case-file reader and the upload validators
for a set time (FUZZ_SECONDS, default 300), then print executions and crashes.

Hypothesis (tests/fuzz, profile "fuzz") runs in rounds with a new seed each time and up to
twice the examples of the round before (fewer when time is short), while time is left. When
atheris is installed, the last 40% of the time goes to coverage-guided fuzzing of the CSV
import and the case reader (scripts/fuzz_atheris.py), seeded with the example case and
register. A crash fails the run; the failing input is printed (hypothesis) or saved as
crash-* (atheris) and must become a regression test in tests/fuzz/test_regressions.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def hypothesis_rounds(seconds: float) -> tuple[int, int, int, dict[str, int]]:
    """Return (executions, failed rounds, rounds, known crashes)."""
    end = time.monotonic() + seconds
    examples, executions, failures, rounds = 100, 0, 0, 0
    known: dict[str, int] = {}
    while examples >= 25 and time.monotonic() + 5 < end:
        seed = random.randrange(2**32)
        env = {**os.environ, "FUZZ_PROFILE": "fuzz", "FUZZ_EXAMPLES": str(examples)}
        t0 = time.monotonic()
        done = subprocess.run(
            [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/fuzz",
             f"--hypothesis-seed={seed}", "-W", "ignore::DeprecationWarning"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        last = time.monotonic() - t0
        rounds += 1
        m = re.search(r"fuzz executions: (\d+)", done.stdout)
        executions += int(m.group(1)) if m else 0
        for name, n in re.findall(r'"([^"]+)": (\d+)', done.stdout.split(
                "fuzz known crashes", 1)[1].split("\n", 1)[0] if "fuzz known crashes"
                in done.stdout else ""):
            known[name] = known.get(name, 0) + int(n)
        status = "ok" if done.returncode == 0 else "CRASH"
        print(f"  hypothesis round {rounds}: {examples} examples per test, seed {seed}, "
              f"{last:.0f} s, {m.group(1) if m else '?'} executions: {status}", flush=True)
        if done.returncode != 0:
            failures += 1
            print(done.stdout[-6000:])
        left = end - time.monotonic()
        examples = int(examples * min(2.0, 0.8 * left / max(last, 1.0)))
    return executions, failures, rounds, known


def atheris_runs(seconds: float, workdir: Path) -> tuple[int, int]:
    """Return (executions, crashes) of the atheris targets, sharing `seconds`."""
    seeds = {"csv": [ROOT / "examples/walsall-ready/register.csv",
                     ROOT / "examples/walsall-incomplete/register.csv"],
             "case": [ROOT / "examples/walsall-ready/case.json",
                      ROOT / "examples/walsall-incomplete/case.json",
                      ROOT / "examples/malformed/case.json"]}
    executions = crashes = 0
    for target, files in seeds.items():
        corpus = workdir / f"corpus-{target}"
        corpus.mkdir(parents=True, exist_ok=True)
        for n, f in enumerate(files):
            shutil.copy(f, corpus / f"seed-{n}")
        budget = max(5, int(seconds / len(seeds)))
        done = subprocess.run(
            [PY, str(ROOT / "scripts/fuzz_atheris.py"), target, f"-max_total_time={budget}",
             "-rss_limit_mb=2048", "-timeout=20", f"-artifact_prefix={workdir}/crash-{target}-",
             str(corpus)], cwd=workdir, capture_output=True, text=True, check=False)
        m = re.search(r"Done (\d+) runs", done.stderr)
        runs = int(m.group(1)) if m else 0
        if not m:
            m2 = re.findall(r"#(\d+)\s", done.stderr)
            runs = int(m2[-1]) if m2 else 0
        executions += runs
        status = "ok" if done.returncode == 0 else "CRASH"
        print(f"  atheris {target}: {budget} s, {runs} executions: {status}", flush=True)
        if done.returncode != 0:
            crashes += 1
            print(done.stderr[-6000:])
            for crash in workdir.glob(f"crash-{target}-*"):
                keep = ROOT / "out" / "fuzz" / crash.name
                keep.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(crash, keep)
                print(f"  the input is saved in {keep}")
    return executions, crashes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 300)))
    args = p.parse_args(argv)
    has_atheris = importlib.util.find_spec("atheris") is not None
    hypothesis_share = args.seconds * (0.6 if has_atheris else 1.0)
    t0 = time.monotonic()
    print(f"fuzz: {args.seconds:.0f} s; hypothesis {hypothesis_share:.0f} s"
          + (f", atheris {args.seconds - hypothesis_share:.0f} s" if has_atheris
             else " (atheris is not installed: `pip install atheris` to add it)"), flush=True)
    h_exec, h_fail, rounds, known = hypothesis_rounds(hypothesis_share)
    a_exec = a_crash = 0
    if has_atheris:
        with tempfile.TemporaryDirectory(prefix="rb-fuzz-") as tmp:
            a_exec, a_crash = atheris_runs(args.seconds - (time.monotonic() - t0), Path(tmp))
    print(f"fuzz: {time.monotonic() - t0:.0f} s; executions {h_exec + a_exec} "
          f"(hypothesis {h_exec} in {rounds} rounds, atheris {a_exec}); crashes "
          f"{h_fail + a_crash}" + (f"; known crashes tolerated: {known}" if known else ""))
    return 1 if h_fail or a_crash else 0


if __name__ == "__main__":
    sys.exit(main())
