"""The engine (referral_builder/domain/engine.py): requirements, `require`, warnings, report.

Autumn term 2026: starts Thu 3 Sep, half-term 26-30 Oct, referral Fri 20 Nov.
`hundred_sessions` makes Thu 3 Sep and Mon 2 Nov INSET days, so exactly 100 sessions are
possible and absent sessions read straight off as percentage points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from referral_builder.domain.engine import check
from referral_builder.domain.model import Flags
from tests.builders import (
    D,
    absent,
    carers,
    check_items,
    checklist,
    event,
    hundred_sessions,
    item,
    letter,
    make_case,
    meeting,
    result,
    rule,
    term_marks,
    weekdays,
)

WRITTEN = {"types": ["letter", "email"]}
POST_MEETING = {"types": ["letter", "email"], "purposes": ["post_meeting"]}


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(weekdays(start, end))


def flagged(**flags) -> object:
    return replace(make_case().pupil, flags=Flags(**flags))


def a_letter(date: dt.date = D(2026, 10, 5)):  # noqa: B008 - a date is immutable
    return letter("e1", date)


# ---- requirement semantics -------------------------------------------------------------

class TestMandatory:
    def test_evidence_met_is_met_and_names_the_event_and_carers(self):
        r = result(check_items(make_case(events=(a_letter(),)), item(evidence=WRITTEN)))
        assert r.status == "met"
        assert r.evidence == ("e1",)
        assert r.reasons == ("Met by the letter of 5 Oct 2026 (e1) to Jane Smith (mother) and "
                             "Łukasz Nowak (father).",)

    def test_no_evidence_says_what_to_record(self):
        it = item(evidence=WRITTEN, missing="Record a letter sent about attendance.")
        r = result(check_items(make_case(), it))
        assert (r.status, r.reasons) == ("not_met", ("Record a letter sent about attendance.",))

    def test_no_evidence_and_no_hint_names_the_item_number(self):
        r = result(check_items(make_case(), item(evidence=WRITTEN, number="7")))
        assert r.reasons == ("Nothing is recorded for item 7",)

    def test_a_not_applicable_reason_for_a_mandatory_item_is_not_accepted(self):
        case = make_case(not_applicable={"t_item": "We did not send one."})
        r = result(check_items(case, item(evidence=WRITTEN)))
        assert r.status == "not_met"
        assert any("recorded as not applicable, but this item is mandatory" in x
                   for x in r.reasons)

    def test_an_undated_event_cannot_count_and_says_so(self):
        r = result(check_items(make_case(events=(letter("e1", None),)), item(evidence=WRITTEN)))
        assert r.status == "not_met"
        assert "The letter with no date (e1) has no date, so it cannot count" in r.reasons


class TestConditionalWithoutCondition:
    """"Offered if appropriate": needed unless the school records why not."""

    def test_without_evidence_or_reason_it_is_not_met_and_asks_for_a_reason(self):
        r = result(check_items(make_case(), item(evidence=WRITTEN, requirement="conditional")))
        assert r.status == "not_met"
        assert r.reasons[-1].startswith("If this was not appropriate, record why")

    def test_a_recorded_reason_makes_it_not_applicable(self):
        case = make_case(not_applicable={"t_item": "Family declined all contact."})
        r = result(check_items(case, item(evidence=WRITTEN, requirement="conditional")))
        assert (r.status, r.reasons) == (
            "not_applicable", ("Recorded as not applicable: Family declined all contact.",))

    def test_evidence_wins_over_a_recorded_reason(self):
        case = make_case(events=(a_letter(),), not_applicable={"t_item": "n/a"})
        assert result(check_items(case, item(evidence=WRITTEN,
                                             requirement="conditional"))).status == "met"


class TestConditionalWithCondition:
    def it(self):
        return item(evidence={"types": ["agency_contact"]}, requirement="conditional",
                    applies_if={"flags": ["social_worker", "camhs"]})

    def test_a_reason_recorded_although_the_condition_holds_is_refused(self):
        # A28: the declaration is refused, with the evidence that the condition holds.
        case = make_case(pupil=flagged(camhs=True),
                         not_applicable={"t_item": "CAMHS closed the case."})
        r = result(check_items(case, self.it()))
        assert r.status == "not_met"
        assert ("It is recorded as not applicable (CAMHS closed the case.), but the pupil's "
                "record says CAMHS is involved: the item applies") in " ".join(r.reasons)

    @pytest.mark.parametrize(("needs_declaration", "expected"),
                             [(True, "not_met"), (False, "not_applicable")])
    def test_a_false_condition_follows_the_declaration_parameter(self, needs_declaration,
                                                                  expected):
        report = check_items(make_case(), self.it(),
                             conditional_needs_declaration=needs_declaration)
        assert result(report).status == expected

    def test_the_condition_on_unresolved_n_marks(self):
        it = item(evidence={"types": ["letter"], "purposes": ["unexplained_absence"]},
                  requirement="conditional", applies_if={"unresolved_n": True})
        with_n = make_case(marks=term_marks(overrides={(D(2026, 11, 19), "AM"): "N"}))
        assert result(check_items(with_n, it, conditional_needs_declaration=False)
                      ).status == "not_met"
        assert result(check_items(make_case(), it, conditional_needs_declaration=False)
                      ).status == "not_applicable"

    def test_the_condition_on_a_missed_meeting(self):
        it = item(evidence={"types": ["letter"], "purposes": ["did_not_attend"]},
                  requirement="conditional", applies_if={"meeting_not_attended": True})
        missed = make_case(events=(meeting("m1", D(2026, 10, 15), status="did_not_attend",
                                           attended=()),))
        held = make_case(events=(meeting("m1", D(2026, 10, 15)),))
        assert result(check_items(missed, it, conditional_needs_declaration=False)
                      ).status == "not_met"
        assert result(check_items(held, it, conditional_needs_declaration=False)
                      ).status == "not_applicable"

    def test_the_condition_on_send(self):
        it = item(evidence={"types": ["note"]}, requirement="conditional",
                  applies_if={"send": ["ehcp"]})
        ehcp = make_case(pupil=flagged(send="ehcp"))
        support = make_case(pupil=flagged(send="send_support"))
        assert result(check_items(ehcp, it, conditional_needs_declaration=False)
                      ).status == "not_met"
        assert result(check_items(support, it, conditional_needs_declaration=False)
                      ).status == "not_applicable"


class TestOptionalAndSkip:
    def test_an_optional_item_with_nothing_recorded_is_not_applicable(self):
        r = result(check_items(make_case(), item(evidence=WRITTEN, requirement="optional")))
        assert (r.status, r.reasons) == ("not_applicable",
                                         ("Optional, and nothing is recorded for it.",))

    def test_an_optional_item_with_evidence_is_met(self):
        r = result(check_items(make_case(events=(a_letter(),)),
                               item(evidence=WRITTEN, requirement="optional")))
        assert r.status == "met"

    def test_an_optional_item_whose_evidence_fails_says_why_not_that_nothing_is_recorded(self):
        # An invite dated Fri 9 Oct for a meeting on Thu 15 Oct: 6 days' notice.
        case = make_case(events=(meeting("m1", D(2026, 10, 15)),
                                 letter("e1", D(2026, 10, 9), "meeting_invite", meeting="m1")))
        it = item("t_item", rule("min_notice"), evidence={"types": ["letter"]},
                  requirement="optional")
        r = result(check_items(case, it))
        assert r.status == "not_applicable"
        assert "Optional, and nothing is recorded for it." not in r.reasons
        assert any("6 days' notice" in x for x in r.reasons)

    def test_an_optional_case_rule_that_fails_keeps_its_reason(self):
        r = result(check_items(make_case(), item("t_item", rule("free_text", key="barriers"),
                                                 requirement="optional")))
        assert r.status == "not_applicable"
        assert 'Write the statement "barriers"' in r.reasons

    def test_skip_if_makes_a_mandatory_item_not_applicable_without_a_reason(self):
        it = item(evidence=WRITTEN, skip_if={"flags": ["looked_after"]})
        r = result(check_items(make_case(pupil=flagged(looked_after=True)), it))
        assert (r.status, r.reasons) == ("not_applicable",
                                         ("Not needed: the pupil is looked after.",))

    def test_skip_if_that_does_not_hold_leaves_the_item_to_its_evidence(self):
        it = item(evidence=WRITTEN, skip_if={"flags": ["looked_after"]})
        assert result(check_items(make_case(), it)).status == "not_met"

    def test_skip_if_on_a_matching_event(self):
        it = item(evidence={"types": ["letter"], "purposes": ["warning"]},
                  skip_if={"events": {"types": ["penalty_notice"]}})
        pn = make_case(events=(event("p1", "penalty_notice", D(2026, 10, 5), status="issued"),))
        assert result(check_items(pn, it)).status == "not_applicable"
        later = make_case(events=(event("p1", "penalty_notice", D(2026, 11, 23)),))
        assert result(check_items(later, it)).status == "not_met"  # after the referral


class TestWarnRules:
    def test_a_failing_case_rule_with_warn_becomes_a_warning(self):
        it = item("t_item", rule("free_text", key="barriers", warn=True))
        report = check_items(make_case(), it)
        assert result(report).status == "met"
        assert 't_item: Write the statement "barriers".' in report.warnings

    def test_a_failing_filter_rule_with_warn_keeps_the_event(self):
        it = item("t_item", rule("encloses", warn=True), evidence=WRITTEN)
        report = check_items(make_case(events=(a_letter(),)), it)
        assert result(report).status == "met"
        assert ("t_item: The letter of 5 Oct 2026 (e1) does not enclose the attendance "
                "certificate.") in report.warnings


# ---- require ---------------------------------------------------------------------------

class TestRequireCount:
    def test_fewer_than_the_count_is_not_met(self):
        r = result(check_items(make_case(events=(a_letter(),)),
                               item(evidence=WRITTEN, require=2)))
        assert r.status == "not_met"
        assert "1 recorded; at least 2 are needed" in r.reasons

    def test_the_count_is_met_exactly(self):
        case = make_case(events=(a_letter(), letter("e2", D(2026, 10, 12))))
        assert result(check_items(case, item(evidence=WRITTEN, require=2))).status == "met"


class TestRequireEachMeeting:
    def case(self, *letters, second_status="held"):
        return make_case(events=(
            meeting("m1", D(2026, 10, 8)),
            meeting("m2", D(2026, 11, 12), status=second_status),
            *letters,
        ))

    def it(self):
        return item(evidence=POST_MEETING, require="each_meeting")

    def test_a_letter_after_each_meeting_is_met(self):
        case = self.case(letter("e1", D(2026, 10, 8), "post_meeting", meeting="m1"),
                         letter("e2", D(2026, 11, 13), "post_meeting", meeting="m2"))
        assert result(check_items(case, self.it())).status == "met"

    def test_a_meeting_with_nothing_after_it_is_named(self):
        case = self.case(letter("e1", D(2026, 10, 9), "post_meeting", meeting="m1"))
        r = result(check_items(case, self.it()))
        assert r.status == "not_met"
        assert "Nothing that counts follows the meeting on 12 Nov 2026 (m2)" in " ".join(r.reasons)

    def test_a_letter_naming_no_meeting_counts_for_the_meeting_before_it(self):
        # Dated between the two meetings: it follows m1, not m2.
        case = self.case(letter("e1", D(2026, 10, 9), "post_meeting"),
                         letter("e2", D(2026, 11, 13), "post_meeting"))
        assert result(check_items(case, self.it())).status == "met"
        only_first = self.case(letter("e1", D(2026, 10, 9), "post_meeting"))
        assert result(check_items(only_first, self.it())).status == "not_met"

    def test_a_letter_naming_no_meeting_does_not_reach_back_past_a_later_meeting(self):
        # Dated after m2, it follows m2 only: m1 still has nothing after it.
        case = self.case(letter("e2", D(2026, 11, 13), "post_meeting"))
        r = result(check_items(case, self.it()))
        assert r.status == "not_met"
        assert "follows the meeting on 8 Oct 2026 (m1)" in " ".join(r.reasons)

    def test_a_meeting_not_attended_still_needs_its_letter(self):
        case = self.case(letter("e1", D(2026, 10, 9), "post_meeting", meeting="m1"),
                         second_status="did_not_attend")
        assert result(check_items(case, self.it())).status == "not_met"

    @pytest.mark.parametrize("status", ["cancelled", "rescheduled"])
    def test_a_cancelled_or_rescheduled_meeting_needs_none(self, status):
        case = self.case(letter("e1", D(2026, 10, 9), "post_meeting", meeting="m1"),
                         second_status=status)
        assert result(check_items(case, self.it())).status == "met"

    def test_a_meeting_after_the_referral_date_needs_none(self):
        case = make_case(events=(
            meeting("m1", D(2026, 10, 8)), meeting("m2", D(2026, 11, 23)),
            letter("e1", D(2026, 10, 9), "post_meeting", meeting="m1")))
        assert result(check_items(case, self.it())).status == "met"

    def test_no_meeting_at_all_is_not_met(self):
        r = result(check_items(make_case(), self.it()))
        assert r.reasons[-1].startswith("No meeting is recorded, so nothing can follow one")


class TestRequireEachAgency:
    def it(self):
        return item(evidence={"types": ["agency_contact"]}, require="each_agency")

    def contact(self, id, agency):
        return event(id, "agency_contact", D(2026, 10, 5), agency=agency)

    def test_each_involved_party_needs_a_contact(self):
        case = make_case(pupil=flagged(social_worker=True, camhs=True),
                         events=(self.contact("a1", "social_worker"),))
        r = result(check_items(case, self.it()))
        assert r.status == "not_met"
        assert "No communication with CAMHS is recorded (camhs is involved)" in " ".join(r.reasons)

    def test_contacts_with_every_involved_party_are_met(self):
        case = make_case(pupil=flagged(social_worker=True, camhs=True),
                         events=(self.contact("a1", "social_worker"),
                                 self.contact("a2", "camhs")))
        assert result(check_items(case, self.it())).status == "met"

    def test_a_tac_taf_is_answered_by_the_lead_professional(self):
        case = make_case(pupil=flagged(tac_taf=True),
                         events=(self.contact("a1", "lead_professional"),))
        assert result(check_items(case, self.it())).status == "met"


# ---- dates: events after the referral date never count ---------------------------------

class TestReferralDate:
    def test_a_letter_dated_after_the_referral_does_not_count(self):
        case = make_case(events=(letter("e1", D(2026, 11, 21)),))
        assert result(check_items(case, item(evidence=WRITTEN))).status == "not_met"

    def test_a_letter_on_the_referral_date_counts(self):
        case = make_case(events=(letter("e1", D(2026, 11, 20)),))
        assert result(check_items(case, item(evidence=WRITTEN))).status == "met"

    def test_as_of_moves_the_cut_off(self):
        case = make_case(events=(letter("e1", D(2026, 11, 21)),))
        report = check_items(case, item(evidence=WRITTEN), as_of=D(2026, 11, 23))
        assert report.as_of == D(2026, 11, 23)
        assert result(report).status == "met"

    def test_marks_after_the_as_of_date_are_left_out_of_the_summary(self):
        case = make_case(marks=term_marks(end=D(2026, 11, 27),
                                          overrides=absent([D(2026, 11, 23)])))
        report = check_items(case, item(evidence=WRITTEN))
        assert report.attendance.authorised + report.attendance.unauthorised == 0


# ---- readiness -------------------------------------------------------------------------

class TestReady:
    def test_ready_when_every_item_is_met_or_not_applicable(self):
        case = make_case(events=(a_letter(),))
        report = check_items(case, item("t_a", evidence=WRITTEN),
                             item("t_b", evidence={"types": ["note"]}, requirement="optional"))
        assert [i.status for i in report.items] == ["met", "not_applicable"]
        assert report.ready
        assert report.outstanding == ()

    def test_not_ready_when_any_item_is_not_met(self):
        report = check_items(make_case(events=(a_letter(),)), item("t_a", evidence=WRITTEN),
                             item("t_b", evidence={"types": ["note"]}))
        assert not report.ready
        assert [i.id for i in report.outstanding] == ["t_b"]

    def test_items_are_reported_in_checklist_order_even_when_evaluated_out_of_it(self):
        a = item("t_a", rule("after_item", item="t_b"), evidence=WRITTEN)
        b = item("t_b", evidence={"types": ["note"]})
        assert [i.id for i in check_items(make_case(), a, b).items] == ["t_a", "t_b"]

    def test_two_checklists_report_every_item_with_its_checklist(self):
        first = checklist(item("t_a", evidence=WRITTEN))
        second = replace(checklist(item("t_b", evidence=WRITTEN)), id="second")
        report = check(make_case(events=(a_letter(),)), [first, second])
        assert [(i.checklist, i.id) for i in report.items] == [("test", "t_a"),
                                                               ("second", "t_b")]
        assert [c.id for c in report.checklists] == ["test", "second"]


# ---- warnings --------------------------------------------------------------------------

def warnings_for(case, *items, **params) -> tuple[str, ...]:
    return check_items(case, *(items or (item(evidence=WRITTEN),)), **params).warnings


class TestWarnings:
    def test_a_legacy_code_after_19_august_2024_is_warned_about(self):
        case = make_case(marks=term_marks(overrides={(D(2026, 10, 5), "AM"): "H",
                                                     (D(2026, 10, 6), "PM"): "J"}))
        found = [w for w in warnings_for(case) if "wrong code set" in w]
        assert found == ["2 marks use codes from the wrong code set for their date (H, J; "
                         "first H on 5 Oct 2026 AM). Since 19 August 2024 H, F, J and Y are "
                         "withdrawn: recode them (for example H to C or G, J to J1, Y to "
                         "Y1-Y7)."]

    def test_current_codes_give_no_code_set_warning(self):
        case = make_case(marks=term_marks(overrides={(D(2026, 10, 5), "AM"): "J1"}))
        assert not any("wrong code set" in w for w in warnings_for(case))

    def test_unresolved_n_marks_are_warned_about(self):
        case = make_case(marks=term_marks(overrides=absent([D(2026, 11, 19)], "N")))
        assert any(w.startswith("2 sessions are still coded N") for w in warnings_for(case))

    def test_a_pupil_who_is_not_persistently_absent_is_warned_about_when_asked(self):
        # 9 absent sessions in 100: 91% attendance, above the 90% persistent-absence line.
        nine = hundred_sessions({**absent(days(D(2026, 9, 7), D(2026, 9, 10))),
                                 (D(2026, 9, 11), "AM"): "O"})
        case = make_case(marks=nine)
        assert ("Zoë Smith is not persistently absent: attendance is 91.0% (persistent "
                "absence is 90% or less). The referral is for persistent absence."
                ) in warnings_for(case, warn_if_not_persistent_absence=True)
        assert not any("not persistently absent" in w for w in warnings_for(case))

    def test_ninety_percent_exactly_is_persistent_absence_and_not_warned(self):
        ten = hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11))))
        assert not any("not persistently absent" in w for w in warnings_for(
            make_case(marks=ten), warn_if_not_persistent_absence=True))

    def test_too_few_sessions_are_warned_about(self):
        # Thu 3 Sep to Tue 15 Sep: 9 school days, 18 sessions, fewer than 20.
        case = make_case(marks=term_marks(end=D(2026, 9, 15)))
        assert ("Only 18 possible sessions this school year: too few for a reliable "
                "attendance percentage.") in warnings_for(case)

    def test_twenty_sessions_are_enough_and_nineteen_are_not(self):
        # To Wed 16 Sep: 10 school days, 20 sessions. With the PM of 16 Sep a closure: 19.
        twenty = make_case(marks=term_marks(end=D(2026, 9, 16)))
        nineteen = make_case(marks=term_marks(end=D(2026, 9, 16),
                                              overrides={(D(2026, 9, 16), "PM"): "#"}))
        assert not any(w.startswith("Only 20 possible") for w in warnings_for(twenty))
        assert any(w.startswith("Only 19 possible") for w in warnings_for(nineteen))

    def test_a_role_mismatch_is_warned_about(self):
        it = item(evidence=WRITTEN, who=_who(("attendance_officer",), "Attendance Officer"))
        case = make_case(events=(letter("e1", D(2026, 10, 5), by=("Sam Patel", "DSL")),))
        report = check_items(case, it)
        assert result(report).status == "met"
        assert ("t_item: the letter of 5 Oct 2026 (e1) was done by Sam Patel (DSL); the "
                "checklist names Attendance Officer.") in report.warnings

    def test_a_matching_role_under_another_spelling_is_not_warned_about(self):
        it = item(evidence=WRITTEN, who=_who(("attendance_officer",), "Attendance Officer"))
        case = make_case(events=(letter("e1", D(2026, 10, 5), by=("Ann Ode", "AO")),))
        assert not any("was done by" in w for w in check_items(case, it).warnings)

    def test_anyone_at_the_school_is_the_school(self):
        it = item(evidence=WRITTEN, who=_who(("school",), "School"))
        case = make_case(events=(letter("e1", D(2026, 10, 5), by=("Sam Patel", "DSL")),))
        assert not any("was done by" in w for w in check_items(case, it).warnings)

    def test_a_restricted_carer_is_reported(self):
        restricted = (carers()[0], replace(carers()[1], contact_restriction="Non-molestation "
                                                                            "order"))
        assert any(w.startswith("Łukasz Nowak (c2) is not required") for w in
                   warnings_for(make_case(carers=restricted)))

    def test_a_looked_after_pupil_is_warned_about(self):
        assert any(w.startswith("The pupil is looked after") for w in
                   warnings_for(make_case(pupil=flagged(looked_after=True))))

    def test_a_not_applicable_reason_for_an_unknown_item_is_warned_about(self):
        case = make_case(not_applicable={"t_typo": "n/a"})
        assert ("not_applicable names 't_typo', which is not an item of test."
                ) in warnings_for(case)

    def test_the_recommended_order_is_warned_about_when_broken(self):
        a = item("t_a", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
        b = item("t_b", evidence={"types": ["letter"], "purposes": ["meeting_invite"]},
                 number="2")
        broken = make_case(events=(letter("e1", D(2026, 10, 12), "attendance_concern"),
                                   letter("e2", D(2026, 10, 5), "meeting_invite")))
        report = check(broken, [replace(checklist(a, b), recommended_order=("t_a", "t_b"))])
        assert ("Recommended order: item 1 (12 Oct 2026) usually comes before item 2 "
                "(5 Oct 2026).") in report.warnings
        assert report.ready  # only a warning

    def test_the_recommended_order_kept_on_the_same_day_is_not_warned_about(self):
        a = item("t_a", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
        b = item("t_b", evidence={"types": ["letter"], "purposes": ["meeting_invite"]})
        same = make_case(events=(letter("e1", D(2026, 10, 5), "attendance_concern"),
                                 letter("e2", D(2026, 10, 5), "meeting_invite")))
        report = check(same, [replace(checklist(a, b), recommended_order=("t_a", "t_b"))])
        assert not any(w.startswith("Recommended order") for w in report.warnings)

    def test_the_same_warning_is_given_once(self):
        # Both checklists have a 12-week window the autumn term alone cannot fill (11 school
        # weeks), so both find the same shortfall.
        first = checklist(item("t_a", evidence=WRITTEN), window_school_weeks=12)
        second = replace(checklist(item("t_b", evidence=WRITTEN), window_school_weeks=12),
                         id="second")
        report = check(make_case(), [first, second])
        assert sum("only 11 school weeks" in w for w in report.warnings) == 1


def _who(roles, label):
    from referral_builder.domain.checklist import Who

    return Who(roles, label)


# ---- the attendance summary ------------------------------------------------------------

class TestAttendanceSummary:
    def test_the_numbers_of_a_hundred_session_term(self):
        # 100 possible: 5 I (Mon 7 Sep AM to Wed 9 Sep AM), 12 O (Mon 14 to Fri 18 Sep, 10,
        # and Mon 21 Sep, 2), 2 K (Tue 22 Sep). Present: 100 - 5 - 12 - 2 = 81.
        overrides = {
            (D(2026, 9, 7), "AM"): "I", (D(2026, 9, 7), "PM"): "I",
            (D(2026, 9, 8), "AM"): "I", (D(2026, 9, 8), "PM"): "I", (D(2026, 9, 9), "AM"): "I",
            **absent(days(D(2026, 9, 14), D(2026, 9, 21))),
            **absent([D(2026, 9, 22)], "K"),
        }
        s = check_items(make_case(marks=hundred_sessions(overrides)),
                        item(evidence=WRITTEN)).attendance
        assert (s.possible, s.present, s.approved_activity, s.authorised, s.unauthorised) == \
            (100, 81, 2, 5, 12)
        assert s.attended == 83
        assert s.attendance_pct == 83.0
        assert s.persistent_absence  # 17 absent >= 10% of 100
        assert not s.severe_absence  # 17 < 50
        assert s.max_unauthorised_in_10_school_weeks == 12
        assert s.unresolved_n == 0
        assert (s.start, s.end) == (D(2026, 9, 4), D(2026, 11, 20))  # Thu 3 Sep is INSET

    def test_half_the_sessions_absent_is_severe_absence(self):
        # 50 absent of 100: Mon 7 Sep to Fri 9 Oct is 25 school days, 50 sessions.
        s = check_items(make_case(marks=hundred_sessions(
            absent(days(D(2026, 9, 7), D(2026, 10, 9)), "I"))),
            item(evidence=WRITTEN)).attendance
        assert (s.attendance_pct, s.persistent_absence, s.severe_absence) == (50.0, True, True)

    def test_49_absent_is_not_severe_absence(self):
        overrides = absent(days(D(2026, 9, 7), D(2026, 10, 9)), "I")
        overrides[(D(2026, 10, 9), "PM")] = "\\"
        s = check_items(make_case(marks=hundred_sessions(overrides)),
                        item(evidence=WRITTEN)).attendance
        assert (s.attendance_pct, s.severe_absence) == (51.0, False)

    def test_the_summary_starts_at_admission(self):
        # Admitted Mon 5 Oct: from then to Fri 20 Nov with INSET on Mon 2 Nov is
        # 5 x 3 weeks (5 Oct - 23 Oct) + 4 + 5 + 5 = 29 school days, 58 sessions.
        pupil = replace(make_case().pupil, admission_date=D(2026, 10, 5))
        s = check_items(make_case(pupil=pupil, marks=hundred_sessions()),
                        item(evidence=WRITTEN)).attendance
        assert (s.start, s.possible) == (D(2026, 10, 5), 58)

    def test_no_marks_give_no_percentage(self):
        s = check_items(make_case(marks=()), item(evidence=WRITTEN)).attendance
        assert (s.possible, s.attendance_pct, s.persistent_absence) == (0, None, False)


# ---- evidence selectors and condition wording -------------------------------------------

class TestSelectors:
    @pytest.mark.parametrize(("selector", "matching", "other"), [
        ({"types": ["agency_contact"], "agencies": ["camhs"]},
         {"type": "agency_contact", "agency": "camhs"},
         {"type": "agency_contact", "agency": "gp"}),
        ({"types": ["support_offer"], "supports": ["mentoring"]},
         {"type": "support_offer", "support": "mentoring"},
         {"type": "support_offer", "support": "key_adult"}),
        ({"types": ["meeting"], "meeting_kinds": ["attendance_panel"]},
         {"type": "meeting", "kind": "attendance_panel"},
         {"type": "meeting", "kind": "tac_taf"}),
        ({"types": ["meeting"], "meeting_statuses": ["held"]},
         {"type": "meeting", "status": "held"},
         {"type": "meeting", "status": "cancelled"}),
        ({"types": ["referral"], "internal": True},
         {"type": "referral", "internal": True, "service": "mentor"},
         {"type": "referral", "internal": False, "service": "mentor"}),
        ({"types": ["referral"], "services": ["early_help"]},
         {"type": "referral", "service": "Early Help hub"},
         {"type": "referral", "service": "School nurse"}),
        ({"types": ["phone_call"], "direction": "incoming"},
         {"type": "phone_call", "direction": "incoming"},
         {"type": "phone_call", "direction": "outgoing"}),
        ({"types": ["letter"], "purposes": ["warning"]},
         {"type": "letter", "purposes": ["warning", "stage_2"]},
         {"type": "letter", "purposes": ["stage_2"]}),
    ])
    def test_a_selector_takes_the_matching_event_only(self, selector, matching, other):
        def case(fields):
            fields = dict(fields)
            return make_case(events=(event("x1", fields.pop("type"), D(2026, 10, 5),
                                           **fields),))
        it = item(evidence=selector)
        assert result(check_items(case(matching), it)).status == "met"
        assert result(check_items(case(other), it)).status == "not_met"

    def test_direction_any_takes_both(self):
        it = item(evidence={"types": ["phone_call"], "direction": "any"})
        case = make_case(events=(event("p1", "phone_call", D(2026, 10, 5),
                                       direction="incoming"),))
        assert result(check_items(case, it)).status == "met"


class TestEachMeetingEdges:
    def test_a_letter_the_same_day_as_an_unnamed_meeting_follows_it(self):
        case = make_case(events=(meeting("m1", D(2026, 10, 8)),
                                 letter("e1", D(2026, 10, 8), "post_meeting")))
        it = item(evidence=POST_MEETING, require="each_meeting")
        assert result(check_items(case, it)).status == "met"

    def test_with_in_window_a_meeting_before_the_window_needs_no_letter(self):
        # Window of 3 school weeks: 2, 9, 16 Nov. m1 (8 Oct) is before it; m2 is inside.
        case = make_case(events=(meeting("m1", D(2026, 10, 8)), meeting("m2", D(2026, 11, 2)),
                                 letter("e2", D(2026, 11, 2), "post_meeting", meeting="m2")))
        it = item("t_item", rule("in_window"), evidence=POST_MEETING, require="each_meeting")
        assert result(check_items(case, it, window_school_weeks=3)).status == "met"
        # ...and a meeting on the window's first day (Mon 2 Nov) does need one.
        no_letter = make_case(events=(meeting("m2", D(2026, 11, 2)),))
        assert result(check_items(no_letter, it, window_school_weeks=3)).status == "not_met"


class TestConditionWording:
    @pytest.mark.parametrize(("condition", "words"), [
        ({"unresolved_n": True}, "the register has unresolved N marks"),
        ({"meeting_not_attended": True}, "the parents did not attend a meeting"),
        ({"events": {"types": ["penalty_notice"]}}, "a matching event is recorded"),
        ({"passed_below": {"pct": 92, "inclusive": True}},
         "attendance fell to 92% this school year"),
        ({"passed_below": {"pct": 95}}, "attendance fell below 95% this school year"),
        ({"register_codes": ["I", "M"]}, "the register has I or M marks this school year"),
        ({"send": ["ehcp"]}, "the pupil has ehcp"),
        ({"attendance_return_due": True}, "the attendance return fell due"),
    ])
    def test_a_skipped_item_says_which_condition_held_in_words(self, condition, words):
        from referral_builder.domain.engine import describe_condition

        assert describe_condition(condition) == words


class TestOnTheReferralDate:
    def test_a_meeting_on_the_referral_date_is_followed_by_a_letter_that_day(self):
        case = make_case(events=(meeting("m1", D(2026, 11, 20)),
                                 letter("e1", D(2026, 11, 20), "post_meeting")))
        it = item("t_item", rule("after_meeting"), evidence=POST_MEETING)
        assert result(check_items(case, it)).status == "met"
