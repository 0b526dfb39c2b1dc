"""Bloxwich Academy Primary: Legal Intervention Process (bloxwich-academy.yaml).

The story: autumn term 2026 starts on Thu 3 Sep, half-term is 26-30 Oct, the referral is on
Fri 11 Dec. Zoë misses Mon 21 and Tue 22 Sep: attendance falls below 95% on Mon 21 Sep (24 of
26 sessions, 92.3%) and to 92% on Tue 22 Sep (85.7%). The register starts in the summer term,
so Walsall's 12 school weeks reach back to Mon 14 Sep. The first meeting is on Thu 15 Oct,
the Stage 2 meeting 20 school days later on Thu 19 Nov (attendance 86.3%), the AO's second
letter 10 school days after that on Thu 3 Dec.
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
    household,
    make_case,
    not_met,
    reasons_of,
    statuses,
    summer_to_autumn,
)

AO = ("Kim Jones", "Attendance Officer")
AHT = ("Ravi Shah", "AHT Inclusion")
SCHOOL = ("Sam Patel", "DSL")
OFF = [D(2026, 9, 21), D(2026, 9, 22), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7),
       D(2026, 11, 9), D(2026, 11, 10)]
NOT_APPLICABLE = {
    "blx_external_party_communication": "No external agencies are involved with the family.",
    "blx_medical_investigated_aht": "No known medical issues; no I or M marks this year.",
    "blx_gp_consent_requested": "No medical reasons have been given for the absences.",
}


def ready_events():
    return (
        event("e1", "phone_call", D(2026, 9, 22), with_=["c1"], by=SCHOOL,
              outcome="Mother says Zoë is worried about friendships"),
        event("e2", "email", D(2026, 9, 23), to=["c2"], by=SCHOOL,
              purposes=["attendance_concern"]),
        event("e3", "letter", D(2026, 9, 24), to=["c1", "c2"], by=SCHOOL,
              purposes=["attendance_concern", "support", "stage_1"]),
        event("e4", "letter", D(2026, 9, 25), to=["c1", "c2"], by=SCHOOL, purposes=["warning"]),
        event("e5", "letter", D(2026, 10, 8), to=["c1", "c2"], by=AO,
              purposes=["meeting_invite"], meeting="m1"),
        event("e6", "text", D(2026, 10, 13), to=["c1", "c2"], by=SCHOOL,
              purposes=["meeting_reminder"], meeting="m1"),
        event("m1", "meeting", D(2026, 10, 15), time="16:00", kind="attendance_meeting",
              attended=["c1", "c2"], status="held", by=AO),
        event("e7", "support_offer", D(2026, 10, 15), support="early_help_referral",
              outcome="refused", by=AHT),
        event("e8", "support_offer", D(2026, 10, 15), support="parenting_contract",
              outcome="accepted", by=AO),
        event("e9", "letter", D(2026, 10, 16), to=["c1", "c2"], by=AO,
              purposes=["post_meeting"], meeting="m1", states_attendance_pct=84.4),
        event("e10", "referral", D(2026, 10, 19), service="in-school mentoring", internal=True,
              by=SCHOOL),
        event("m3", "meeting", D(2026, 11, 19), time="16:00", kind="attendance_meeting",
              attended=["c1"], status="held", by=AO),
        event("p3", "letter", D(2026, 11, 20), to=["c1", "c2"], by=AO,
              purposes=["post_meeting"], meeting="m3", states_attendance_pct=86.3),
        event("e11", "letter", D(2026, 11, 23), to=["c1", "c2"], by=SCHOOL,
              purposes=["continued_concern", "support"],
              summary="Continued concern; support in place: weekly mentoring"),
        event("a2", "letter", D(2026, 12, 3), to=["c1", "c2"], by=AO, purposes=["stage_3"],
              summary="Second letter from the Attendance Officer"),
        event("e12", "agency_contact", D(2026, 12, 7), agency="education_welfare", by=AO,
              summary="Record of support sent to the welfare mailbox"),
        event("e13", "letter", D(2026, 12, 8), to=["c1", "c2"], by=SCHOOL,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"]),
    )


REFERRAL = D(2026, 12, 11)
#: The register with an illness day (I) on Thu 12 Nov as well.
ILL_12_NOV = summer_to_autumn(absent(OFF) | absent([D(2026, 11, 12)], "I"), end=REFERRAL)


def bloxwich_case(events=None, **changes):
    case = make_case(
        carers=household(),  # parents who live together: one letter reaches both
        school_process="bloxwich-academy",
        referral_date=REFERRAL,
        marks=summer_to_autumn(absent(OFF), end=REFERRAL),
        events=ready_events() if events is None else events,
        not_applicable=dict(NOT_APPLICABLE),
    )
    return replace(case, **changes)


def run(case, *ids: str):
    return check(case, [get_checklist(i) for i in ids or ("bloxwich-academy",)])


def only_not_met(case) -> set[str]:
    return not_met(run(case))


# ---- the whole process --------------------------------------------------------------------

def test_the_complete_case_is_ready():
    report = run(bloxwich_case())
    assert not_met(report) == set(), {i.id: i.reasons for i in report.items
                                      if i.status == "not_met"}
    assert report.ready


def test_the_complete_case_is_also_ready_for_walsall_which_receives_the_referral():
    case = bloxwich_case(not_applicable={
        **NOT_APPLICABLE,
        "wal_external_party_communication": "No external agencies are involved.",
        "wal_medical_investigated": "No known medical issues; no I or M marks this year.",
    })
    report = run(case, "walsall", "bloxwich-academy")
    assert not_met(report) == set()


def test_conditional_items_are_not_applicable_with_the_reasons_recorded():
    found = statuses(run(bloxwich_case()))
    assert {k: found[k] for k in NOT_APPLICABLE} == dict.fromkeys(NOT_APPLICABLE,
                                                                  "not_applicable")
    assert found["blx_dna_letter_and_reinvite"] == "met"  # every meeting was attended


def test_the_six_week_period_starts_when_attendance_dips_below_95_and_ends_30_school_days_on():
    report = run(bloxwich_case())
    assert reasons_of(report, "blx_stage1_six_week_period").startswith(
        "Attendance first fell below 95% on 21 Sep 2026; the review point is 9 Nov 2026")


@pytest.mark.parametrize(("referral", "status"), [
    (D(2026, 11, 6), "not_met"),   # Fri 6 Nov: 29 school days after Mon 21 Sep
    (D(2026, 11, 9), "met"),       # Mon 9 Nov: 30 school days, the six weeks have run
])
def test_the_six_week_period_must_have_run_by_the_referral_date(referral, status):
    # A24: judged at the referral date (check's as-of), from the first day below 95%.
    report = check(bloxwich_case(), [get_checklist("bloxwich-academy")], referral)
    assert statuses(report)["blx_stage1_six_week_period"] == status
    if status == "not_met":
        assert "only 29 of its 30 school days have run by 6 Nov 2026. It ends on 9 Nov 2026" \
            in reasons_of(report, "blx_stage1_six_week_period")


def test_the_referral_alias_is_the_file_name():
    assert get_checklist("bloxwich-academy").kind == "school_process"


# ---- each mandatory item, missing or wrong on its own --------------------------------------

MISSING = [
    ("blx_gate_csa", {"pupil_dob": D(2021, 10, 1)},
     "not of compulsory school age on the referral date 11 Dec 2026"),
    ("blx_phone_email_all_parents", {"events": lambda ev: change(ev, "e2", date=D(2026, 9, 11))},
     "the window starts on 14 Sep 2026"),
    ("blx_stage1_letters",
     {"events": lambda ev: change(change(ev, "e2", purposes=[]), "e3", date=D(2026, 9, 18))},
     "comes before attendance first fell below 95% (on 21 Sep 2026)"),
    ("blx_meeting_invite_ao", {"events": lambda ev: change(ev, "e5", date=D(2026, 10, 9))},
     "The meeting on 15 Oct 2026 was invited on 9 Oct 2026: 6 days' notice; at least 7"),
    ("blx_meeting_text_reminder", {"events": lambda ev: change(ev, "e6", date=D(2026, 10, 16))},
     "comes after the meeting on 15 Oct 2026"),
    ("blx_early_help_offered", {"events": lambda ev: change(ev, "e7", outcome=None)},
     "The offer of early help referral of 15 Oct 2026 (e7) has no outcome recorded"),
    ("blx_post_meeting_letter_ao",
     {"events": lambda ev: change(ev, "e9", states_attendance_pct=None)},
     "The letter of 16 Oct 2026 (e9) does not record the attendance %"),
    ("blx_letters_continued_concern",
     {"events": lambda ev: change(ev, "e11", date=D(2026, 11, 18))},
     "The letter of 18 Nov 2026 (e11) comes before the item Stage 2 evidence of 19 Nov 2026"),
    ("blx_support_evidence", {"events": lambda ev: drop(ev, "e10")},
     "Record a referral for support"),
    ("blx_warning_letter_each_parent", {"events": lambda ev: change(ev, "e13", encloses=[])},
     "The letter of 8 Dec 2026 (e13) does not enclose the attendance certificate"),
    ("blx_ao_request_record_of_support", {"events": lambda ev: drop(ev, "e12")},
     "Record the Attendance Officer's request for the attendance record of support"),
]


@pytest.mark.parametrize(("item_id", "edit", "reason"), MISSING, ids=[m[0] for m in MISSING])
def test_a_case_missing_one_piece_of_evidence_fails_only_that_item(item_id, edit, reason):
    case = bloxwich_case()
    if "events" in edit:
        case = replace(case, events=edit["events"](case.events))
    if "pupil_dob" in edit:
        case = replace(case, pupil=replace(case.pupil, date_of_birth=edit["pupil_dob"]))
    report = run(case)
    assert not_met(report) == {item_id}
    assert reason in reasons_of(report, item_id)


def test_an_unbacked_illness_mark_fails_both_medical_evidence_items_and_names_the_day():
    case = bloxwich_case(marks=ILL_12_NOV)
    report = run(case)
    # A28: item 7 was declared not applicable, but the register now has an I mark.
    assert not_met(report) == {"blx_medical_proof_required", "blx_no_auth_without_medical",
                               "blx_medical_investigated_aht"}
    assert "I on 12 Nov 2026 AM" in reasons_of(report, "blx_no_auth_without_medical")
    assert "the register has I on 12 Nov 2026 AM" in reasons_of(
        report, "blx_medical_investigated_aht")


def test_medical_evidence_received_after_the_illness_backs_it():
    case = bloxwich_case(marks=ILL_12_NOV,
                         events=(*ready_events(),
                                 event("e14", "medical_inquiry", D(2026, 11, 13),
                                       with_=["gp"], consent_requested=True,
                                       outcome="GP confirmed a chest infection")))
    assert only_not_met(case) == set()


# ---- boundaries of the date rules -----------------------------------------------------------

@pytest.mark.parametrize(("invited", "status"), [
    (D(2026, 10, 8), "met"),       # Thu 8 Oct for Thu 15 Oct: 7 days' notice
    (D(2026, 10, 9), "not_met"),   # Fri 9 Oct: 6 days
])
def test_the_invite_needs_seven_calendar_days_notice(invited, status):
    report = run(bloxwich_case(events=change(ready_events(), "e5", date=invited)))
    assert statuses(report)["blx_meeting_invite_ao"] == status


@pytest.mark.parametrize(("invited", "status"), [
    (D(2026, 10, 6), "not_met"),   # Tue 6 Oct: 9 school days after the email of Wed 23 Sep
    (D(2026, 10, 7), "met"),       # Wed 7 Oct: 10 school days ("no improvement within two weeks")
])
def test_the_invite_comes_two_weeks_of_school_days_after_the_first_stage_1_letter(invited, status):
    events = change(ready_events(), "e5", date=invited)
    report = run(bloxwich_case(events=events))
    assert statuses(report)["blx_meeting_invite_ao"] == status
    if status == "not_met":
        assert ("comes before the item Stage 1 evidence of 23 Sep 2026 plus 10 school days"
                in reasons_of(report, "blx_meeting_invite_ao"))


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 9, 18), "not_met"),   # Fri 18 Sep: attendance still 100%
    (D(2026, 9, 21), "met"),       # Mon 21 Sep: 92.3%, below 95%
])
def test_stage_1_letters_count_from_the_day_attendance_dips_below_95(sent, status):
    events = change(change(ready_events(), "e2", purposes=[]), "e3", date=sent)
    assert statuses(run(bloxwich_case(events=events)))["blx_stage1_letters"] == status


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 9, 21), "not_met"),   # Mon 21 Sep: 92.3%, not yet 92%
    (D(2026, 9, 22), "met"),       # Tue 22 Sep: 85.7%, "hits 92%" (inclusive)
])
def test_the_92_percent_warning_letter_counts_from_the_day_attendance_hits_92(sent, status):
    report = run(bloxwich_case(events=change(ready_events(), "e4", date=sent)))
    assert statuses(report)["blx_warning_letter_92"] == status
    if status == "not_met":
        assert "first fell to 92% (on 22 Sep 2026)" in reasons_of(report, "blx_warning_letter_92")


@pytest.mark.parametrize(("called", "status"), [
    (D(2026, 9, 11), "not_met"),   # Fri 11 Sep: week 13 back from Fri 11 Dec
    (D(2026, 9, 14), "met"),       # Mon 14 Sep: week 12 back, the first day of the window
])
def test_calls_to_parents_count_inside_the_twelve_school_week_window(called, status):
    report = run(bloxwich_case(events=change(ready_events(), "e1", date=called)))
    assert statuses(report)["blx_phone_email_all_parents"] == status


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 10, 8), "not_met"),   # the day the invitation went: not a reminder
    (D(2026, 10, 15), "met"),      # the morning of the meeting
])
def test_the_text_reminder_falls_after_the_invite_and_by_the_meeting(sent, status):
    report = run(bloxwich_case(events=change(ready_events(), "e6", date=sent)))
    assert statuses(report)["blx_meeting_text_reminder"] == status


# ---- conditional items ----------------------------------------------------------------------

def test_a_missed_meeting_needs_a_dna_letter_and_a_reinvite_for_the_following_week():
    events = change(ready_events(), "m1", attended=[], status="did_not_attend")
    report = run(bloxwich_case(events=events))
    assert not_met(report) == {"blx_dna_letter_and_reinvite"}
    assert "week after 15 Oct 2026 (the week of 19 Oct 2026)" in reasons_of(
        report, "blx_dna_letter_and_reinvite")


def test_a_dna_letter_and_a_reinvite_with_short_notice_meet_the_missed_meeting_rule():
    events = (*change(ready_events(), "m1", attended=[], status="did_not_attend"),
              event("e15", "letter", D(2026, 10, 16), to=["c1", "c2"], by=AO,
                    purposes=["did_not_attend"], meeting="m1"),
              # Fri 16 Oct for Tue 20 Oct: 4 days' notice is enough for a re-invite (A7)
              event("e17", "letter", D(2026, 10, 16), to=["c1", "c2"], by=AO,
                    purposes=["meeting_invite"], meeting="m2"),
              event("m2", "meeting", D(2026, 10, 20), time="09:00", kind="attendance_meeting",
                    attended=["c1"], status="held"),
              event("e16", "letter", D(2026, 10, 21), to=["c1", "c2"], by=AO,
                    purposes=["post_meeting"], meeting="m2", states_attendance_pct=84.1))
    assert only_not_met(bloxwich_case(events=events)) == set()


def test_the_92_percent_warning_letter_is_needed_once_attendance_hit_92():
    report = run(bloxwich_case(events=drop(ready_events(), "e4")))
    assert not_met(report) == {"blx_warning_letter_92"}


def test_a_parenting_contract_not_offered_needs_a_reason():
    case = bloxwich_case(events=drop(ready_events(), "e8"))
    assert only_not_met(case) == {"blx_parenting_contract_offered"}
    case = replace(case, not_applicable={**NOT_APPLICABLE, "blx_parenting_contract_offered":
                                         "Parents already agreed an attendance plan."})
    assert only_not_met(case) == set()


def test_gp_consent_counts_only_when_the_inquiry_records_that_consent_was_requested():
    events = (*ready_events(), event("e14", "medical_inquiry", D(2026, 11, 4), with_=["gp"],
                                     by=AO, consent_requested=False))
    na = {k: v for k, v in NOT_APPLICABLE.items() if k != "blx_gp_consent_requested"}
    report = run(bloxwich_case(events=events, not_applicable=na))
    assert not_met(report) == {"blx_gp_consent_requested"}
    assert "The medical inquiry of 4 Nov 2026 (e14) does not record that consent was requested" \
        in reasons_of(report, "blx_gp_consent_requested")
    events = change(events, "e14", consent_requested=True)
    assert only_not_met(bloxwich_case(events=events, not_applicable=na)) == set()


def test_a_social_worker_makes_external_party_communication_needed():
    case = bloxwich_case(pupil=replace(make_case().pupil, flags=Flags(social_worker=True)),
                         not_applicable={k: v for k, v in NOT_APPLICABLE.items()
                                         if k != "blx_external_party_communication"})
    report = run(case)
    assert not_met(report) == {"blx_external_party_communication"}
    assert "No communication with the social worker is recorded" in reasons_of(
        report, "blx_external_party_communication")


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 10, 14), "not_met"),  # Wed 14 Oct: the day before the meeting
    (D(2026, 10, 15), "met"),      # Thu 15 Oct: after the meeting, the same day
])
def test_the_post_meeting_letter_may_go_the_same_day_as_the_meeting(sent, status):
    report = run(bloxwich_case(events=change(ready_events(), "e9", date=sent)))
    assert statuses(report)["blx_post_meeting_letter_ao"] == status


@pytest.mark.parametrize(("reinvited_for", "status"), [
    (D(2026, 10, 23), "met"),      # Fri 23 Oct: the week after Thu 15 Oct
    (D(2026, 11, 2), "not_met"),   # Mon 2 Nov: two weeks on (half-term between)
])
def test_the_reinvite_is_for_a_meeting_in_the_following_week(reinvited_for, status):
    events = (*change(ready_events(), "m1", attended=[], status="did_not_attend"),
              event("e15", "letter", D(2026, 10, 16), to=["c1", "c2"], by=AO,
                    purposes=["did_not_attend"], meeting="m1"),
              event("e17", "letter", D(2026, 10, 16), to=["c1", "c2"], by=AO,
                    purposes=["meeting_invite"], meeting="m2"),
              event("m2", "meeting", reinvited_for, time="09:00", kind="attendance_meeting",
                    attended=["c1"], status="held"),
              event("e16", "letter", reinvited_for, to=["c1", "c2"], by=AO,
                    purposes=["post_meeting"], meeting="m2", states_attendance_pct=84.0))
    report = run(bloxwich_case(events=events))
    assert statuses(report)["blx_dna_letter_and_reinvite"] == status


# ---- issue 13: Stage 2 and Stage 3 timing ---------------------------------------------------

@pytest.mark.parametrize(("held", "status"), [
    (D(2026, 11, 18), "not_met"),  # Wed 18 Nov: 19 school days after Thu 15 Oct
    (D(2026, 11, 19), "met"),      # Thu 19 Nov: 20 school days ("20 days have passed", A5)
])
def test_the_stage_2_meeting_comes_20_school_days_after_the_first(held, status):
    events = change(ready_events(), "m3", date=held)
    report = run(bloxwich_case(events=events))
    assert statuses(report)["blx_stage2_second_meeting"] == status
    if status == "not_met":
        assert "is 19 school days after the meeting of 15 Oct 2026 (m1); at least 20" in \
            reasons_of(report, "blx_stage2_second_meeting")


def test_the_stage_2_meeting_needs_attendance_below_90_leaving_out_authorised_absence():
    # The same absences coded I (authorised) leave adjusted attendance at 100%.
    marks = summer_to_autumn(absent(OFF, "I"), end=REFERRAL)
    report = run(bloxwich_case(marks=marks))
    assert statuses(report)["blx_stage2_second_meeting"] == "not_met"
    assert "leaving out authorised absence was 100.0%" in reasons_of(
        report, "blx_stage2_second_meeting")


@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 12, 2), "not_met"),   # Wed 2 Dec: 9 school days after Thu 19 Nov
    (D(2026, 12, 3), "met"),       # Thu 3 Dec: 10 school days ("2 weeks have passed")
])
def test_the_aos_second_letter_comes_two_weeks_after_the_stage_2_meeting(sent, status):
    report = run(bloxwich_case(events=change(ready_events(), "a2", date=sent)))
    assert statuses(report)["blx_stage3_second_ao_letter"] == status


def test_the_post_meeting_letter_is_needed_after_the_stage_2_meeting_too():
    report = run(bloxwich_case(events=drop(ready_events(), "p3")))
    assert not_met(report) == {"blx_post_meeting_letter_ao"}
    assert "Nothing that counts follows the meeting on 19 Nov 2026 (m3)" in reasons_of(
        report, "blx_post_meeting_letter_ao")


def test_a_reminder_of_a_meeting_the_parents_moved_reminds_of_the_new_date():
    # m1 (Thu 15 Oct) moved at the parents' request to Tue 20 Oct (m1b); the text of Mon 19 Oct
    # names m1 and reminds of the new date; the post-meeting letters follow m1b.
    events = change(ready_events(), "m1", status="rescheduled", attended=None)
    events = change(events, "e6", date=D(2026, 10, 19))
    events = change(events, "e9", date=D(2026, 10, 20))
    moved = event("m1b", "meeting", D(2026, 10, 20), time="16:00", kind="attendance_meeting",
                  attended=["c1", "c2"], status="held", by=AO, replaces="m1",
                  requested_by_parent=True)
    found = statuses(run(bloxwich_case(events=(*events, moved))))
    assert found["blx_meeting_text_reminder"] == "met"
    assert found["blx_meeting_invite_ao"] == "met"        # the original invite's notice stands
    assert found["blx_post_meeting_letter_ao"] == "met"
    # A reminder sent after the new date is not a reminder.
    late = change(events, "e6", date=D(2026, 10, 21))
    found = statuses(run(bloxwich_case(events=(*late, moved))))
    assert found["blx_meeting_text_reminder"] == "not_met"
