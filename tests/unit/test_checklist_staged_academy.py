"""The staged intervention flowchart (evidence_checklists/staged-academy.yaml, prefix sif).

The story: autumn term 2026 starts on Thu 3 Sep, with INSET days on Thu 3 Sep and Mon 2 Nov and
half-term on 26-30 Oct, so there are exactly 100 possible sessions up to the referral on
Fri 20 Nov. Zoë is away (O) on Mon 21-Tue 22 Sep, Mon 5-Fri 9 Oct, Wed 11-Fri 13 Nov and the
morning of Mon 16 Nov: 21 sessions, 79% attendance, 17 unauthorised sessions in the last six
school weeks (from Mon 5 Oct). Attendance first falls below 96% on Mon 21 Sep.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Sibling
from tests.builders import (
    D,
    absent,
    change,
    drop,
    event,
    household,
    hundred_sessions,
    make_case,
    not_met,
    reasons_of,
    statuses,
    weekdays,
)

CFSW = ("Lee Brown", "C&FSW")
HEAD = ("Mrs A Head", "Head of Academy")
SCHOOL = ("Sam Patel", "DSL")
EPISODES = {
    "A": [D(2026, 9, 21), D(2026, 9, 22)],
    "B": list(weekdays(D(2026, 10, 5), D(2026, 10, 9))),
    "C": list(weekdays(D(2026, 11, 11), D(2026, 11, 13))),
}
NOT_APPLICABLE = {
    "sif_n_code_letter": "No N codes are outstanding.",
    "sif_medical_pattern_letter": "No illness or medical absence this year.",
}


def marks(episodes=EPISODES, extra=None):
    overrides = absent([d for days in episodes.values() for d in days])
    overrides[(D(2026, 11, 16), "AM")] = "O"
    return hundred_sessions(overrides | (extra or {}))


def ready_events():
    def call(id, date):
        return event(id, "phone_call", date, with_=["c1"], by=SCHOOL, direction="outgoing",
                     outcome="Mother says Zoë is unwell")

    return (
        call("k1", D(2026, 9, 21)), call("k2", D(2026, 10, 5)), call("k3", D(2026, 11, 11)),
        call("k4", D(2026, 11, 16)),
        event("e1", "letter", D(2026, 9, 24), to=["c1", "c2"], by=CFSW,
              purposes=["continued_concern"]),
        event("e2", "letter", D(2026, 10, 15), to=["c1", "c2"], by=CFSW,
              purposes=["meeting_invite"], meeting="m1"),
        event("m1", "meeting", D(2026, 10, 19), time="15:30", kind="attendance_meeting",
              attended=["c1"], status="held"),
        event("m2", "meeting", D(2026, 10, 22), time="09:00", kind="attendance_panel",
              attended=["c1", "c2"], status="held"),
        event("e3", "letter", D(2026, 10, 23), to=["c1", "c2"], by=HEAD, purposes=["enforcement"]),
        event("e4", "referral", D(2026, 10, 23), service="Early Help Unit", internal=False),
        event("r1", "review", D(2026, 11, 16), of="e3", improved=False, by=SCHOOL),
        # issue 13: the attendance checks 15 school days after Letters 2 and 3, and the end of
        # the panel's 15-day review period
        event("c2", "review", D(2026, 10, 15), of="e1", improved=False, by=CFSW),
        event("c3", "review", D(2026, 11, 13), of="e2", improved=False, by=CFSW),
        event("r2", "review", D(2026, 11, 20), of="m2", improved=False, by=SCHOOL),
    )


def family():
    """The parents with their dates of birth (the panel's record), and one sibling."""
    jane, lukasz = household()
    return (replace(jane, date_of_birth=D(1988, 3, 14)),
            replace(lukasz, date_of_birth=D(1985, 11, 2)))


SIBLINGS = (Sibling("Maja Nowak", D(2019, 6, 1), "Bloxwich Academy Primary"),)


def staged_case(events=None, **changes):
    case = make_case(carers=family(),  # one letter reaches both
                     siblings=SIBLINGS,
                     school_process="staged-academy", marks=marks(),
                     events=ready_events() if events is None else events,
                     not_applicable=dict(NOT_APPLICABLE))
    return replace(case, **changes)


def run(case):
    return check(case, [get_checklist("staged-academy")])


def test_the_complete_case_is_ready():
    report = run(staged_case())
    assert not_met(report) == set(), {i.id: i.reasons for i in report.items
                                      if i.status == "not_met"}
    assert report.ready


def test_the_optional_enforcement_option_is_met_by_the_early_help_unit_referral():
    assert statuses(run(staged_case()))["sif_stage2_enforcement_option"] == "met"
    without = run(staged_case(events=drop(ready_events(), "e4")))
    assert statuses(without)["sif_stage2_enforcement_option"] == "not_applicable"
    assert not_met(without) == set()


def test_stage_3_states_the_attendance_and_the_six_week_count():
    text = reasons_of(run(staged_case()), "sif_stage3_la_referral")
    assert "79.0% (79 of 100 sessions): below 80%" in text
    assert "17 unauthorised sessions (G, N, O, U) in the 6 school weeks from 5 Oct 2026" in text


# ---- each mandatory item on its own ---------------------------------------------------------

MISSING = [
    ("sif_gate_csa", lambda c: replace(c, pupil=replace(c.pupil, date_of_birth=D(2021, 10, 1))),
     "not of compulsory school age on the referral date 20 Nov 2026"),
    ("sif_first_day_call", lambda c: replace(c, events=drop(c.events, "k3")),
     "first day of 1 of the 3 absences this school year: 11 Nov 2026"),
    ("sif_attendance_panel_meeting", lambda c: replace(c, events=drop(c.events, "m2")),
     "Record the Attendance Panel Meeting"),
    ("sif_enforcement_letter_1", lambda c: replace(c, events=change(c.events, "e3", to=["c1"])),
     "Nothing that counts is recorded for Łukasz Nowak (father)"),
    ("sif_initial_review",
     lambda c: replace(c, events=change(c.events, "r1", date=D(2026, 11, 13))),
     "The review of 13 Nov 2026 (r1) is 9 school days after the letter of 23 Oct 2026 (e3); "
     "it must be at least 10 school days after it (from 16 Nov 2026)"),
    ("sif_stage3_la_referral",  # present on the morning of Mon 16 Nov: 80 of 100 sessions
     lambda c: replace(c, marks=hundred_sessions(absent([d for v in EPISODES.values()
                                                          for d in v]))),
     "is 80.0% (80 of 100 sessions); it must be below 80%"),
]


@pytest.mark.parametrize(("item_id", "edit", "reason"), MISSING, ids=[m[0] for m in MISSING])
def test_a_case_missing_one_piece_of_evidence_fails_only_that_item(item_id, edit, reason):
    case = edit(staged_case())
    report = run(case)
    # Sessions before compulsory school age cannot ground Stage 3 either.
    also = {"sif_stage3_la_referral"} if item_id == "sif_gate_csa" else set()
    if item_id == "sif_attendance_panel_meeting":  # nor can the panel's review period run
        also = {"sif_panel_review_period"}
    assert not_met(report) == {item_id} | also
    assert reason in reasons_of(report, item_id)


# ---- boundaries -----------------------------------------------------------------------------

@pytest.mark.parametrize(("reviewed", "status"), [
    (D(2026, 11, 13), "not_met"),  # Fri 13 Nov: 9 school days (half-term and INSET 2 Nov skipped)
    (D(2026, 11, 16), "met"),      # Mon 16 Nov: 10 school days after Fri 23 Oct
])
def test_the_initial_review_is_two_weeks_of_school_days_after_enforcement_letter_1(reviewed,
                                                                                  status):
    report = run(staged_case(events=change(ready_events(), "r1", date=reviewed)))
    assert statuses(report)["sif_initial_review"] == status


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 10, 14), "not_met"),  # Wed 14 Oct: 14 school days after Letter 2 (Thu 24 Sep)
    (D(2026, 10, 15), "met"),      # Thu 15 Oct: the 15-day attendance check has been done
])
def test_letter_3_follows_the_15_day_check_after_letter_2(sent, status):
    report = run(staged_case(events=change(ready_events(), "e2", date=sent)))
    assert statuses(report)["sif_letter_3_meeting"] == status
    if status == "not_met":
        # Its own 15-day check cannot count either: there is no Letter 3 to check after.
        assert not_met(report) == {"sif_letter_3_meeting", "sif_letter_3_attendance_check"}


def test_the_enforcement_letter_must_follow_the_attendance_panel_meeting():
    report = run(staged_case(events=change(ready_events(), "e3", date=D(2026, 10, 21))))
    assert "sif_enforcement_letter_1" in not_met(report)
    assert "comes before the item Stage 2 evidence of 22 Oct 2026" in reasons_of(
        report, "sif_enforcement_letter_1")


def test_stage_3_needs_10_unauthorised_sessions_in_the_last_six_school_weeks():
    # The week off moves from 5-9 Oct to 28 Sep-2 Oct: seven weeks back, so only 7 remain.
    episodes = {**EPISODES, "B": list(weekdays(D(2026, 9, 28), D(2026, 10, 2)))}
    events = change(ready_events(), "k2", date=D(2026, 9, 28))
    report = run(staged_case(marks=marks(episodes), events=events))
    assert not_met(report) == {"sif_stage3_la_referral"}
    assert "the most in any 6 school weeks is 7 (from 5 Oct 2026)" in reasons_of(
        report, "sif_stage3_la_referral")


def test_the_c_and_fsw_role_matches_the_checklist_without_a_warning():
    assert not [w for w in run(staged_case()).warnings if "C&FSW" in w]


def test_a_call_on_the_second_day_of_an_absence_is_not_a_first_day_call():
    report = run(staged_case(events=change(ready_events(), "k3", date=D(2026, 11, 12))))
    assert not_met(report) == {"sif_first_day_call"}


# ---- N codes (A11: 5 school days to resolve) -----------------------------------------------

@pytest.mark.parametrize(("day", "status"), [
    (D(2026, 11, 13), "met"),      # Fri 13 Nov: 5 school days before the referral, pending
    (D(2026, 11, 12), "not_met"),  # Thu 12 Nov: 6 school days, overdue
])
def test_an_n_mark_must_be_resolved_within_five_school_days(day, status):
    na = {"sif_medical_pattern_letter": NOT_APPLICABLE["sif_medical_pattern_letter"]}
    events = (*ready_events(), event("n1", "letter", D(2026, 11, 13), to=["c1", "c2"],
                                     purposes=["unexplained_absence"]))
    report = run(staged_case(marks=marks(extra={(day, "AM"): "N"}), events=events,
                             not_applicable=na))
    assert statuses(report)["sif_n_to_o"] == status
    assert statuses(report)["sif_n_code_letter"] == "met"
    if status == "not_met":
        assert "12 Nov 2026 AM" in reasons_of(report, "sif_n_to_o")


def test_an_unresolved_n_needs_the_n_letter():
    na = {"sif_medical_pattern_letter": NOT_APPLICABLE["sif_medical_pattern_letter"]}
    report = run(staged_case(marks=marks(extra={(D(2026, 11, 13), "AM"): "N"}),
                             not_applicable=na))
    assert not_met(report) == {"sif_n_code_letter"}


def test_a_missed_panel_meeting_needs_a_did_not_attend_letter_but_no_reinvite():
    events = change(ready_events(), "m2", attended=[], status="did_not_attend")
    report = run(staged_case(events=events))
    assert not_met(report) == {"sif_attendance_panel_meeting"}
    assert "No did-not-attend letter is recorded after the missed meeting on 22 Oct 2026" in \
        reasons_of(report, "sif_attendance_panel_meeting")
    events = (*events, event("d1", "letter", D(2026, 10, 22), to=["c1", "c2"],
                             purposes=["did_not_attend"], meeting="m2"))
    assert not_met(run(staged_case(events=events))) == set()


def test_illness_marks_make_the_medical_pattern_letter_needed():
    na = {"sif_n_code_letter": NOT_APPLICABLE["sif_n_code_letter"]}
    report = run(staged_case(marks=marks(extra=absent([D(2026, 11, 12)], "I")),
                             not_applicable=na))
    assert not_met(report) == {"sif_medical_pattern_letter"}


# ---- issue 13: the right evidence for each numbered step ------------------------------------

def _with_n_marks(letter_date):
    """Tue 17 Nov AM still coded N (within the 5-day grace), and an N letter on letter_date."""
    events = (*ready_events(),
              event("n1", "letter", letter_date, to=["c1", "c2"], by=SCHOOL,
                    purposes=["unexplained_absence"]))
    na = {k: v for k, v in NOT_APPLICABLE.items() if k != "sif_n_code_letter"}
    return staged_case(events=events, marks=marks(extra={(D(2026, 11, 17), "AM"): "N"}),
                       not_applicable=na)


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 11, 16), "not_met"),  # the day before the N mark: not about it
    (D(2026, 11, 17), "met"),      # the day of the N mark
])
def test_the_n_code_letter_comes_after_the_n_marks_it_is_about(sent, status):
    report = run(_with_n_marks(sent))
    assert statuses(report)["sif_n_code_letter"] == status
    if status == "not_met":
        assert "comes before the first N mark still in the register (17 Nov 2026 AM)" in \
            reasons_of(report, "sif_n_code_letter")


def test_an_n_code_letter_declared_not_applicable_while_n_marks_remain_is_refused():
    case = staged_case(marks=marks(extra={(D(2026, 11, 17), "AM"): "N"}))
    report = run(case)
    assert statuses(report)["sif_n_code_letter"] == "not_met"
    assert "the register still has N marks (17 Nov 2026 AM)" in reasons_of(
        report, "sif_n_code_letter")


def test_the_n_to_o_reason_says_young_n_marks_are_not_yet_due():
    report = run(_with_n_marks(D(2026, 11, 17)))
    assert statuses(report)["sif_n_to_o"] == "met"
    assert "1 N marks are younger than 5 school days, so they are not yet due to be resolved" \
        in reasons_of(report, "sif_n_to_o")


def test_an_invitation_to_the_attendance_panel_is_never_letter_3():
    # Letter 3 (e2) invites to the panel meeting instead of an attendance meeting.
    events = change(ready_events(), "e2", meeting="m2")
    report = run(staged_case(events=events))
    assert "sif_letter_3_meeting" in not_met(report)
    assert "invites to the meeting of 22 Oct 2026 (m2) (attendance panel), so it is not this " \
           "letter" in reasons_of(report, "sif_letter_3_meeting")


def test_one_letter_counts_as_one_numbered_letter_only():
    # One letter with both purposes, sent once: it is Letter 2, and Letter 3 is missing.
    both = event("e1", "letter", D(2026, 9, 24), to=["c1", "c2"], by=CFSW,
                 purposes=["continued_concern", "meeting_invite"], meeting="m1")
    events = (*drop(ready_events(), "e1", "e2", "c3"), both)
    events = change(events, "c2", of="e1")
    report = run(staged_case(events=events))
    assert statuses(report)["sif_letter_2"] == "met"
    assert statuses(report)["sif_letter_3_meeting"] == "not_met"


def test_evidence_for_decides_which_numbered_letter_a_letter_is():
    # e1 says it is Letter 3: it no longer counts as Letter 2, even with its purposes.
    events = change(ready_events(), "e1", evidence_for=("sif_letter_3_meeting",))
    report = run(staged_case(events=events))
    assert statuses(report)["sif_letter_2"] == "not_met"
    assert statuses(run(staged_case()))["sif_letter_2"] == "met"


@pytest.mark.parametrize(("improved", "status"), [(False, "met"), (True, "not_met"),
                                                  (None, "not_met")])
def test_the_initial_review_counts_only_when_it_records_no_improvement(improved, status):
    report = run(staged_case(events=change(ready_events(), "r1", improved=improved)))
    assert statuses(report)["sif_initial_review"] == status


def test_the_initial_review_is_the_review_of_enforcement_letter_1():
    # A27: a review of Letter 3 on the same day is not the initial review.
    events = change(drop(ready_events(), "c3"), "r1", of="e2")
    report = run(staged_case(events=events))
    assert statuses(report)["sif_initial_review"] == "not_met"


@pytest.mark.parametrize(("reviewed", "status"), [
    (D(2026, 11, 19), "not_met"),  # Thu 19 Nov: 14 school days after the panel (Thu 22 Oct)
    (D(2026, 11, 20), "met"),      # Fri 20 Nov: 15 school days, the review period has run
])
def test_the_panel_review_period_is_15_school_days(reviewed, status):
    report = run(staged_case(events=change(ready_events(), "r2", date=reviewed)))
    assert statuses(report)["sif_panel_review_period"] == status


@pytest.mark.parametrize(("checked", "status"), [
    (D(2026, 10, 14), "not_met"),  # 14 school days after Letter 2 (Thu 24 Sep)
    (D(2026, 10, 15), "met"),      # 15 school days
])
def test_the_attendance_check_after_letter_2_is_15_school_days_on(checked, status):
    report = run(staged_case(events=change(ready_events(), "c2", date=checked)))
    assert statuses(report)["sif_letter_2_attendance_check"] == status


def test_the_panel_record_needs_each_parents_date_of_birth_and_the_siblings_schools():
    jane, lukasz = family()
    report = run(staged_case(carers=(jane, replace(lukasz, date_of_birth=None))))
    assert not_met(report) == {"sif_panel_family_record"}
    assert "The date of birth of Łukasz Nowak (father)" in reasons_of(
        report, "sif_panel_family_record")
    report = run(staged_case(siblings=None))
    assert "siblings and their schools are not recorded" in reasons_of(
        report, "sif_panel_family_record")
    assert not_met(run(staged_case(siblings=()))) == set()  # recorded: no other siblings
    no_school = (Sibling("Maja Nowak", D(2019, 6, 1), ""),)
    assert not_met(run(staged_case(siblings=no_school))) == {"sif_panel_family_record"}


def test_a_reason_recorded_where_the_condition_does_not_hold_is_not_applicable_not_met():
    # A28: with no N marks, "N to O" declared not applicable is reported as such, not "met".
    na = {**NOT_APPLICABLE, "sif_n_to_o": "No N codes this year."}
    report = run(staged_case(not_applicable=na))
    assert statuses(report)["sif_n_to_o"] == "not_applicable"
    assert "Recorded as not applicable: No N codes this year." in reasons_of(report, "sif_n_to_o")


@pytest.mark.parametrize(("meeting_on", "status"), [
    (D(2026, 10, 15), "met"),      # the day of Letter 3: arranged for later that day
    (D(2026, 10, 14), "not_met"),  # the day before Letter 3: the letter cannot arrange it
])
def test_letter_3_comes_before_the_meeting_it_arranges(meeting_on, status):
    report = run(staged_case(events=change(ready_events(), "m1", date=meeting_on)))
    assert statuses(report)["sif_letter_3_meeting"] == status


def test_the_panel_minutes_may_hold_the_family_record_instead_of_the_case_fields():
    jane, lukasz = family()
    bare = (replace(jane, date_of_birth=None), replace(lukasz, date_of_birth=None))
    events = change(ready_events(), "m2", summary="Panel: parents' dates of birth and the "
                    "siblings' schools recorded (Maja, Bloxwich Academy Primary)")
    assert not_met(run(staged_case(carers=bare, siblings=None, events=events))) == set()
    plain = change(ready_events(), "m2", summary="Panel held")
    assert not_met(run(staged_case(carers=bare, siblings=None, events=plain))) == {
        "sif_panel_family_record"}
