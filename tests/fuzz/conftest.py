"""Print how many examples the fuzz tests ran (for `make fuzz`'s figures)."""

from __future__ import annotations

import json

from tests.fuzz.profile import EXECUTIONS, KNOWN, PROFILE


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if EXECUTIONS and PROFILE == "fuzz":
        terminalreporter.write_line(f"fuzz executions: {sum(EXECUTIONS.values())} "
                                    f"{json.dumps(EXECUTIONS, sort_keys=True)}")
    if KNOWN:
        terminalreporter.write_line(f"fuzz known crashes (not ours to fix; xfail regression "
                                    f"tests): {json.dumps(KNOWN, sort_keys=True)}")
