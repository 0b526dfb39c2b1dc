"""The command line as a user runs it: exit codes 0 ready, 1 not ready, 2 invalid input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "referral_builder.cli", *args],
                          capture_output=True, text=True, encoding="utf-8", check=False)


def test_a_ready_case_exits_0_and_says_ready():
    result = run("check", str(EXAMPLES / "walsall-ready" / "case.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "READY: all" in result.stdout


def test_an_incomplete_case_exits_1_and_says_what_is_missing_with_dates():
    result = run("check", str(EXAMPLES / "walsall-incomplete" / "case.json"))
    assert result.returncode == 1
    text = " ".join(result.stdout.split())  # the report wraps its lines
    assert ("The meeting on 8 Oct 2026 was invited on 3 Oct 2026: 5 days' notice; at least 7 "
            "are needed.") in text
    assert "Nothing that counts is recorded for Łukasz Nowak (father)" in text


def test_the_json_report_follows_referral_check_1():
    result = run("check", str(EXAMPLES / "walsall-incomplete" / "case.json"), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["format"] == "referral-check/1"
    assert report["ready"] is False
    not_met = {i["id"] for i in report["items"] if i["status"] == "not_met"}
    assert not_met == {"wal_meeting_invite_written", "wal_warning_letter_each_parent"}


def test_checking_as_of_a_later_date_moves_the_window(tmp_path):
    # Three weeks later the register (to 20 Nov) is more than 5 school days old.
    result = run("check", str(EXAMPLES / "walsall-ready" / "case.json"),
                 "--as-of", "2026-12-11", "--format", "json")
    report = json.loads(result.stdout)
    cert = next(i for i in report["items"] if i["id"] == "wal_current_attendance_certificate")
    assert cert["status"] == "not_met"
    assert result.returncode == 1


def test_a_dangling_reference_exits_2_naming_the_field():
    result = run("check", str(EXAMPLES / "malformed" / "case.json"))
    assert result.returncode == 2
    assert 'events[3].meeting: no meeting with id "m9"' in result.stderr


@pytest.mark.parametrize("content", ["{not json", '{"format": "referral-case/1"}', "[]"])
def test_broken_files_exit_2_with_a_message(tmp_path, content):
    path = tmp_path / "case.json"
    path.write_text(content, encoding="utf-8")
    result = run("check", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("referral-builder: ")
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = run("check", str(tmp_path / "nowhere.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_a_bad_as_of_date_is_refused_by_the_argument_parser():
    result = run("check", str(EXAMPLES / "walsall-ready" / "case.json"), "--as-of", "20/11/2026")
    assert result.returncode == 2
    assert "is not a date" in result.stderr


def test_stats_prints_the_attendance_figures():
    result = run("stats", str(EXAMPLES / "walsall-ready" / "case.json"))
    assert result.returncode == 0
    # 52 school days (104 sessions), 8 days O (16) and 2 mornings U: 86 of 104 = 82.7 %.
    assert "82.7%" in result.stdout


def test_checklists_lists_every_process_in_the_seeds():
    result = run("checklists")
    assert result.returncode == 0
    ids = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    assert {"walsall", "bloxwich-academy", "stockport", "east-sussex",
            "staged-academy"} <= ids
