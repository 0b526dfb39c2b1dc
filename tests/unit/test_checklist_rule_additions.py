"""Rule types added for the Bloxwich, staged-academy, East Sussex and Stockport checklists.

Each test runs a one-item checklist; autumn term 2026 (Thu 3 Sep; half-term 26-30 Oct;
referral Fri 20 Nov).
"""

from __future__ import annotations

from referral_builder.domain.engine import check
from tests.builders import D, absent, checklist, event, item, make_case, rule, term_marks


def outcome(case, it):
    return next(i for i in check(case, [checklist(it)]).items if i.id == it.id)


# ---- first_day_contact -----------------------------------------------------------------------

def test_an_absence_running_over_a_weekend_is_one_absence_with_one_first_day():
    marks = term_marks(overrides=absent([D(2026, 11, 13), D(2026, 11, 16)]))
    calls = (event("k1", "phone_call", D(2026, 11, 13), with_=["c1"], direction="incoming"),)
    found = outcome(make_case(marks=marks, events=calls), item("t_item", rule("first_day_contact")))
    assert found.status == "met"
    assert found.evidence == ("k1",)


def test_first_day_contact_can_be_limited_to_some_codes():
    marks = term_marks(overrides=absent([D(2026, 11, 4)], "M") | absent([D(2026, 11, 11)]))
    it = item("t_item", rule("first_day_contact", codes=["O", "N", "U"]))
    found = outcome(make_case(marks=marks), it)
    assert found.status == "not_met"
    assert found.reasons == ("No phone call is recorded on the first day of the only absence "
                             "this school year: 11 Nov 2026",)


def test_with_no_absence_no_first_day_call_is_needed():
    found = outcome(make_case(), item("t_item", rule("first_day_contact")))
    assert found.status == "met"


# ---- reviewed --------------------------------------------------------------------------------

PLAN = {"types": ["support_offer"]}


def test_a_review_of_another_event_does_not_review_this_one():
    events = (event("p1", "support_offer", D(2026, 10, 1), support="attendance_plan"),
              event("r1", "review", D(2026, 10, 20), of="zz"))
    found = outcome(make_case(events=events), item("t_item", rule("reviewed"), evidence=PLAN))
    assert found.status == "not_met"


def test_any_review_within_the_bounds_is_enough():
    events = (event("p1", "support_offer", D(2026, 10, 1), support="attendance_plan"),
              event("r1", "review", D(2026, 10, 2), of="p1"),     # 1 school day: too soon
              event("r2", "review", D(2026, 10, 22), of="p1"))    # 15 school days
    it = item("t_item", rule("reviewed", min_school_days=15, max_school_days=20), evidence=PLAN)
    assert outcome(make_case(events=events), it).status == "met"


# ---- school_days_before_referral and consent_requested -------------------------------------

def test_an_event_on_the_referral_day_is_zero_school_days_before_it():
    events = (event("m1", "meeting", D(2026, 11, 20), time="09:00"),)
    it = item("t_item", rule("school_days_before_referral", min_school_days=1),
              evidence={"types": ["meeting"]})
    found = outcome(make_case(events=events), it)
    assert found.status == "not_met"
    assert "is only 0 school days before the referral on 20 Nov 2026" in found.reasons[0]


def test_consent_counts_only_when_recorded_as_requested():
    events = (event("q1", "medical_inquiry", D(2026, 11, 2), with_=["gp"],
                    consent_requested=True),)
    it = item("t_item", rule("consent_requested"),
              evidence={"types": ["medical_inquiry"], "direction": "any"})
    assert outcome(make_case(events=events), it).status == "met"


# ---- did_not_attend_followup with reinvite: none ---------------------------------------------

def test_reinvite_none_asks_only_for_the_did_not_attend_letter():
    events = (event("m1", "meeting", D(2026, 10, 8), time="09:00", attended=[],
                    status="did_not_attend"),
              event("d1", "letter", D(2026, 10, 9), to=["c1"], purposes=["did_not_attend"],
                    meeting="m1"))
    case = make_case(events=events)
    assert outcome(case, item("t_item", rule("did_not_attend_followup", reinvite="none"))
                   ).status == "met"
    assert outcome(case, item("t_item", rule("did_not_attend_followup"))).status == "not_met"
