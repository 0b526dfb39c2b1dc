"""Walsall's legal intervention referral (evidence_checklists/walsall.yaml, wal_*).

The story: autumn term 2026 starts on Thu 3 Sep, half-term is 26-30 Oct, the referral is on
Fri 20 Nov. The register starts in the summer term, so the 12 school weeks (the referral week
is week 1) reach back to Mon 13 Jul, the last week of the summer term. Zoë is away (O) on
14-15 Sep, 5-6 Oct and 9-10 Nov.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Declaration, Flags
from tests.builders import (
    D,
    absent,
    carers,
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

SCHOOL = ("Sam Patel", "DSL")
OFF = [D(2026, 9, 14), D(2026, 9, 15), D(2026, 10, 5), D(2026, 10, 6), D(2026, 11, 9),
       D(2026, 11, 10)]
NOT_APPLICABLE = {
    "wal_external_party_communication": "No external agencies are involved.",
    "wal_medical_investigated": "No known medical issues; no I or M marks this year.",
}


def ready_events():
    both = ["c1", "c2"]
    return (
        event("e1", "letter", D(2026, 9, 22), to=both, by=SCHOOL,
              purposes=["attendance_concern", "support"]),
        event("e2", "phone_call", D(2026, 9, 24), with_=["c1"], by=SCHOOL,
              outcome="Mother said Zoë is anxious about PE"),
        event("e3", "letter", D(2026, 10, 1), to=both, by=SCHOOL, purposes=["meeting_invite"],
              meeting="m1"),
        event("m1", "meeting", D(2026, 10, 8), time="09:30", kind="attendance_meeting",
              attended=["c1"], status="held"),
        event("e4", "letter", D(2026, 10, 12), to=both, by=SCHOOL, purposes=["post_meeting"],
              meeting="m1", states_attendance_pct=85.7),
        event("e5", "referral", D(2026, 10, 14), service="learning mentor", internal=True),
        event("e6", "letter", D(2026, 11, 3), to=both, by=SCHOOL,
              purposes=["continued_concern", "support"],
              summary="Continued concern; support in place: key adult and mentor"),
        event("e7", "letter", D(2026, 11, 16), to=both, by=SCHOOL,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"]),
    )


def walsall_case(events=None, **changes):
    case = make_case(carers=household(),  # one letter reaches both
                     marks=summer_to_autumn(absent(OFF)),
                     events=ready_events() if events is None else events,
                     not_applicable=dict(NOT_APPLICABLE))
    return replace(case, **changes)


def run(case):
    return check(case, [get_checklist("walsall")])


def test_the_complete_case_is_ready():
    report = run(walsall_case())
    assert not_met(report) == set(), {i.id: i.reasons for i in report.items
                                      if i.status == "not_met"}
    assert report.ready


def test_the_window_gate_states_the_twelve_school_weeks():
    assert reasons_of(run(walsall_case()), "wal_gate_window").startswith(
        "The 12 school weeks before the referral run from 13 Jul 2026 to 20 Nov 2026")


MISSING = [
    ("wal_gate_csa", lambda c: replace(c, pupil=replace(c.pupil, date_of_birth=D(2021, 10, 1))),
     "not of compulsory school age on the referral date 20 Nov 2026"),
    ("wal_gate_confirmation", lambda c: replace(c, declaration=Declaration()),
     "has not yet ticked the box"),
    ("wal_letters_attendance_concern",
     lambda c: replace(c, events=change(c.events, "e1", date=D(2026, 10, 2))),
     "The letter of 2 Oct 2026 (e1) comes after the item 2 evidence of 1 Oct 2026"),
    ("wal_meeting_invite_written",
     lambda c: replace(c, events=change(c.events, "e3", date=D(2026, 10, 2))),
     "The meeting on 8 Oct 2026 was invited on 2 Oct 2026: 6 days' notice; at least 7"),
    ("wal_post_meeting_letter",
     lambda c: replace(c, events=change(c.events, "e4", date=D(2026, 10, 7))),
     "The letter of 7 Oct 2026 (e4) is dated before the meeting it follows (8 Oct 2026)"),
    ("wal_letters_continued_concern",
     lambda c: replace(c, events=change(c.events, "e6", purposes=["continued_concern"],
                                        summary="Attendance is still a concern")),
     "The letter of 3 Nov 2026 (e6) does not record the support it set out"),
    ("wal_support_referrals", lambda c: replace(c, events=drop(c.events, "e5")),
     "Record a referral for support"),
    ("wal_warning_letter_each_parent",
     lambda c: replace(c, events=change(c.events, "e7", to=["c1"])),
     "Nothing that counts is recorded for Łukasz Nowak (father)"),
    ("wal_chronology",
     lambda c: replace(c, events=change(drop(c.events, "e2"), "m1", attended=[],
                                        status="did_not_attend")),
     "The log has no contact from the parents"),
    ("wal_current_attendance_certificate",
     lambda c: replace(c, marks=summer_to_autumn(absent(OFF), end=D(2026, 11, 12))),
     "The register ends on 12 Nov 2026, 6 weekdays before the referral"),
]


@pytest.mark.parametrize(("item_id", "edit", "reason"), MISSING, ids=[m[0] for m in MISSING])
def test_a_case_missing_one_piece_of_evidence_fails_only_that_item(item_id, edit, reason):
    report = run(edit(walsall_case()))
    assert not_met(report) == {item_id}
    assert reason in reasons_of(report, item_id)


def test_without_a_register_the_window_and_the_certificate_cannot_be_worked_out():
    report = run(walsall_case(marks=()))
    assert not_met(report) == {"wal_gate_window", "wal_current_attendance_certificate"}


# ---- boundaries -----------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 7, 10), "not_met"),   # Fri 10 Jul: week 13 back
    (D(2026, 7, 13), "met"),       # Mon 13 Jul: week 12, the first day of the window
])
def test_the_first_concern_letter_must_be_inside_the_twelve_school_weeks(sent, status):
    report = run(walsall_case(events=change(ready_events(), "e1", date=sent)))
    assert statuses(report)["wal_letters_attendance_concern"] == status
    if status == "not_met":
        assert "(the window starts on 13 Jul 2026)" in reasons_of(
            report, "wal_letters_attendance_concern")


@pytest.mark.parametrize(("last_mark", "status"), [
    (D(2026, 11, 13), "met"),      # Fri 13 Nov: 5 school days before Fri 20 Nov
    (D(2026, 11, 12), "not_met"),  # Thu 12 Nov: 6
])
def test_a_current_certificate_is_at_most_five_school_days_old(last_mark, status):
    report = run(walsall_case(marks=summer_to_autumn(absent(OFF), end=last_mark)))
    assert statuses(report)["wal_current_attendance_certificate"] == status


def test_a_text_is_not_a_written_invitation():
    events = change(ready_events(), "e3", type="text")
    assert "wal_meeting_invite_written" in not_met(run(walsall_case(events=events)))


# ---- conditional items ----------------------------------------------------------------------

def test_an_illness_mark_makes_the_medical_investigation_needed_and_a_reason_is_refused():
    # A28: "not applicable" is refused while the register shows the condition holds.
    case = walsall_case(marks=summer_to_autumn(absent(OFF) | absent([D(2026, 11, 12)], "I")))
    report = run(case)
    assert statuses(report)["wal_medical_investigated"] == "not_met"
    assert "the register has I on 12 Nov 2026 AM" in reasons_of(report,
                                                                 "wal_medical_investigated")
    report = run(replace(case, not_applicable={k: v for k, v in NOT_APPLICABLE.items()
                                               if k != "wal_medical_investigated"}))
    assert not_met(report) == {"wal_medical_investigated"}


def test_a_social_worker_needs_their_own_communication():
    case = walsall_case(pupil=replace(make_case().pupil, flags=Flags(social_worker=True)),
                        not_applicable={"wal_medical_investigated": "No medical issues."})
    assert not_met(run(case)) == {"wal_external_party_communication"}
    events = (*ready_events(), event("a1", "agency_contact", D(2026, 11, 4),
                                     agency="social_worker", direction="incoming"))
    assert not_met(run(replace(case, events=events))) == set()


def test_parents_who_live_apart_each_need_their_own_warning_letter():
    # Jane (12 Elm Road, Walsall) and Łukasz (4 Mill Lane, Bloxwich) live apart, so one
    # letter addressed to both on Mon 16 Nov reaches neither as their own (edge case 5.1).
    apart = carers()
    report = run(walsall_case(carers=apart))
    # The joint invitation of 1 Oct fails item 2 for the same reason, and the joint letter
    # after the meeting fails item 3 (edge case 5: it goes to each parent/carer).
    assert not_met(report) == {"wal_warning_letter_each_parent", "wal_meeting_invite_written",
                               "wal_post_meeting_letter"}
    separate = (
        *(e for e in ready_events() if e.id != "e7"),
        event("e7", "letter", D(2026, 11, 16), to=["c1"], by=SCHOOL,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"]),
        event("e7b", "letter", D(2026, 11, 16), to=["c2"], by=SCHOOL,
              purposes=["warning_legal_referral"], encloses=["attendance_certificate"]))
    report = run(walsall_case(events=separate, carers=apart))
    assert not_met(report) == {"wal_meeting_invite_written", "wal_post_meeting_letter"}


# ---- issue 13: the post-meeting letter follows the meeting actually held, to every carer ----

def _rescheduled(letter_date, *, requested_by_parent=True):
    """m1 on Thu 8 Oct was rescheduled to Thu 15 Oct (m2); e3 of 1 Oct invited to m1."""
    events = change(ready_events(), "m1", status="rescheduled", attended=None)
    events = change(events, "e4", date=letter_date)
    m2 = event("m2", "meeting", D(2026, 10, 15), time="09:30", kind="attendance_meeting",
               attended=["c1"], status="held", replaces="m1",
               requested_by_parent=requested_by_parent)
    return walsall_case(events=(*events, m2))


@pytest.mark.parametrize(("letter_date", "status"), [
    (D(2026, 10, 15), "met"),       # the day of the meeting actually held
    (D(2026, 10, 12), "not_met"),   # after the rescheduled date, before the real meeting
])
def test_the_post_meeting_letter_follows_the_meeting_actually_held(letter_date, status):
    report = run(_rescheduled(letter_date))
    assert statuses(report)["wal_post_meeting_letter"] == status
    if status == "not_met":
        assert "is dated before the meeting it follows (15 Oct 2026, rescheduled from " \
               "8 Oct 2026)" in reasons_of(report, "wal_post_meeting_letter")


def test_a_parent_who_asked_for_the_new_date_keeps_the_original_invites_notice():
    # Edge case 4: the invite of 1 Oct gave 7 days' notice of 8 Oct; the parent chose 15 Oct.
    assert statuses(run(_rescheduled(D(2026, 10, 16))))["wal_meeting_invite_written"] == "met"


def test_a_meeting_the_school_moved_needs_its_own_notice():
    report = run(_rescheduled(D(2026, 10, 16), requested_by_parent=False))
    assert statuses(report)["wal_meeting_invite_written"] == "not_met"
    assert "moved to 15 Oct 2026 (m2) without the parents asking" in reasons_of(
        report, "wal_meeting_invite_written")


def test_the_post_meeting_letter_goes_to_the_parent_who_did_not_attend_too():
    # Edge case 5: only Jane came to the meeting; a letter to her alone is not enough.
    events = change(ready_events(), "e4", to=["c1"])
    report = run(walsall_case(events=events))
    assert not_met(report) == {"wal_post_meeting_letter"}
    assert "Łukasz Nowak (father)" in reasons_of(report, "wal_post_meeting_letter")
    both = (*events, event("e4b", "letter", D(2026, 10, 12), to=["c2"], by=SCHOOL,
                           purposes=["post_meeting"], meeting="m1", states_attendance_pct=85.7))
    assert not_met(run(walsall_case(events=both))) == set()
