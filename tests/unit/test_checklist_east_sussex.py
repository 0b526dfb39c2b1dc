"""East Sussex: the federation's stages and the AST Tier 3 referral (east-sussex.yaml, esx).

The story: autumn term 2026, INSET on Thu 3 Sep and Mon 2 Nov, half-term 26-30 Oct: 100
possible sessions up to the referral on Fri 20 Nov. Zoë is away (O) on Mon 21 Sep (attendance
91.7%: below 95% and to 92% that day) and all week Mon 5-Fri 9 Oct: 80.0% on Thu 8 Oct, 76.9%
on Fri 9 Oct, the first day below 80%. She attends every day after that (88% at the referral).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Document
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

HOS = ("Ann Cole", "Head of School")
DEPUTY = ("Tom Hill", "Deputy Head")
SCHOOL = ("Sam Patel", "DSL")
OFF = [D(2026, 9, 21), *weekdays(D(2026, 10, 5), D(2026, 10, 9))]
NOT_APPLICABLE = {"esx_punctuality_warning": "No late arrivals after the register closed."}


def ready_events():
    both = ["c1", "c2"]
    return (
        event("l1", "letter", D(2026, 9, 22), to=both, by=HOS, purposes=["warning", "stage_2"]),
        event("n1", "note", D(2026, 9, 23), by=SCHOOL,
              summary="APDR form completed; pupil voice recorded with Zoë"),
        event("m1", "meeting", D(2026, 10, 6), time="15:30", kind="attendance_meeting",
              attended=["c1"], status="held", by=DEPUTY),
        event("l2", "letter", D(2026, 10, 7), to=both, by=SCHOOL, purposes=["post_meeting"],
              summary="Agreed actions and targets from the meeting"),
        event("p1", "support_offer", D(2026, 10, 12), support="attendance_plan",
              outcome="accepted", to=both, by=SCHOOL),
        event("pn", "penalty_notice", D(2026, 10, 12), to=["c1"], status="issued"),
        event("m2", "meeting", D(2026, 10, 15), time="15:30", kind="attendance_meeting",
              attended=["c1", "c2"], status="held", by=HOS),
        event("l3", "letter", D(2026, 10, 16), to=both, by=HOS, purposes=["stage_3"],
              summary="Second warning letter: target for improvement 95%"),
        event("c", "support_offer", D(2026, 11, 3), support="attendance_contract",
              outcome="accepted", to=both, by=SCHOOL),
        event("r1", "review", D(2026, 11, 10), of="p1", improved=False, by=SCHOOL),
        event("r2", "review", D(2026, 11, 19), of="c", improved=False, by=SCHOOL),
        event("s1", "agency_contact", D(2026, 11, 19), agency="education_welfare", by=SCHOOL,
              summary="Consulted the AST SPOC about a legal intervention"),
        event("s2", "agency_contact", D(2026, 11, 20), agency="education_welfare",
              direction="incoming", summary="Legal Interventions Referral form from the SPOC",
              documents=["f1"]),
        # first-day calls on each unexplained absence (issue 13.2)
        event("k1", "phone_call", D(2026, 9, 21), with_=["c1"], by=SCHOOL,
              outcome="No answer; message left"),
        event("k2", "phone_call", D(2026, 10, 5), with_=["c1"], by=SCHOOL,
              outcome="Mother said Zoë would not come in this week"),
    )


#: The completed Legal Interventions Referral form (A25).
FORM = Document("f1", "evidence/legal-interventions-referral-form.pdf",
                "Legal Interventions Referral form (completed)", "referral_form")


def esx_case(events=None, **changes):
    # One household: a letter to both parents reaches both (A23); parents who live apart
    # each need their own Letter 1, 2 and 3 (tests/unit/test_independent_cases.py).
    case = make_case(authority="east-sussex", marks=hundred_sessions(absent(OFF)),
                     carers=household(), documents=(FORM,),
                     events=ready_events() if events is None else events,
                     not_applicable=dict(NOT_APPLICABLE))
    return replace(case, **changes)


def run(case):
    return check(case, [get_checklist("east-sussex")])


def test_the_complete_case_is_ready():
    report = run(esx_case())
    assert not_met(report) == set(), {i.id: i.reasons for i in report.items
                                      if i.status == "not_met"}
    assert report.ready


def test_the_federation_name_is_an_alias_of_the_same_checklist():
    assert get_checklist("east-sussex-federation") is get_checklist("east-sussex")


def test_the_penalty_notice_rests_on_10_unauthorised_sessions_in_10_school_weeks():
    assert "Met by the penalty notice of 12 Oct 2026 (pn) to Jane Smith (mother)" in reasons_of(
        run(esx_case()), "esx_penalty_notice")


# ---- each mandatory item on its own ---------------------------------------------------------

def _without_supports(case):
    na = {**NOT_APPLICABLE,
          "esx_ast_parent_contract_reviewed": "Parents would not meet to agree a contract.",
          "esx_ast_support_plan_review": "Plan agreed verbally; not recorded."}
    return replace(case, events=drop(case.events, "p1", "c", "r1", "r2"), not_applicable=na)


MISSING = [
    ("esx_gate_csa", lambda c: replace(c, pupil=replace(c.pupil, date_of_birth=D(2021, 10, 1))),
     "not of compulsory school age on the referral date 20 Nov 2026"),
    ("esx_letter_1_warning", lambda c: replace(c, events=change(c.events, "l1",
                                                                date=D(2026, 9, 18))),
     "The letter of 18 Sep 2026 (l1) comes before attendance first fell below 95% "
     "(on 21 Sep 2026)"),
    ("esx_meeting_teacher_deputy",
     lambda c: replace(c, events=change(c.events, "m1", date=D(2026, 10, 5))),
     "The meeting of 5 Oct 2026 (m1) comes before the item Letter 1 evidence of 22 Sep 2026 "
     "plus 10 school days"),
    ("esx_letter_2_actions", lambda c: replace(c, events=change(c.events, "l2",
                                                                date=D(2026, 10, 5))),
     "The letter of 5 Oct 2026 (l2) comes before the item Stage 2 meeting evidence of "
     "6 Oct 2026"),
    ("esx_meeting_hos", lambda c: replace(c, events=change(c.events, "m2", by=DEPUTY)),
     "The meeting of 15 Oct 2026 (m2) was done by Tom Hill (Deputy Head)"),
    ("esx_letter_3_second_warning",
     lambda c: replace(c, events=change(c.events, "l3", summary="Second warning letter")),
     "The letter of 16 Oct 2026 (l3) does not record the target it set out"),
    ("esx_ast_support_measures_compiled", _without_supports,
     "Record the supportive measures offered and provided"),
    ("esx_ast_spoc_consulted", lambda c: replace(c, events=drop(c.events, "s1")),
     "Record the consultation with the AST SPOC"),
    ("esx_ast_referral_form",  # A25: a note that the form came is not the completed form
     lambda c: replace(c, documents=(replace(FORM, kind="other"),)),
     "No document of kind referral form is attached to the case"),
]


@pytest.mark.parametrize(("item_id", "edit", "reason"), MISSING, ids=[m[0] for m in MISSING])
def test_a_case_missing_one_piece_of_evidence_fails_only_that_item(item_id, edit, reason):
    report = run(edit(esx_case()))
    # Sessions before compulsory school age cannot ground the penalty-notice threshold either.
    also = {"esx_penalty_notice"} if item_id == "esx_gate_csa" else set()
    # A28: the support plan declared not applicable below 80% is refused, not accepted.
    if item_id == "esx_ast_support_measures_compiled":  # the plan p1 is dropped too
        also = {"esx_ast_support_plan_review", "esx_ast_attendance_plan"}
    assert not_met(report) == {item_id} | also
    assert reason in reasons_of(report, item_id)


# ---- boundaries -----------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "status"), [
    (D(2026, 9, 18), "not_met"),   # Fri 18 Sep: 100%
    (D(2026, 9, 21), "met"),       # Mon 21 Sep: 91.7%
])
def test_letter_1_counts_from_the_day_attendance_falls_below_95(sent, status):
    report = run(esx_case(events=change(ready_events(), "l1", date=sent)))
    assert statuses(report)["esx_letter_1_warning"] == status


@pytest.mark.parametrize(("held", "status"), [
    (D(2026, 10, 5), "not_met"),   # Mon 5 Oct: 9 school days after Letter 1 (Tue 22 Sep)
    (D(2026, 10, 6), "met"),       # Tue 6 Oct: two weeks of school days
])
def test_the_teacher_meeting_comes_when_two_weeks_bring_no_improvement(held, status):
    report = run(esx_case(events=change(ready_events(), "m1", date=held)))
    assert statuses(report)["esx_meeting_teacher_deputy"] == status


@pytest.mark.parametrize(("started", "status"), [
    (D(2026, 10, 8), "not_met"),   # Thu 8 Oct: exactly 80.0%, not below 80% (A16)
    (D(2026, 10, 9), "met"),       # Fri 9 Oct: 76.9%
])
def test_the_support_plan_starts_once_attendance_drops_below_80(started, status):
    report = run(esx_case(events=change(ready_events(), "p1", date=started)))
    assert statuses(report)["esx_ast_support_plan_review"] == status


@pytest.mark.parametrize(("reviewed", "status"), [
    (D(2026, 11, 9), "not_met"),   # Mon 9 Nov: 14 school days after Mon 12 Oct
    (D(2026, 11, 10), "met"),      # Tue 10 Nov: 15 (half-term and INSET Mon 2 Nov skipped)
    (D(2026, 11, 17), "met"),      # Tue 17 Nov: 20, four weeks
    (D(2026, 11, 18), "not_met"),  # Wed 18 Nov: 21
])
def test_the_support_plan_is_reviewed_within_three_to_four_weeks(reviewed, status):
    report = run(esx_case(events=change(ready_events(), "r1", date=reviewed)))
    assert statuses(report)["esx_ast_support_plan_review"] == status
    if status == "not_met":
        assert not_met(report) == {"esx_ast_support_plan_review"}
        assert "should be 15 to 20 school days after it" in reasons_of(
            report, "esx_ast_support_plan_review")


# ---- conditional items ----------------------------------------------------------------------

def test_the_parent_contract_needs_a_review_naming_it():
    report = run(esx_case(events=drop(ready_events(), "r2")))
    assert not_met(report) == {"esx_ast_parent_contract_reviewed"}
    assert "No review of the offer of attendance contract of 3 Nov 2026 (c) is recorded" in \
        reasons_of(report, "esx_ast_parent_contract_reviewed")


def test_the_apdr_needs_the_pupil_voice_too():
    events = change(ready_events(), "n1", summary="APDR form completed")
    report = run(esx_case(events=events))
    assert not_met(report) == {"esx_ast_apdr_pupil_voice"}
    assert "The note of 23 Sep 2026 (n1) does not record the pupil voice" in reasons_of(
        report, "esx_ast_apdr_pupil_voice")


def test_a_late_after_close_mark_makes_the_punctuality_warning_needed():
    marks = hundred_sessions(absent(OFF) | {(D(2026, 11, 11), "AM"): "U"})
    report = run(esx_case(marks=marks, not_applicable={}))
    assert not_met(report) == {"esx_punctuality_warning"}
    events = (*ready_events(), event("w", "letter", D(2026, 11, 12), to=["c1", "c2"],
                                     purposes=["punctuality"]))
    assert not_met(run(esx_case(marks=marks, events=events, not_applicable={}))) == set()


def test_no_penalty_notice_needs_a_reason():
    report = run(esx_case(events=drop(ready_events(), "pn")))
    assert not_met(report) == {"esx_penalty_notice"}
    declared = {**NOT_APPLICABLE, "esx_penalty_notice": "Two notices already in three years."}
    report = run(esx_case(events=drop(ready_events(), "pn"), not_applicable=declared))
    assert statuses(report)["esx_penalty_notice"] == "not_applicable"


@pytest.mark.parametrize(("written", "status"), [
    (D(2026, 9, 18), "not_met"),   # Fri 18 Sep: 100%
    (D(2026, 9, 21), "met"),       # Mon 21 Sep: 91.7%, at or below 92%
])
def test_the_apdr_counts_from_the_day_attendance_is_92_or_below(written, status):
    report = run(esx_case(events=change(ready_events(), "n1", date=written)))
    assert statuses(report)["esx_ast_apdr_pupil_voice"] == status


# ---- issue 13: penalty notices judged at their own date (A30, NR-09, NR-10) ---------------

@pytest.mark.parametrize(("issued", "status"), [
    (D(2026, 10, 8), "met"),       # Thu 8 Oct: 2 (21 Sep) + 8 (5-8 Oct) = 10 sessions by then
    (D(2026, 10, 7), "not_met"),   # Wed 7 Oct: 8 sessions; later absences cannot justify it
])
def test_the_penalty_notice_threshold_is_counted_at_the_notices_date(issued, status):
    report = run(esx_case(events=change(ready_events(), "pn", date=issued)))
    assert statuses(report)["esx_penalty_notice"] == status
    if status == "not_met":
        assert "On the date of the penalty notice of 7 Oct 2026 (pn) the register showed at " \
               "most 8 unauthorised sessions" in reasons_of(report, "esx_penalty_notice")


def _earlier_notices(*statuses_):
    return tuple(event(f"old{n}", "penalty_notice", D(2024 + n, 3, 2), to=["c1"], status=s)
                 for n, s in enumerate(statuses_))


def test_a_third_notice_to_the_same_parent_within_three_years_cannot_be_issued():
    events = (*ready_events(), *_earlier_notices("paid", "unpaid"))  # Mar 2024 and Mar 2025
    report = run(esx_case(events=events))
    assert statuses(report)["esx_penalty_notice"] == "not_met"
    assert "would be at least the third notice to Jane Smith (mother) for this child within " \
           "3 years" in reasons_of(report, "esx_penalty_notice")


def test_a_withdrawn_notice_does_not_count_as_a_prior_one():
    events = (*ready_events(), *_earlier_notices("withdrawn", "paid"))
    assert statuses(run(esx_case(events=events)))["esx_penalty_notice"] == "met"


def test_a_notice_more_than_three_years_before_does_not_count():
    old = (event("old0", "penalty_notice", D(2023, 10, 12), to=["c1"], status="paid"),
           event("old1", "penalty_notice", D(2025, 3, 2), to=["c1"], status="paid"))
    assert statuses(run(esx_case(events=(*ready_events(), *old))))["esx_penalty_notice"] == "met"


def test_a_withdrawn_notice_is_not_evidence_of_a_fine():
    report = run(esx_case(events=change(ready_events(), "pn", status="withdrawn")))
    assert statuses(report)["esx_penalty_notice"] == "not_met"


# ---- issue 13: contract review, referral form, numbered letters, new items ----------------

@pytest.mark.parametrize(("improved", "status"), [(False, "met"), (True, "not_met"),
                                                  (None, "not_met")])
def test_the_contract_review_counts_only_when_it_records_no_improvement(improved, status):
    report = run(esx_case(events=change(ready_events(), "r2", improved=improved)))
    assert statuses(report)["esx_ast_parent_contract_reviewed"] == status


def test_the_referral_form_is_the_completed_form_not_a_note_that_it_came():
    report = run(esx_case(documents=()))
    assert not_met(report) == {"esx_ast_referral_form"}


def test_letter_3_cannot_also_count_as_letter_1():
    # Without Letter 1, the second warning letter (warning, stage 3) is not taken for it.
    l3 = event("l3", "letter", D(2026, 10, 16), to=["c1", "c2"], by=HOS,
               purposes=["warning", "stage_3"], template="east_sussex_letter_3",
               summary="Second warning letter: target for improvement 95%")
    events = (*drop(ready_events(), "l1", "l3"), l3)
    report = run(esx_case(events=events))
    assert statuses(report)["esx_letter_1_warning"] == "not_met"
    assert statuses(report)["esx_letter_3_second_warning"] == "met"


def test_a_letter_drafted_from_the_letter_2_template_is_not_letter_3():
    events = change(ready_events(), "l3", template="east_sussex_letter_2")
    report = run(esx_case(events=events))
    assert statuses(report)["esx_letter_3_second_warning"] == "not_met"


@pytest.mark.parametrize(("called", "status"), [
    (D(2026, 10, 5), "met"),       # the first day of the absence
    (D(2026, 10, 6), "not_met"),   # the second day
])
def test_the_first_day_of_unexplained_absence_needs_a_call(called, status):
    report = run(esx_case(events=change(ready_events(), "k2", date=called)))
    assert statuses(report)["esx_unexplained_absence_call"] == status


def test_an_n_mark_older_than_5_days_breaks_the_coding_deadline():
    marks = hundred_sessions(absent(OFF) | {(D(2026, 11, 12), "PM"): "N"})
    report = run(esx_case(marks=marks))
    assert statuses(report)["esx_code_deadline"] == "not_met"
    assert "12 Nov 2026 PM" in reasons_of(report, "esx_code_deadline")
    marks = hundred_sessions(absent(OFF) | {(D(2026, 11, 13), "PM"): "N"})
    assert statuses(run(esx_case(marks=marks)))["esx_code_deadline"] == "met"


def test_tier_2_needs_an_attendance_plan():
    report = run(esx_case(events=drop(ready_events(), "p1", "r1"),
                          not_applicable={**NOT_APPLICABLE}))
    assert "esx_ast_attendance_plan" in not_met(report)


def test_tier_4_is_not_applicable_unless_attendance_fell_to_50():
    assert statuses(run(esx_case()))["esx_ast_tier4_ehkw_referral"] == "not_applicable"


def test_tier_4_needs_the_early_help_keywork_referral():
    # Away Mon 7 - Fri 25 Sep: by Thu 17 Sep attendance is 2 of 20 sessions, below 50%.
    off = [*weekdays(D(2026, 9, 7), D(2026, 9, 25)), *weekdays(D(2026, 10, 5), D(2026, 10, 9))]
    marks = hundred_sessions(absent(off))
    report = run(esx_case(marks=marks))
    assert statuses(report)["esx_ast_tier4_ehkw_referral"] == "not_met"
    ehkw = event("h1", "referral", D(2026, 10, 1), service="Early Help Keywork (SPOA portal)",
                 by=("Sam Patel", "DSL"))
    report = run(esx_case(marks=marks, events=(*ready_events(), ehkw)))
    assert statuses(report)["esx_ast_tier4_ehkw_referral"] == "met"


@pytest.mark.parametrize(("improved", "status"), [(False, "met"), (True, "not_met")])
def test_the_support_plan_review_counts_when_it_finds_no_improvement(improved, status):
    report = run(esx_case(events=change(ready_events(), "r1", improved=improved)))
    assert statuses(report)["esx_ast_support_plan_review"] == status


@pytest.mark.parametrize(("time", "status"), [("09:25", "met"), ("11:59", "met"),
                                              ("12:00", "not_met")])
def test_the_unexplained_absence_call_is_made_on_the_morning(time, status):
    report = run(esx_case(events=change(ready_events(), "k2", time=time)))
    assert statuses(report)["esx_unexplained_absence_call"] == status


def test_each_numbered_letter_reports_only_the_letter_it_took():
    # Letter 3 also says "warning": Letter 1 still reports only the letter of 22 Sep.
    events = change(ready_events(), "l3", purposes=["stage_3", "warning"])
    report = run(esx_case(events=events))
    letter_1 = next(i for i in report.items if i.id == "esx_letter_1_warning")
    assert letter_1.evidence == ("l1",)
    assert statuses(report)["esx_letter_3_second_warning"] == "met"
