"""`check` of many cases in one process, and checklists loaded only when a case names them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from referral_builder.schemas import checklist as checklist_schema

import referral_builder.checklists as checklists_module
from referral_builder.checklists import get_checklist, load_checklist_file

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "referral_builder.cli", *args],
                          capture_output=True, text=True, encoding="utf-8", check=False)


def test_several_cases_print_one_line_each_and_exit_with_the_worst():
    result = run("check", str(EXAMPLES / "walsall-ready" / "case.json"),
                 str(EXAMPLES / "walsall-incomplete" / "case.json"))
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert len(lines) == 2
    assert lines[0].startswith("READY ") and "WAL-2026-0042" in lines[0]
    assert lines[1].startswith("NOT READY ") and "wal_meeting_invite_written" in lines[1]


def test_a_folder_is_checked_as_jsonl_and_a_bad_case_does_not_stop_the_others(tmp_path):
    for name in ("walsall-ready", "walsall-incomplete", "malformed"):
        shutil.copytree(EXAMPLES / name, tmp_path / name)
    result = run("check", "--format", "jsonl", str(tmp_path))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 2
    by_folder = {Path(r["file"]).parent.name: r for r in records}
    assert by_folder["malformed"]["status"] == "invalid"
    assert 'no meeting with id "m9"' in by_folder["malformed"]["error"]
    assert by_folder["walsall-ready"]["status"] == "ready"
    report = by_folder["walsall-incomplete"]["report"]
    assert report["format"] == "referral-check/1" and report["ready"] is False
    single = json.loads(run("check", "--format", "json",
                            str(tmp_path / "walsall-incomplete" / "case.json")).stdout)
    assert report == single


def test_only_the_named_checklist_is_read(tmp_path, monkeypatch):
    source = Path(checklists_module.checklist_dir())
    shutil.copy(source / "walsall.yaml", tmp_path / "walsall.yaml")
    (tmp_path / "broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    monkeypatch.setenv("REFERRAL_BUILDER_CACHE", "off")
    assert get_checklist("walsall", tmp_path).id == "walsall"


def test_a_validated_checklist_is_reused_until_its_file_changes(tmp_path, monkeypatch):
    source = Path(checklists_module.checklist_dir()) / "walsall.yaml"
    path = tmp_path / "walsall.yaml"
    shutil.copy(source, path)
    monkeypatch.setenv("REFERRAL_BUILDER_CACHE", str(tmp_path / "cache"))
    calls = []
    real = checklist_schema.build_checklist

    def counting(data, name):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(data, name)

    monkeypatch.setattr(checklist_schema, "build_checklist", counting)
    first = load_checklist_file(path)
    assert load_checklist_file(path) == first
    assert calls == ["walsall.yaml"]
    path.write_text(source.read_text(encoding="utf-8").replace(
        "title: \"", "title: \"Edited: ", 1), encoding="utf-8")
    load_checklist_file(path)
    assert calls == ["walsall.yaml", "walsall.yaml"]
