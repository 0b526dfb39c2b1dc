"""Stockport's Stage 3 enforcement referral (evidence_checklists/stockport.yaml, stk_s3_*).

The story: autumn term 2026 starts on Thu 3 Sep, half-term is 26-30 Oct, the referral is on
Fri 20 Nov. The School Attendance Meeting is on Thu 8 Oct, where the mother refuses an Early
Help Assessment. Zoë then misses the whole week of Mon 9-Fri 13 Nov (O): 10 unauthorised
sessions in 10 school weeks, exactly the threshold.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Flags
from tests.builders import (
    D,
    absent,
    change,
    drop,
    event,
    make_case,
    not_met,
    reasons_of,
    statuses,
    term_marks,
    weekdays,
)

WEEK_OFF = list(weekdays(D(2026, 11, 9), D(2026, 11, 13)))
WHY = "Mother agreed the plan but kept Zoë at home on days with no illness reported."
NOT_APPLICABLE = {
    "stk_s3_tac_cp_consultation": "No TAC/TAF or child protection plan.",
    "stk_s3b_tac_cp_evidence": "No TAC/TAF or child protection plan.",
}


def ready_events():
    return (
        event("m1", "meeting", D(2026, 10, 8), time="15:30", kind="attendance_meeting",
              attended=["c1"], status="held", plan_agreed=True),
        event("o1", "support_offer", D(2026, 10, 8), support="early_help_assessment",
              outcome="refused", to=["c1", "c2"]),
    )


def stockport_case(events=None, **changes):
    case = make_case(authority="stockport", reference="STK-2026-0007",
                     marks=term_marks(overrides=absent(WEEK_OFF)),
                     events=ready_events() if events is None else events,
                     free_text={"why_parents_could_do_more": WHY},
                     not_applicable=dict(NOT_APPLICABLE))
    return replace(case, **changes)


def run(case):
    return check(case, [get_checklist("stockport")])


def test_the_complete_case_is_ready():
    report = run(stockport_case())
    assert not_met(report) == set(), {i.id: i.reasons for i in report.items
                                      if i.status == "not_met"}
    assert report.ready


def test_stockport_has_no_evidence_window():
    assert get_checklist("stockport").param("window_school_weeks") is None


MISSING = [
    ("stk_gate_csa", lambda c: replace(c, pupil=replace(c.pupil, date_of_birth=D(2021, 10, 1))),
     "not of compulsory school age on the referral date 20 Nov 2026"),
    ("stk_s3_stage1_2_actions", lambda c: replace(c, events=drop(c.events, "m1")),
     "Record the School Attendance Meeting"),
    ("stk_s3_non_engagement", lambda c: replace(c, events=change(c.events, "o1", outcome=None)),
     "The offer of early help assessment of 8 Oct 2026 (o1) has no outcome recorded"),
    ("stk_s3_threshold",
     lambda c: replace(c, marks=term_marks(overrides=absent(WEEK_OFF) | {
         (D(2026, 11, 13), "PM"): "\\"})),
     "Fewer than 10 unauthorised sessions (G, N, O, U) in 10 school weeks: the most in any 10 "
     "school weeks is 9"),
    ("stk_s3_why_parents_could_do_more", lambda c: replace(c, free_text={}),
     'Write the statement "why parents could do more"'),
]


@pytest.mark.parametrize(("item_id", "edit", "reason"), MISSING, ids=[m[0] for m in MISSING])
def test_a_case_missing_one_piece_of_evidence_fails_only_that_item(item_id, edit, reason):
    report = run(edit(stockport_case()))
    # Sessions before compulsory school age cannot count toward the threshold either.
    also = {"stk_s3_threshold"} if item_id == "stk_gate_csa" else set()
    assert not_met(report) == {item_id} | also
    assert reason in reasons_of(report, item_id)


# ---- boundaries -----------------------------------------------------------------------------

@pytest.mark.parametrize(("held", "status"), [
    (D(2026, 10, 16), "met"),      # Fri 16 Oct: 20 school days before Fri 20 Nov, half-term skipped
    (D(2026, 10, 19), "not_met"),  # Mon 19 Oct: 19 school days, the review period not yet over
])
def test_one_stage_2_review_period_of_20_school_days_has_passed(held, status):
    events = change(ready_events(), "m1", date=held)
    report = run(stockport_case(events=events))
    assert statuses(report)["stk_s3_stage1_2_actions"] == status
    if status == "not_met":
        assert ("The meeting of 19 Oct 2026 (m1) is only 19 school days before the referral on "
                "20 Nov 2026; at least 20 are needed, so the referral can be made from "
                "23 Nov 2026") in reasons_of(report, "stk_s3_stage1_2_actions")


def test_ten_unauthorised_sessions_meet_the_threshold_read_as_at_least_10():
    text = reasons_of(run(stockport_case()), "stk_s3_threshold")
    assert text.startswith("10 unauthorised sessions (G, N, O, U) in the 10 school weeks")


def test_unresolved_n_marks_count_but_block_the_referral():
    marks = term_marks(overrides=absent(WEEK_OFF[:4]) | absent(WEEK_OFF[4:], "N"))
    report = run(stockport_case(marks=marks))
    assert not_met(report) == {"stk_s3_threshold"}
    assert "only by counting 2 unresolved N marks" in reasons_of(report, "stk_s3_threshold")


def test_an_accepted_offer_is_not_non_engagement():
    report = run(stockport_case(events=change(ready_events(), "o1", outcome="accepted")))
    assert not_met(report) == {"stk_s3_non_engagement"}


# ---- TAC/TAF and child protection -----------------------------------------------------------

def tac_case(events):
    return stockport_case(events=events, not_applicable={},
                          pupil=replace(make_case().pupil, flags=Flags(tac_taf=True)))


def test_a_tac_case_needs_the_lead_professional_consulted_and_the_decision_agreed():
    report = run(tac_case(ready_events()))
    assert not_met(report) == {"stk_s3_tac_cp_consultation", "stk_s3b_tac_cp_evidence"}


def test_a_tac_meeting_that_agreed_the_enforcement_referral_meets_both_tac_items():
    events = (
        *drop(ready_events(), "m1"),
        event("t1", "meeting", D(2026, 10, 8), time="10:00", kind="tac_taf", status="held",
              attended=["c1"], summary="Attendance actions reviewed with outcomes"),
        event("a1", "agency_contact", D(2026, 11, 16), agency="lead_professional",
              summary="Consulted the lead professional about an enforcement referral"),
        event("t2", "meeting", D(2026, 11, 17), time="10:00", kind="tac_taf", status="held",
              attended=["c1"], summary="TAF agreed the enforcement referral"),
    )
    assert not_met(run(tac_case(events))) == set()


def test_a_tac_meeting_that_does_not_record_the_decision_is_not_enough():
    events = (
        *ready_events(),
        event("a1", "agency_contact", D(2026, 11, 16), agency="lead_professional"),
        event("t2", "meeting", D(2026, 11, 17), time="10:00", kind="tac_taf", status="held",
              attended=["c1"], summary="Attendance discussed"),
    )
    report = run(tac_case(events))
    assert not_met(report) == {"stk_s3b_tac_cp_evidence"}
    assert "The meeting of 17 Nov 2026 (t2) does not record the enforcement it set out" in \
        reasons_of(report, "stk_s3b_tac_cp_evidence")
