"""The `referral-check/1` report writer and reader (case-format.md)."""

from __future__ import annotations

import json

import pytest
from referral_builder.schemas.report import dump_report, load_report

from referral_builder.domain import engine
from referral_builder.domain.errors import InvalidReport
from tests.builders import D, absent, checklist, event, item, make_case, rule, term_marks


def a_report():
    """A two-item check: a letter (met, sent 1 Oct) and a meeting (not met, none recorded)."""
    case = make_case(
        marks=term_marks(overrides=absent([D(2026, 10, 5), D(2026, 10, 6)], "O")),
        events=(event("e1", "letter", D(2026, 10, 1), to=["c1"],
                      purposes=["attendance_concern"]),))
    cl = checklist(item("t_letter", rule("in_window"), evidence={"types": ["letter"]}),
                   item("t_meeting", evidence={"types": ["meeting"]}, number="2"))
    return engine.check(case, [cl], D(2026, 11, 20))


def test_the_report_has_the_published_fields():
    data = dump_report(a_report())
    assert data["format"] == "referral-check/1"
    assert data["case"] == "WAL-2026-0042"
    assert data["as_of"] == "2026-11-20"
    assert data["ready"] is False
    assert [(i["id"], i["status"], i["evidence"]) for i in data["items"]] == [
        ("t_letter", "met", ["e1"]), ("t_meeting", "not_met", [])]
    # 3 Sep - 20 Nov 2026 less half-term: 52 school days, 104 sessions; 4 missed (O).
    a = data["attendance"]
    assert (a["from"], a["to"], a["possible"], a["unauthorised"]) == (
        "2026-09-03", "2026-11-20", 104, 4)
    assert a["attendance_pct"] == round(100 * 100 / 104, 1)


def test_a_report_reads_back_equal_through_json():
    report = a_report()
    assert load_report(json.loads(json.dumps(dump_report(report)))) == report


def test_ready_is_derived_not_trusted():
    data = dump_report(a_report())
    data["ready"] = True
    assert load_report(data).ready is False


@pytest.mark.parametrize(("change", "path"), [
    (lambda d: d.update(format="referral-check/0"), "format"),
    (lambda d: d["items"][1].update(status="done"), "items[1].status"),
    (lambda d: d["attendance"].update(possible=-1), "attendance.possible"),
    (lambda d: d.update(as_of="20/11/2026"), "as_of"),
])
def test_a_broken_report_names_the_field(change, path):
    data = dump_report(a_report())
    change(data)
    with pytest.raises(InvalidReport) as info:
        load_report(data)
    assert info.value.path == path
