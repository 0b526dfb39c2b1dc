"""scripts/crash_test.py runs: a few SIGKILLs of gunicorn mid-save, then every check.

`make crash` runs 200 iterations; this keeps the script itself working in `make test`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_crash_script_kills_restarts_and_finds_nothing_lost() -> None:
    pytest.importorskip("gunicorn")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash_test.py"),
                           "--iterations", "4", "--seed", "7"],
                          capture_output=True, text=True, timeout=150, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    figures = dict(line.strip().rsplit(None, 1) for line in done.stdout.splitlines()
                   if line.startswith("  ") and line.strip().split()[-1].isdigit())
    assert figures["SIGKILLs"] == "4"
    assert figures["lost"] == "0" and figures["corrupted"] == "0"
    assert figures["truncated files (final names)"] == "0"
    assert int(figures["committed saves verified"]) > 0
