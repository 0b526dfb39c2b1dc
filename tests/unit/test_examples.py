"""Issue 13.6: an example ready and incomplete case for every seed process.

Each `examples/<process>-ready/case.json` is ready (`check` exits 0) and each
`-incomplete/case.json` is not (`check` exits 1), failing exactly the items
`examples/process_examples.py` says it fails; the files on disk are what the generator writes.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from referral_builder.schemas.case import dump_case, load_case_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_spec = importlib.util.spec_from_file_location("process_examples",
                                               EXAMPLES / "process_examples.py")
assert _spec is not None and _spec.loader is not None
process_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(process_examples)

PROCESSES = ("bloxwich-academy", "staged-academy", "east-sussex", "stockport")
EXPECTED = {f"{p}-ready": set() for p in PROCESSES} | process_examples.INCOMPLETE


def check(folder: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "referral_builder.cli", "check",
         str(EXAMPLES / folder / "case.json"), "--format", "json"],
        capture_output=True, text=True, encoding="utf-8", check=False)
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_example_gives_its_verdict_naming_the_failing_items(folder):
    code, report = check(folder)
    not_met = {i["id"] for i in report["items"] if i["status"] == "not_met"}
    assert not_met == EXPECTED[folder]
    if folder.endswith("-ready"):
        assert code == 0 and report["ready"] is True
    else:
        assert code == 1 and report["ready"] is False
        for item in report["items"]:
            if item["id"] in not_met:
                assert item["reasons"], item["id"]


def test_the_examples_on_disk_are_what_the_generator_writes():
    for folder, case, _files in process_examples.examples():
        loaded = load_case_file(EXAMPLES / folder / "case.json").case
        assert dump_case(loaded) == dump_case(case), folder
        for doc in case.documents:
            assert (EXAMPLES / folder / doc.file).is_file(), (folder, doc.file)


def test_every_letter_in_the_ready_examples_is_drafted_by_the_tool_from_a_model_letter():
    for folder, case, _files in process_examples.examples():
        if folder.endswith("-ready"):
            letters = [e for e in case.events if e.type == "letter"]
            assert letters and all(e.template and e.documents for e in letters), folder


@pytest.mark.parametrize("process", PROCESSES)
def test_each_ready_example_builds_its_bundle(process, tmp_path):
    out = tmp_path / f"{process}.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "referral_builder.cli", "bundle",
         str(EXAMPLES / f"{process}-ready" / "case.json"), "-o", str(out)],
        capture_output=True, text=True, encoding="utf-8", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "Wrote" in result.stdout
