"""Stockport's Stage 3 enforcement referral (evidence_checklists/stockport.yaml, stk_s3_*).

The story: autumn term 2026 starts on Thu 3 Sep, half-term is 26-30 Oct, the referral is on
Fri 20 Nov. Stage 1 work runs 21-24 Sep; the Stage 2 letters of Wed 30 Sep invite each parent
to the School Attendance Meeting on Thu 8 Oct, where the mother refuses an Early Help
Assessment (offered again on Mon 16 Nov, at the plan review). Zoë then misses the whole
week of Mon 9-Fri 13 Nov (O): 10 unauthorised sessions in 10 school weeks, exactly the
threshold.
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
    # issue 13.2: the Stage 1 and Stage 2 conditional items
    "stk_s1_inform_social_worker": "Zoë has no social worker.",
    "stk_s1_medical_action_plan": "No medical reasons have been given for the absences.",
    "stk_s1_anxiety_support": "Zoë shows no anxiety about coming to school.",
    "stk_s1_tac_collaboration": "The family is not in a TAC/TAF process.",
    "stk_s2_tac_cp_alternative": "No TAC/TAF or child protection plan.",
}
SCHOOL = ("Sam Patel", "Attendance Lead")


def ready_events():
    return (
        # Stage 1: contact, SEND check, difficulties, medical needs, catch-up, EHA offer
        event("k0", "phone_call", D(2026, 9, 21), with_=["c1"], by=SCHOOL,
              outcome="Mother agreed to come in to talk about attendance"),
        event("n1", "note", D(2026, 9, 22), by=("Ann Lee", "SENCo"),
              summary="SENCo checked: no SEND support plan or EHCP; no unidentified needs"),
        event("n2", "note", D(2026, 9, 23), by=SCHOOL,
              summary="Talked with staff, mother and Zoë about in-school difficulties: "
                      "friendship worries at lunchtime; no medical needs known"),
        event("n3", "note", D(2026, 9, 24), by=SCHOOL,
              summary="Catch-up sessions offered for work missed"),
        # Stage 2: the letter to each parent, the meeting, the plan and its reviews
        event("s1", "letter", D(2026, 9, 30), to=["c1"], by=SCHOOL, purposes=["stage_2"],
              meeting="m1", template="stockport_stage_2", encloses=["attendance_certificate"]),
        event("s2", "letter", D(2026, 9, 30), to=["c2"], by=SCHOOL, purposes=["stage_2"],
              meeting="m1", template="stockport_stage_2", encloses=["attendance_certificate"]),
        event("m1", "meeting", D(2026, 10, 8), time="15:30", kind="attendance_meeting",
              attended=["c1"], status="held", plan_agreed=True),
        event("o1", "support_offer", D(2026, 10, 8), support="early_help_assessment",
              outcome="refused", to=["c1", "c2"]),
        event("k1", "phone_call", D(2026, 11, 9), with_=["c1"], by=SCHOOL,
              outcome="No answer; message left"),
        event("r1", "review", D(2026, 11, 16), of="m1", improved=False, by=SCHOOL,
              summary="End of the first review period: no improvement; consider enforcement"),
        event("o2", "support_offer", D(2026, 11, 16), support="early_help_assessment",
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
    ("stk_s3_non_engagement",
     lambda c: replace(c, events=change(change(c.events, "o1", outcome="accepted"), "o2",
                                        outcome="pending")),
     'The offer of early help assessment of 8 Oct 2026 (o1) records the outcome "accepted"'),
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
    if item_id == "stk_s3_stage1_2_actions":  # no meeting: the letter invites to nothing
        also = {"stk_s2_letter", "stk_s2_school_attendance_meeting"}
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
    # edge case 10: the N marks also leave the register not accurate at the referral
    assert not_met(report) == {"stk_s3_threshold", "stk_s2_accurate_marks"}
    assert "only by counting 2 unresolved N marks" in reasons_of(report, "stk_s3_threshold")


def test_an_accepted_offer_is_not_non_engagement():
    events = change(change(ready_events(), "o1", outcome="accepted"), "o2", outcome="accepted")
    report = run(stockport_case(events=events))
    assert not_met(report) == {"stk_s3_non_engagement"}


# ---- TAC/TAF and child protection -----------------------------------------------------------

TAC_ITEMS = ("stk_s3_tac_cp_consultation", "stk_s3b_tac_cp_evidence", "stk_s1_tac_collaboration",
             "stk_s2_tac_cp_alternative")


def tac_case(events):
    na = {k: v for k, v in NOT_APPLICABLE.items() if k not in TAC_ITEMS}
    return stockport_case(events=events, not_applicable=na,
                          pupil=replace(make_case().pupil, flags=Flags(tac_taf=True)))


def test_a_tac_case_needs_the_lead_professional_consulted_and_the_decision_agreed():
    report = run(tac_case(ready_events()))
    assert not_met(report) == {"stk_s3_tac_cp_consultation", "stk_s3b_tac_cp_evidence",
                               "stk_s1_tac_collaboration", "stk_s2_tac_cp_alternative"}


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


# ---- issue 13.2: the Stage 1 and Stage 2 actions as their own items ------------------------

@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 10, 1), "met"),       # Thu 1 Oct for Thu 8 Oct: 7 days' notice
    (D(2026, 10, 2), "not_met"),   # Fri 2 Oct: 6 days
])
def test_the_stage_2_letter_gives_notice_of_the_school_attendance_meeting(sent, status):
    events = change(change(ready_events(), "s1", date=sent), "s2", date=sent)
    assert statuses(run(stockport_case(events=events)))["stk_s2_letter"] == status


def test_the_stage_2_letter_goes_to_each_parent_and_adult_with_day_to_day_care():
    report = run(stockport_case(events=drop(ready_events(), "s2")))
    assert not_met(report) == {"stk_s2_letter"}
    assert "Łukasz Nowak (father)" in reasons_of(report, "stk_s2_letter")


def test_a_tac_case_needs_no_stage_2_letter_or_school_attendance_meeting():
    events = drop(ready_events(), "s1", "s2", "m1")
    report = run(tac_case(events))
    found = statuses(report)
    assert found["stk_s2_letter"] == found["stk_s2_school_attendance_meeting"] == \
        "not_applicable"


@pytest.mark.parametrize(("item_id", "event_id"), [
    ("stk_s1_send_check", "n1"), ("stk_s1_in_school_difficulties", "n2"),
    ("stk_s1_catch_up", "n3"),
])
def test_stage_1_notes_count_when_they_say_what_they_record(item_id, event_id):
    events = change(ready_events(), event_id, summary="Spoke to mother")
    report = run(stockport_case(events=events))
    assert item_id in not_met(report)
    # Naming the item in evidence_for says what the record is for.
    events = change(events, event_id, evidence_for=(item_id,))
    assert item_id not in not_met(run(stockport_case(events=events)))


def test_a_refused_early_help_assessment_is_offered_again():
    report = run(stockport_case(events=drop(ready_events(), "o2")))
    assert not_met(report) == {"stk_s2_eha_reoffer"}
    assert "It applies because the parents refused an offer of early help assessment" in \
        reasons_of(report, "stk_s2_eha_reoffer")


@pytest.mark.parametrize(("reviewed", "status"), [
    (D(2026, 11, 11), "not_met"),  # Wed 11 Nov: 19 school days after the meeting (Thu 8 Oct)
    (D(2026, 11, 12), "met"),      # Thu 12 Nov: 20 school days, four weeks
])
def test_the_plan_is_reviewed_every_4_to_6_weeks(reviewed, status):
    report = run(stockport_case(events=change(ready_events(), "r1", date=reviewed)))
    assert statuses(report)["stk_s2_plan_reviews"] == status


def test_first_day_calling_covers_every_absence():
    report = run(stockport_case(events=drop(ready_events(), "k1")))
    assert not_met(report) == {"stk_s2_first_day_calling"}
    assert "9 Nov 2026" in reasons_of(report, "stk_s2_first_day_calling")


def test_a_statutory_return_made_through_the_return_field_counts():
    # Ten school days of O from Mon 2 Nov make the missing-from-school return due.
    off = list(weekdays(D(2026, 11, 2), D(2026, 11, 13)))
    case = stockport_case(marks=term_marks(overrides=absent(off)))
    assert statuses(run(case))["stk_s2_missing_from_school"] == "not_met"
    ret = event("x1", "agency_contact", D(2026, 11, 16), agency="other",
                return_="attendance_10_day", summary="Missing from school form sent")
    case = replace(case, events=(*case.events, ret))
    assert statuses(run(case))["stk_s2_missing_from_school"] == "met"


@pytest.mark.parametrize(("improved", "status"), [(False, "met"), (True, "not_met")])
def test_the_end_of_period_review_must_find_no_improvement(improved, status):
    report = run(stockport_case(events=change(ready_events(), "r1", improved=improved)))
    assert statuses(report)["stk_s2_end_of_period_review"] == status


def test_a_review_of_something_else_is_not_one_of_the_plans_reviews():
    # A 15-day check naming a letter, between the meeting and the plan review, is left out.
    events = (*ready_events(), event("x2", "review", D(2026, 10, 20), of="s1", improved=False))
    assert statuses(run(stockport_case(events=events)))["stk_s2_plan_reviews"] == "met"
    events = (*ready_events(), event("x2", "review", D(2026, 10, 20), improved=False))
    assert statuses(run(stockport_case(events=events)))["stk_s2_plan_reviews"] == "not_met"


def test_first_day_calling_is_for_absences_with_no_reason_given():
    # An illness day (I) reported by the parent needs no call from the school.
    marks = term_marks(overrides=absent(WEEK_OFF) | absent([D(2026, 10, 14)], "I"))
    assert statuses(run(stockport_case(marks=marks)))["stk_s2_first_day_calling"] == "met"
    marks = term_marks(overrides=absent(WEEK_OFF) | absent([D(2026, 10, 14)], "O"))
    assert statuses(run(stockport_case(marks=marks)))["stk_s2_first_day_calling"] == "not_met"


@pytest.mark.parametrize(("day", "status"), [
    (D(2026, 9, 29), "met"),      # Tue before the Stage 2 letters of Wed 30 Sep: Stage 1's time
    (D(2026, 9, 30), "not_met"),  # the day the letters went: Stage 2 has begun
    (D(2026, 10, 1), "not_met"),  # a "further absence" after them, with no call that day
])
def test_stage_2_first_day_calling_is_for_absences_after_stage_2_began(day, status):
    # "ensuring first day calling for any further absences": Stage 2 starts with its letter.
    marks = term_marks(overrides=absent(WEEK_OFF) | absent([day], "O"))
    report = run(stockport_case(marks=marks))
    assert statuses(report)["stk_s2_first_day_calling"] == status
    if status == "not_met":
        assert "since 30 Sep 2026" in reasons_of(report, "stk_s2_first_day_calling")
