"""`referral-builder plan`: for every example case, the steps it prints, once recorded in the
case file on their dates, make `check` exit 0 on the earliest referral date it printed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from referral_builder.schemas.plan import PlanSchema

EXAMPLES = Path(__file__).parents[2] / "examples"
#: Examples no step the school takes can make ready, each with the rule that says so (asserted
#: explicitly below, so the planner must say why rather than offer a date).
CANNOT_BE_MADE_READY = {
    # Stockport, Stage 2: "ensuring first day calling for any further absences"
    # (stk_s2_first_day_calling, rule first_day_contact, codes N/O). The only absence, from
    # 9 Nov 2026, had no call that day; a call cannot be made on a day that has passed.
    "stockport-incomplete": ("stk_s2_first_day_calling", "9 Nov 2026"),
}
CASES = sorted(p for p in EXAMPLES.glob("*/case.json")
               if p.parent.name not in ("malformed", *CANNOT_BE_MADE_READY))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "referral_builder.cli", *args],
                          capture_output=True, text=True, encoding="utf-8", check=False)


def record(case_file: Path, plan: dict, into: Path) -> Path:
    """Copy the example beside `into` and record each step of the plan as a person would."""
    shutil.copytree(case_file.parent, into, dirs_exist_ok=True)
    case = json.loads(case_file.read_text(encoding="utf-8"))
    for step in plan["next_steps"]:
        if step.get("document"):  # attach the paper: any PDF stands in for the completed form
            pdf = next(p for p in sorted(into.rglob("*.pdf")) if p.name != "x")
            target = into / step["document"]["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pdf, target)
            case.setdefault("documents", []).append(step["document"])
        if step["record"] is not None:
            case["events"].append({**step["record"], "summary": step["action"]})
        elif step["kind"] == "not_applicable":
            case["not_applicable"][step["item"]] = "Does not apply (recorded from the plan)."
        elif step["kind"] == "declaration":
            case["declaration"] = {"confirmed": True, "name": "Sam Patel", "role": "DSL",
                                   "at": f"{step['by']}T09:00:00"}
        elif step["kind"] == "statement":
            case["free_text"][step["free_text_key"]] = (
                "Written from the plan: the parents were offered support and did not engage.")
        elif step["kind"] == "wait":
            pass
        elif step["kind"] == "register":
            register = into / case["register"]["csv"]
            last = dt.datetime.strptime(
                register.read_text(encoding="utf-8").split()[-1].split(",")[0], "%d/%m/%Y")
            day, rows = last.date() + dt.timedelta(days=1), []
            while day <= dt.date.fromisoformat(step["by"]):
                if day.weekday() < 5:
                    rows.append(f"{day:%d/%m/%Y},/,\\")
                day += dt.timedelta(days=1)
            with register.open("a", encoding="utf-8") as f:
                f.write("\n".join(rows) + ("\n" if rows else ""))
        else:
            raise AssertionError(f"no way to record a {step['kind']} step")
    out = into / "case.json"
    out.write_text(json.dumps(case, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


@pytest.mark.parametrize("case_file", CASES, ids=[p.parent.name for p in CASES])
def test_the_planned_steps_recorded_make_check_exit_0_on_the_printed_date(case_file, tmp_path):
    result = run("plan", str(case_file), "--format", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert PlanSchema().validate(plan) == {}
    date = plan["earliest_referral_date"]
    recorded = record(case_file, plan, tmp_path / "case")
    checked = run("check", str(recorded), "--as-of", date)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("name", sorted(CANNOT_BE_MADE_READY))
def test_an_example_no_school_step_can_make_ready_is_blocked_with_the_reason(name):
    item, day = CANNOT_BE_MADE_READY[name]
    result = run("plan", str(EXAMPLES / name / "case.json"), "--format", "json")
    assert result.returncode == 1, result.stderr  # 1: no referral date can be planned
    plan = json.loads(result.stdout)
    assert PlanSchema().validate(plan) == {}
    assert plan["ready_now"] is False and plan["earliest_referral_date"] is None
    reason = next(b for b in plan["blocked"] if item in b)
    assert day in reason and "cannot be made after that day" in reason


def test_the_incomplete_example_plans_invitations_a_meeting_and_a_warning_letter():
    result = run("plan", str(EXAMPLES / "walsall-incomplete" / "case.json"))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Earliest referral date: 27 Nov 2026" in text
    assert ("send it by 20 Nov 2026 for the meeting on 27 Nov 2026 (7 days' notice)") in text
    assert "model letter: meeting_invite" in text and "model letter: warning_legal_referral" in text
    assert "NR-09: The national penalty-notice threshold" in text
    before = run("check", str(EXAMPLES / "walsall-incomplete" / "case.json"), "--as-of",
                 "2026-11-27")
    assert before.returncode == 1  # the date alone does not make it ready


def test_a_ready_example_says_so_and_lists_what_expires_first():
    result = run("plan", str(EXAMPLES / "walsall-ready" / "case.json"), "--format", "json")
    plan = json.loads(result.stdout)
    assert (plan["ready_now"], plan["next_steps"]) == (True, [])
    assert plan["earliest_referral_date"] == plan["as_of"]
    assert plan["expiring"] and plan["expiring"][0]["expires"] > plan["as_of"]


def test_an_invalid_case_exits_2_naming_the_field():
    result = run("plan", str(EXAMPLES / "malformed" / "case.json"))
    assert result.returncode == 2
    assert "referral-builder:" in result.stderr


def test_plan_uses_the_case_calendar_so_nothing_falls_in_the_christmas_holidays(tmp_path):
    shutil.copytree(EXAMPLES / "walsall-incomplete", tmp_path / "case")
    case_file = tmp_path / "case" / "case.json"
    without = run("plan", str(case_file), "--as-of", "2026-12-18")
    assert "Earliest referral date: 25 Dec 2026" in without.stdout  # Christmas Day
    assert "No term dates were given" in without.stdout
    case = json.loads(case_file.read_text(encoding="utf-8"))
    case["calendar"] = {"terms": [{"from": "2026-09-03", "to": "2026-10-23"},
                                  {"from": "2026-11-02", "to": "2026-12-18"},
                                  {"from": "2027-01-05", "to": "2027-02-12"}],
                        "closures": ["2027-01-05"]}  # an INSET day opens the spring term
    case_file.write_text(json.dumps(case), encoding="utf-8")
    result = run("plan", str(case_file), "--as-of", "2026-12-18")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Earliest referral date: 6 Jan 2027" in text
    assert "on 6 Jan 2027: Hold the attendance meeting" in text
    assert "No term dates were given" not in text
