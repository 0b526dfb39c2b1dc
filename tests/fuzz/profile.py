"""Hypothesis settings for the fuzz tests, and a count of the examples run.

`make test` uses the "ci" profile: a modest number of examples, so the suite stays quick.
`make fuzz` (scripts/fuzz.py) sets FUZZ_PROFILE=fuzz: many examples and no deadline, run
again and again with new seeds until FUZZ_SECONDS are spent. Only the tests in this folder
use these settings; other hypothesis tests keep their own.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
                          deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = os.environ.get("FUZZ_PROFILE", "ci")
fuzz_settings = settings.get_profile(PROFILE)
#: For the slow targets (a child process per example): a twentieth of the examples.
slow_settings = settings(fuzz_settings, max_examples=max(5, fuzz_settings.max_examples // 20))

EXECUTIONS: dict[str, int] = {}


def count(name: str) -> None:
    EXECUTIONS[name] = EXECUTIONS.get(name, 0) + 1

#: Crashes the fuzzers found in code this suite does not own, tolerated (and counted) so the
#: fuzzers can keep looking; each has an xfail regression test in test_regressions.py.
KNOWN: dict[str, int] = {}


def known(name: str) -> None:
    KNOWN[name] = KNOWN.get(name, 0) + 1
