"""The rule types checklists are written in (referral_builder/domain/*_rules.py), at their edges.

Each test runs a one-item checklist through the engine, so it sees what a DSL sees: the
item's status and its reasons. The calendar is the autumn term 2026: it starts on Thu 3 Sep,
half-term is Mon 26 - Fri 30 Oct, and the referral is on Fri 20 Nov.
School weeks (Mondays) of that term up to the referral: 31 Aug, 7, 14, 21, 28 Sep, 5, 12,
19 Oct, (half-term 26 Oct skipped), 2, 9, 16 Nov: 11 school weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from referral_builder.domain.context import window_for
from referral_builder.domain.model import Carer, Declaration, Flags, SchoolCalendar, Term
from referral_builder.domain.register import Register
from tests.builders import (
    D,
    absent,
    carers,
    check_items,
    event,
    household,
    hundred_sessions,
    item,
    letter,
    make_case,
    meeting,
    result,
    rule,
    summer_to_autumn,
    term_marks,
    weekdays,
)

WRITTEN = {"types": ["letter", "email"]}
INVITES = {"types": ["letter", "email"], "purposes": ["meeting_invite"]}
THU_15_OCT = D(2026, 10, 15)
ZOE_DOB = D(2016, 5, 3)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return list(weekdays(start, end))


def status(case, *items, as_of=None, item_id="t_item", **params) -> str:
    return result(check_items(case, *items, as_of=as_of, **params), item_id).status


def reasons(case, *items, as_of=None, item_id="t_item", **params) -> str:
    return " ".join(result(check_items(case, *items, as_of=as_of, **params), item_id).reasons)


# ---- the evidence window (A1: 12 school weeks, the referral week counts) ---------------

class TestEvidenceWindow:
    def test_twelve_school_weeks_skip_half_term_and_the_summer_holiday(self):
        # Back from the referral week: 16, 9, 2 Nov, 19, 12, 5 Oct, 28, 21, 14, 7 Sep, 31 Aug
        # (11 weeks, half-term skipped), then the summer holiday (20 Jul - 2 Sep) is skipped
        # and week 12 is the last week of the summer term, Mon 13 Jul.
        warnings: list[str] = []
        window = window_for(Register(summer_to_autumn()), D(2026, 11, 20), 12, True, None,
                            warnings)
        assert window == (D(2026, 7, 13), D(2026, 11, 20))
        assert warnings == []

    def test_when_the_referral_week_does_not_count_the_window_starts_a_week_earlier(self):
        # Week 1 is now 9 Nov, so week 12 is Mon 6 Jul.
        window = window_for(Register(summer_to_autumn()), D(2026, 11, 20), 12, False, None, [])
        assert window[0] == D(2026, 7, 6)

    def test_a_short_window_skips_the_half_term_week(self):
        # As of Mon 2 Nov, 3 school weeks are 2 Nov, 19 Oct and 12 Oct (26 Oct is half-term).
        window = window_for(Register(term_marks(end=D(2026, 11, 2))), D(2026, 11, 2), 3, True,
                            None, [])
        assert window[0] == D(2026, 10, 12)

    def test_a_referral_made_in_half_term_does_not_count_the_holiday_as_week_one(self):
        # Referral on Fri 30 Oct, in half-term (coded #): the 3 school weeks are 19, 12 and
        # 5 Oct. Counting the holiday week as week 1 would start the window on 12 Oct.
        window = window_for(Register(term_marks(end=D(2026, 10, 30))), D(2026, 10, 30), 3,
                            True, None, [])
        assert window == (D(2026, 10, 5), D(2026, 10, 30))

    def test_a_referral_week_with_no_marks_yet_still_counts(self):
        # Register exported on Fri 13 Nov, referral on Wed 18 Nov: week 16 Nov is week 1.
        window = window_for(Register(term_marks(end=D(2026, 11, 13))), D(2026, 11, 18), 3,
                            True, None, [])
        assert window[0] == D(2026, 11, 2)

    def test_a_register_too_short_for_the_window_reaches_back_over_august_with_a_warning(self):
        # The term alone gives 11 school weeks (31 Aug to 16 Nov). The 12th is found by
        # calendar weeks: 24, 17, 10 and 3 Aug are all-August holiday weeks and are skipped,
        # so week 12 is Mon 27 Jul.
        warnings: list[str] = []
        window = window_for(Register(term_marks()), D(2026, 11, 20), 12, True, None, warnings)
        assert window[0] == D(2026, 7, 27)
        assert len(warnings) == 1
        assert "only 11 school weeks" in warnings[0]
        assert "27 Jul 2026" in warnings[0]

    def test_a_pupil_admitted_inside_the_window_gets_a_warning_about_earlier_records(self):
        warnings: list[str] = []
        window_for(Register(summer_to_autumn()), D(2026, 11, 20), 12, True, D(2026, 9, 3),
                   warnings)
        assert any("admitted on 3 Sep 2026" in w and "previous school" in w for w in warnings)

    def test_a_letter_dated_the_first_day_of_the_window_counts(self):
        case = make_case(marks=summer_to_autumn(), events=(letter("e1", D(2026, 7, 13)),))
        it = item("t_item", rule("in_window"), evidence=WRITTEN)
        assert status(case, it, window_school_weeks=12) == "met"

    def test_a_letter_dated_the_day_before_the_window_does_not_count(self):
        # Fri 10 Jul is in week 13 counting back from the referral week.
        case = make_case(marks=summer_to_autumn(), events=(letter("e1", D(2026, 7, 10)),))
        it = item("t_item", rule("in_window"), evidence=WRITTEN)
        report = check_items(case, it, window_school_weeks=12)
        assert result(report).status == "not_met"
        assert ("The letter of 10 Jul 2026 (e1) is older than the 12 school weeks before the "
                "referral (the window starts on 13 Jul 2026).") in result(report).reasons

    def test_without_a_window_parameter_any_date_counts(self):
        case = make_case(marks=summer_to_autumn(), events=(letter("e1", D(2026, 6, 1)),))
        it = item("t_item", rule("in_window"), evidence=WRITTEN)
        assert status(case, it) == "met"

    def test_the_window_gate_states_its_dates(self):
        case = make_case(marks=summer_to_autumn())
        it = item("t_item", rule("evidence_window"))
        text = reasons(case, it, window_school_weeks=12)
        assert "from 13 Jul 2026 to 20 Nov 2026" in text

    def test_the_window_gate_is_not_met_without_register_marks(self):
        case = make_case(marks=())
        it = item("t_item", rule("evidence_window"))
        assert status(case, it, window_school_weeks=12) == "not_met"
        assert "Import the register" in reasons(case, it, window_school_weeks=12)


# ---- min_notice (A2: calendar days from the letter's date; edge case 39) -------------

class TestMinimumNotice:
    @staticmethod
    def invite_case(sent: dt.date, meeting_on: dt.date = THU_15_OCT, *,
                    time: str | None = "16:00", type: str = "letter", **fields):
        return make_case(events=(
            meeting("m1", meeting_on, time),
            letter("e1", sent, "meeting_invite", meeting="m1", type=type, **fields),
        ))

    def check(self, case, days=7, **params):
        it = item("t_item", rule("min_notice", days=days), evidence=INVITES)
        return check_items(case, it, **params)

    def test_seven_days_notice_is_enough(self):
        # Thu 8 Oct to Thu 15 Oct: 15 - 8 = 7 calendar days.
        assert result(self.check(self.invite_case(D(2026, 10, 8)))).status == "met"

    def test_six_days_notice_is_not_enough(self):
        # Fri 9 Oct to Thu 15 Oct: 15 - 9 = 6 calendar days.
        report = self.check(self.invite_case(D(2026, 10, 9)))
        assert result(report).status == "not_met"
        assert ("The meeting on 15 Oct 2026 was invited on 9 Oct 2026: 6 days' notice; at "
                "least 7 are needed.") in result(report).reasons

    def test_an_invite_on_the_first_for_a_meeting_on_the_eighth_passes(self):
        case = self.invite_case(D(2026, 10, 1), D(2026, 10, 8))
        assert result(self.check(case)).status == "met"

    def test_notice_runs_through_half_term_in_calendar_days(self):
        # Last day of term Fri 23 Oct, first Monday back 2 Nov: 10 calendar days, though
        # only one school day lies between them.
        case = self.invite_case(D(2026, 10, 23), D(2026, 11, 2), type="email")
        assert result(self.check(case)).status == "met"

    def test_the_number_of_days_is_a_parameter(self):
        case = self.invite_case(D(2026, 10, 8))  # 7 days
        assert result(self.check(case, days=8)).status == "not_met"

    def test_a_meeting_without_a_time_is_not_met(self):
        report = self.check(self.invite_case(D(2026, 10, 1), time=None))
        assert result(report).status == "not_met"
        assert "no time is recorded" in " ".join(result(report).reasons)

    def test_an_invite_that_names_no_meeting_is_not_met(self):
        case = make_case(events=(letter("e1", D(2026, 10, 1), "meeting_invite"),))
        report = self.check(case)
        assert result(report).status == "not_met"
        assert "does not name the meeting it invites to" in " ".join(result(report).reasons)

    def test_an_invite_naming_a_meeting_without_a_date_is_not_met(self):
        case = make_case(events=(
            meeting("m1", None),  # type: ignore[arg-type]
            letter("e1", D(2026, 10, 1), "meeting_invite", meeting="m1"),
        ))
        assert result(self.check(case)).status == "not_met"

    def test_a_posted_letter_deemed_received_too_late_is_met_with_a_warning(self):
        # Wed 7 Oct + 2 working days = Fri 9 Oct, 6 days before Thu 15 Oct.
        report = self.check(self.invite_case(D(2026, 10, 7)))
        assert result(report).status == "met"
        assert any("deemed received on 9 Oct 2026, 6 days before the meeting" in w
                   for w in report.warnings)

    def test_a_posted_letter_deemed_received_seven_days_before_gets_no_warning(self):
        # Tue 6 Oct + 2 working days = Thu 8 Oct, exactly 7 days before Thu 15 Oct.
        report = self.check(self.invite_case(D(2026, 10, 6)))
        assert not any("deemed received" in w for w in report.warnings)

    def test_deemed_receipt_skips_the_weekend(self):
        # Fri 2 Oct + 2 working days = Tue 6 Oct, 6 days before a meeting on Mon 12 Oct: a
        # warning. Counting the weekend (Sun 4 Oct) would leave 8 days and no warning.
        report = self.check(self.invite_case(D(2026, 10, 2), D(2026, 10, 12)))
        assert any("deemed received on 6 Oct 2026, 6 days" in w for w in report.warnings)

    def test_an_email_has_no_deemed_receipt_warning(self):
        report = self.check(self.invite_case(D(2026, 10, 8), type="email"))
        assert not any("deemed received" in w for w in report.warnings)

    def test_no_deemed_receipt_warning_when_the_parameter_is_zero(self):
        report = self.check(self.invite_case(D(2026, 10, 8)), deemed_receipt_working_days=0)
        assert not any("deemed received" in w for w in report.warnings)


# ---- after_item / before_item ----------------------------------------------------------

def first_and_second(first: dt.date, second: dt.date, gap: int = 0):
    """Item A: a concern letter. Item B: a continued-concern letter after A (+gap)."""
    case = make_case(events=(
        letter("e1", first, "attendance_concern"),
        letter("e2", second, "continued_concern"),
    ))
    a = item("t_a", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
    params = {"gap_school_days": gap} if gap else {}
    b = item("t_b", rule("after_item", item="t_a", **params),
             evidence={"types": ["letter"], "purposes": ["continued_concern"]}, number="2")
    return check_items(case, b, a)  # listed out of order on purpose: dependencies come first


class TestAfterItem:
    def test_the_same_day_counts_as_after(self):
        assert result(first_and_second(D(2026, 10, 5), D(2026, 10, 5)), "t_b").status == "met"

    def test_the_day_before_does_not(self):
        report = first_and_second(D(2026, 10, 5), D(2026, 10, 2))
        assert result(report, "t_b").status == "not_met"
        assert ("The letter of 2 Oct 2026 (e2) comes before the item 1 evidence of 5 Oct 2026; "
                "it must come after it.") in result(report, "t_b").reasons

    def test_a_gap_of_ten_school_days_is_met_on_the_tenth_school_day(self):
        # School days after Mon 5 Oct: 6, 7, 8, 9 Oct (4), 12-16 Oct (9), Mon 19 Oct (10).
        assert result(first_and_second(D(2026, 10, 5), D(2026, 10, 19), 10),
                      "t_b").status == "met"

    def test_a_gap_of_ten_school_days_is_not_met_on_the_ninth(self):
        report = first_and_second(D(2026, 10, 5), D(2026, 10, 16), 10)
        assert result(report, "t_b").status == "not_met"
        assert "plus 10 school days" in " ".join(result(report, "t_b").reasons)

    def test_the_gap_skips_half_term(self):
        # After Mon 19 Oct: 20-23 Oct (4), half-term, 2-6 Nov (9), Mon 9 Nov (10).
        assert result(first_and_second(D(2026, 10, 19), D(2026, 11, 6), 10),
                      "t_b").status == "not_met"
        assert result(first_and_second(D(2026, 10, 19), D(2026, 11, 9), 10),
                      "t_b").status == "met"

    def test_when_the_earlier_item_has_no_evidence_the_order_cannot_be_broken(self):
        case = make_case(events=(letter("e2", D(2026, 10, 2), "continued_concern"),))
        a = item("t_a", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
        b = item("t_b", rule("after_item", item="t_a"),
                 evidence={"types": ["letter"], "purposes": ["continued_concern"]})
        report = check_items(case, a, b)
        assert result(report, "t_a").status == "not_met"
        assert result(report, "t_b").status == "met"


class TestBeforeItem:
    def check(self, first: dt.date, invite: dt.date):
        case = make_case(events=(
            letter("e1", first, "attendance_concern"),
            letter("e2", invite, "meeting_invite"),
        ))
        a = item("t_a", rule("before_item", item="t_b"),
                 evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
        b = item("t_b", evidence=INVITES, number="2")
        return result(check_items(case, a, b), "t_a")

    def test_the_same_day_counts_as_before(self):
        assert self.check(D(2026, 10, 5), D(2026, 10, 5)).status == "met"

    def test_the_day_after_does_not(self):
        r = self.check(D(2026, 10, 6), D(2026, 10, 5))
        assert r.status == "not_met"
        assert ("The letter of 6 Oct 2026 (e1) comes after the item 2 evidence of 5 Oct 2026; "
                "it must come first.") in r.reasons


# ---- letters: enclosures, stated %, meetings, mentions, outcomes, roles ----------------

class TestEncloses:
    def test_a_warning_letter_enclosing_the_certificate_is_met(self):
        case = make_case(events=(letter("e1", D(2026, 11, 13), "warning_legal_referral",
                                        encloses=["attendance_certificate"]),))
        assert status(case, item("t_item", rule("encloses"), evidence=WRITTEN)) == "met"

    def test_a_warning_letter_without_the_certificate_is_not_met(self):
        case = make_case(events=(letter("e1", D(2026, 11, 13), "warning_legal_referral",
                                        encloses=["attendance_plan"]),))
        it = item("t_item", rule("encloses"), evidence=WRITTEN)
        assert status(case, it) == "not_met"
        assert "does not enclose the attendance certificate" in reasons(case, it)

    def test_the_enclosure_is_a_parameter(self):
        case = make_case(events=(letter("e1", D(2026, 11, 13), encloses=["attendance_plan"]),))
        it = item("t_item", rule("encloses", what="attendance_plan"), evidence=WRITTEN)
        assert status(case, it) == "met"


class TestStatesAttendancePercentage:
    # hundred_sessions to Fri 11 Sep: Thu 3 Sep is INSET, so Fri 4 and 7-11 Sep are 6 school
    # days, 12 sessions. Absent (O) all day Mon 7 Sep: attended 10 of 12 = 83.33%.
    def case(self, stated: float | None):
        marks = hundred_sessions(absent([D(2026, 9, 7)]))
        return make_case(marks=marks, events=(
            letter("e1", D(2026, 9, 11), "post_meeting", states_attendance_pct=stated),))

    def check(self, stated):
        it = item("t_item", rule("states_attendance_pct"), evidence=WRITTEN)
        return check_items(self.case(stated), it)

    def test_a_letter_that_records_no_percentage_is_not_met(self):
        report = self.check(None)
        assert result(report).status == "not_met"
        assert "does not record the attendance % it stated" in " ".join(result(report).reasons)

    def test_a_percentage_within_one_point_of_the_register_is_met_without_warning(self):
        report = self.check(84.3)  # |84.3 - 83.33| = 0.97
        assert result(report).status == "met"
        assert not any("the register gives" in w for w in report.warnings)

    def test_a_percentage_more_than_one_point_off_is_met_with_a_warning(self):
        report = self.check(85)  # |85 - 83.33| = 1.67
        assert result(report).status == "met"
        assert ("The letter of 11 Sep 2026 (e1) states 85% attendance; the register gives "
                "83.3% on that date.") in report.warnings


    def test_a_letter_from_last_school_year_is_compared_with_that_year(self):
        # Register from Mon 1 Jun 2026; absent (O) Mon 1 - Fri 12 Jun. On Fri 10 Jul the
        # school year 2025/26 shows 40 of 60 sessions (Jun 1 - Jul 10, 30 school days):
        # 66.7%, far from the 100% the letter states.
        marks = summer_to_autumn(absent(days(D(2026, 6, 1), D(2026, 6, 12))))
        case = make_case(marks=marks, events=(
            letter("e1", D(2026, 7, 10), states_attendance_pct=100.0),))
        report = check_items(case, item("t_item", rule("states_attendance_pct"),
                                        evidence=WRITTEN))
        assert ("The letter of 10 Jul 2026 (e1) states 100% attendance; the register gives "
                "66.7% on that date.") in report.warnings


class TestAfterMeeting:
    def check(self, sent: dt.date, names_meeting: bool = True):
        case = make_case(events=(
            meeting("m1", D(2026, 10, 15)),
            letter("e1", sent, "post_meeting", meeting="m1" if names_meeting else None),
        ))
        return result(check_items(case, item("t_item", rule("after_meeting"), evidence=WRITTEN)))

    def test_a_letter_the_same_day_as_the_meeting_follows_it(self):
        assert self.check(D(2026, 10, 15)).status == "met"

    def test_a_letter_the_day_before_the_meeting_does_not(self):
        r = self.check(D(2026, 10, 14))
        assert r.status == "not_met"
        assert "is dated before the meeting it follows (15 Oct 2026)" in " ".join(r.reasons)

    def test_a_letter_naming_no_meeting_needs_some_meeting_on_or_before_it(self):
        assert self.check(D(2026, 10, 16), names_meeting=False).status == "met"
        assert self.check(D(2026, 10, 14), names_meeting=False).status == "not_met"


class TestReminderBeforeMeeting:
    def check(self, reminder: dt.date):
        case = make_case(events=(
            meeting("m1", D(2026, 10, 15)),
            letter("e1", D(2026, 10, 5), "meeting_invite", meeting="m1"),
            letter("e2", reminder, "meeting_reminder", meeting="m1", type="text"),
        ))
        it = item("t_item", rule("reminder_before_meeting"),
                  evidence={"types": ["text"], "purposes": ["meeting_reminder"]})
        return result(check_items(case, it))

    def test_a_reminder_between_invite_and_meeting_is_met(self):
        assert self.check(D(2026, 10, 14)).status == "met"
        assert self.check(D(2026, 10, 15)).status == "met"

    def test_a_reminder_on_the_day_of_the_invite_is_not_a_reminder(self):
        assert "is not after the invitation" in " ".join(self.check(D(2026, 10, 5)).reasons)

    def test_a_reminder_after_the_meeting_is_not_met(self):
        assert self.check(D(2026, 10, 16)).status == "not_met"


class TestMentionsOutcomeAndRole:
    def test_mentions_is_met_by_a_purpose_or_a_word_in_the_summary(self):
        it = item("t_item", rule("mentions", purposes=["support"], words=["mentor"]),
                  evidence=WRITTEN)
        by_purpose = make_case(events=(letter("e1", D(2026, 10, 5), "support"),))
        by_word = make_case(events=(letter("e1", D(2026, 10, 5), "continued_concern",
                                           summary="Offered a Mentor on Tuesdays"),))
        neither = make_case(events=(letter("e1", D(2026, 10, 5), "continued_concern"),))
        assert status(by_purpose, it) == "met"
        assert status(by_word, it) == "met"
        assert status(neither, it) == "not_met"
        assert "does not record the support it set out" in reasons(neither, it)

    def test_outcome_recorded_needs_one_of_the_values(self):
        it = item("t_item", rule("outcome_recorded", values=["accepted", "refused"]),
                  evidence={"types": ["support_offer"]})
        refused = make_case(events=(event("s1", "support_offer", D(2026, 10, 5),
                                          support="mentoring", outcome="refused"),))
        pending = make_case(events=(event("s1", "support_offer", D(2026, 10, 5),
                                          support="mentoring", outcome="pending"),))
        assert status(refused, it) == "met"
        assert status(pending, it) == "not_met"
        assert ('records the outcome "pending"; the item needs accepted or refused'
                in reasons(pending, it))
        unknown = make_case(events=(event("s1", "support_offer", D(2026, 10, 5),
                                          support="mentoring"),))
        assert "has no outcome recorded (accepted or refused)" in reasons(unknown, it)

    def test_by_role_accepts_aliases_and_warns_on_a_mismatch_when_warn_is_set(self):
        it = item("t_item", rule("by_role", roles=["attendance_officer"], warn=True),
                  evidence=WRITTEN)
        by_ao = make_case(events=(letter("e1", D(2026, 10, 5), by=("Ann Ode", "AO")),))
        by_dsl = make_case(events=(letter("e1", D(2026, 10, 5), by=("Sam Patel", "DSL")),))
        ok = check_items(by_ao, it)
        assert result(ok).status == "met"
        assert not any("t_item:" in w for w in ok.warnings)
        mismatch = check_items(by_dsl, it)
        assert result(mismatch).status == "met"
        assert any("was done by Sam Patel (DSL)" in w for w in mismatch.warnings)

    def test_by_role_without_warn_fails_the_evidence(self):
        it = item("t_item", rule("by_role", roles=["attendance_officer"]), evidence=WRITTEN)
        unsigned = make_case(events=(letter("e1", D(2026, 10, 5)),))
        assert status(unsigned, it) == "not_met"
        assert "does not say who sent it" in reasons(unsigned, it)


# ---- attendance stages ------------------------------------------------------------------

class TestStages:
    # Absent O all of Mon 7 - Wed 9 Sep (hundred_sessions: Thu 3 Sep is INSET). The running
    # figure is judged only from 20 possible sessions: 10 school days, Fri 4 to Thu 17 Sep,
    # when it is 14/20 = 70%. After that it only rises (16/22, 18/24, ...).
    def case(self):
        return make_case(marks=hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 9)))))

    def test_stage_reached_names_the_first_day_below_and_the_review_point(self):
        it = item("t_item", rule("stage_reached", below_pct=95, review_school_days=10))
        text = reasons(self.case(), it)
        # Thu 17 Sep + 10 school days: 18, 21-25 (6), 28 Sep - 1 Oct (10) = Thu 1 Oct.
        assert "Attendance first fell below 95% on 17 Sep 2026" in text
        assert "the review point is 1 Oct 2026" in text

    def test_stage_not_reached_when_attendance_never_fell_that_low(self):
        # The lowest judged figure is 70% on 17 Sep: at 70% (inclusive) but never below it.
        assert status(self.case(), item("t_item", rule("stage_reached", below_pct=70))) == \
            "not_met"
        assert status(self.case(), item("t_item", rule("stage_reached", below_pct=70,
                                                       inclusive=True))) == "met"

    def test_after_stage_start_refuses_evidence_before_the_first_day_below(self):
        it = item("t_item", rule("after_stage_start", below_pct=95), evidence=WRITTEN)
        before = make_case(marks=self.case().marks,
                           events=(letter("e1", D(2026, 9, 16)),))
        on_day = make_case(marks=self.case().marks,
                           events=(letter("e1", D(2026, 9, 17)),))
        assert status(before, it) == "not_met"
        assert "comes before attendance first fell below 95% (on 17 Sep 2026)" in \
            reasons(before, it)
        assert status(on_day, it) == "met"


# ---- the national threshold: unauthorised sessions in N school weeks (NR-09) -----------

def threshold(marks, *, dob: dt.date = ZOE_DOB, **params):
    case = make_case(marks=marks, pupil=replace(make_case().pupil, date_of_birth=dob))
    report = check_items(case, item("t_item", rule("unauthorised_threshold", **params)))
    return result(report)


class TestUnauthorisedThreshold:
    def test_nine_sessions_are_not_enough(self):
        # O all day Mon 7 - Thu 10 Sep (8) and Fri 11 Sep AM (9).
        marks = term_marks(overrides={**absent(days(D(2026, 9, 7), D(2026, 9, 10))),
                                      (D(2026, 9, 11), "AM"): "O"})
        r = threshold(marks)
        assert r.status == "not_met"
        assert "the most in any 10 school weeks is 9" in " ".join(r.reasons)

    def test_ten_sessions_meet_it(self):
        marks = term_marks(overrides=absent(days(D(2026, 9, 7), D(2026, 9, 11))))
        r = threshold(marks)
        assert r.status == "met"
        # The latest window holding week 7 Sep runs 7 Sep to 16 Nov (10 school weeks, with
        # half-term skipped) and ends at the referral date.
        assert r.reasons == ("10 unauthorised sessions (G, N, O, U) in the 10 school weeks "
                             "from 7 Sep 2026 to 20 Nov 2026; the threshold is 10",)

    def test_any_mix_of_codes_counts(self):
        # 4 G (Mon-Tue 7-8 Sep) and 6 U (Wed-Fri 9-11 Sep).
        marks = term_marks(overrides={**absent(days(D(2026, 9, 7), D(2026, 9, 8)), "G"),
                                      **absent(days(D(2026, 9, 9), D(2026, 9, 11)), "U")})
        assert threshold(marks).status == "met"

    def test_late_before_registers_close_never_counts(self):
        marks = term_marks(overrides=absent(days(D(2026, 9, 7), D(2026, 9, 11)), "L"))
        assert threshold(marks).status == "not_met"

    def test_ten_school_weeks_reach_across_half_term(self):
        # 5 sessions in week 7 Sep and 5 in week 16 Nov: 7 Sep .. 16 Nov is 10 school weeks
        # because the half-term week is not a school week (11 calendar weeks).
        marks = term_marks(overrides={
            **absent(days(D(2026, 9, 7), D(2026, 9, 8))), (D(2026, 9, 9), "AM"): "O",
            **absent(days(D(2026, 11, 16), D(2026, 11, 17))), (D(2026, 11, 18), "AM"): "O"})
        assert threshold(marks).status == "met"

    def test_eleven_school_weeks_apart_is_too_far(self):
        # 4 in week 31 Aug (all of Thu 3 and Fri 4 Sep) and 6 in week 16 Nov: 31 Aug .. 16 Nov
        # is 11 school weeks, so no 10-week window holds all 10; the best is the 6.
        far = term_marks(overrides={**absent([D(2026, 9, 3), D(2026, 9, 4)]),
                                    **absent(days(D(2026, 11, 16), D(2026, 11, 18)))})
        r = threshold(far)
        assert r.status == "not_met"
        assert "the most in any 10 school weeks is 6" in " ".join(r.reasons)
        # Moved one school week later (Mon 7 and Tue 8 Sep), the same 10 sessions meet it.
        near = term_marks(overrides={**absent([D(2026, 9, 7), D(2026, 9, 8)]),
                                     **absent(days(D(2026, 11, 16), D(2026, 11, 18)))})
        assert threshold(near).status == "met"

    def test_the_sessions_and_weeks_are_parameters(self):
        marks = term_marks(overrides=absent(days(D(2026, 9, 7), D(2026, 9, 10))))  # 8
        assert threshold(marks, sessions=8).status == "met"
        assert threshold(marks, sessions=9).status == "not_met"

    def test_a_window_met_only_by_counting_unresolved_n_is_blocked(self):
        overrides = absent(days(D(2026, 11, 9), D(2026, 11, 13)))
        overrides[(D(2026, 11, 13), "PM")] = "N"  # 9 O + 1 N
        r = threshold(term_marks(overrides=overrides))
        assert r.status == "not_met"
        assert "only by counting 1 unresolved N marks" in " ".join(r.reasons)

    def test_unresolved_n_can_count_or_be_excluded(self):
        overrides = absent(days(D(2026, 11, 9), D(2026, 11, 13)))
        overrides[(D(2026, 11, 13), "PM")] = "N"
        marks = term_marks(overrides=overrides)
        assert threshold(marks, unresolved_n="count").status == "met"
        excluded = threshold(marks, unresolved_n="exclude")
        assert excluded.status == "not_met"
        assert "(G, O, U)" in " ".join(excluded.reasons)

    def test_sessions_before_compulsory_school_age_do_not_count(self):
        # O all week Mon 6 - Fri 10 Jul 2026 (10 sessions). A pupil born 15 Jun 2021 turns 5
        # on 15 Jun 2026, so CSA starts 31 Aug 2026 and July does not count. One born
        # 15 Mar 2021 is of CSA from 31 Mar 2026.
        marks = summer_to_autumn(absent(days(D(2026, 7, 6), D(2026, 7, 10))))
        assert threshold(marks, dob=D(2021, 6, 15)).status == "not_met"
        assert threshold(marks, dob=D(2021, 3, 15)).status == "met"

    def test_lookback_limits_which_windows_count(self):
        # 10 O sessions in week 7 Sep. Windows of 5 school weeks end at each school week:
        # 31 Aug, 7, 14, 21, 28 Sep, 5, 12, 19 Oct, 2, 9, 16 Nov (11). Those holding week
        # 7 Sep end 7 Sep .. 5 Oct. The last 5 windows end 12 Oct .. 16 Nov and miss it; the
        # last 6 include the one ending 5 Oct.
        marks = term_marks(overrides=absent(days(D(2026, 9, 7), D(2026, 9, 11))))
        assert threshold(marks, school_weeks=5, lookback_school_weeks=5).status == "not_met"
        assert threshold(marks, school_weeks=5, lookback_school_weeks=6).status == "met"


# ---- attendance below X% on each basis ------------------------------------------------

def below_rule(marks, **params):
    return result(check_items(make_case(marks=marks),
                              item("t_item", rule("attendance_below", **params))))


class TestAttendanceBelow:
    # hundred_sessions: 100 possible sessions, so absent sessions read straight off as %.
    def test_ninety_percent_is_not_below_ninety(self):
        r = below_rule(hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11)))), pct=90)
        assert r.status == "not_met"
        assert "is 90.0% (90 of 100 sessions); it must be below 90%" in " ".join(r.reasons)

    def test_ninety_percent_is_at_or_below_ninety_when_inclusive(self):
        r = below_rule(hundred_sessions(absent(days(D(2026, 9, 7), D(2026, 9, 11)))), pct=90,
                       inclusive=True)
        assert r.status == "met"

    def test_eighty_nine_percent_is_below_ninety(self):
        overrides = {**absent(days(D(2026, 9, 7), D(2026, 9, 11))), (D(2026, 9, 14), "AM"): "I"}
        assert below_rule(hundred_sessions(overrides), pct=90).status == "met"

    def test_window_basis_counts_only_the_last_school_weeks(self):
        # Last 6 school weeks before Fri 20 Nov: 16, 9, 2 Nov, 19, 12, 5 Oct (half-term
        # skipped); term_marks has no INSET, so 6 x 10 = 60 sessions. 6 absences there:
        # 54/60 = 90%.
        overrides = absent([D(2026, 10, 5), D(2026, 10, 6), D(2026, 11, 20)])
        marks = term_marks(overrides=overrides)
        r = below_rule(marks, pct=90, basis="window", school_weeks=6)
        assert r.status == "not_met"
        assert "over the 6 school weeks from 5 Oct 2026 is 90.0% (54 of 60 sessions)" in \
            " ".join(r.reasons)
        assert below_rule(marks, pct=90, inclusive=True, basis="window",
                          school_weeks=6).status == "met"

    def test_window_basis_ignores_absence_before_the_window(self):
        # 10 absent days in September, none since: the 6-week window is 100%.
        marks = term_marks(overrides=absent(days(D(2026, 9, 14), D(2026, 9, 25))))
        # Year to date: 52 school days (2 + 35 + 15), 104 sessions, 84 attended = 80.8%.
        assert below_rule(marks, pct=95).status == "met"
        assert below_rule(marks, pct=95, basis="window", school_weeks=6).status == "not_met"

    def test_adjusted_basis_leaves_out_authorised_absence(self):
        # 10 I and 9 O in 100: attended 81; 81 / (100 - 10) = 90%.
        overrides = {**absent(days(D(2026, 9, 7), D(2026, 9, 11)), "I"),
                     **absent(days(D(2026, 9, 14), D(2026, 9, 17))),
                     (D(2026, 9, 18), "AM"): "O"}
        marks = hundred_sessions(overrides)
        r = below_rule(marks, pct=90, basis="adjusted")
        assert r.status == "not_met"
        assert "leaving out authorised absence is 90.0% (81 of 90 sessions)" in \
            " ".join(r.reasons)
        assert below_rule(marks, pct=90, inclusive=True, basis="adjusted").status == "met"
        assert below_rule(marks, pct=90).status == "met"  # 81% year to date

    def test_adjusted_basis_can_count_authorised_absence_as_attended(self):
        # Same marks: (100 - 9 unauthorised) / 100 = 91%.
        overrides = {**absent(days(D(2026, 9, 7), D(2026, 9, 11)), "I"),
                     **absent(days(D(2026, 9, 14), D(2026, 9, 17))),
                     (D(2026, 9, 18), "AM"): "O"}
        marks = hundred_sessions(overrides)
        assert below_rule(marks, pct=91, basis="adjusted",
                          adjusted_formula="authorised_as_present").status == "not_met"
        assert below_rule(marks, pct=92, basis="adjusted",
                          adjusted_formula="authorised_as_present").status == "met"

    def test_too_few_possible_sessions_never_trigger(self):
        # Thu 3 Sep to Tue 15 Sep: 9 school days, 18 sessions, all absent: 0%, but under
        # the 20-session minimum. To Wed 16 Sep: 20 sessions.
        short = term_marks(end=D(2026, 9, 15), default="O")
        r = below_rule(short, pct=90)
        assert r.status == "not_met"
        assert "Too few possible sessions" in " ".join(r.reasons)
        assert below_rule(term_marks(end=D(2026, 9, 16), default="O"), pct=90).status == "met"


# ---- each parent/carer ------------------------------------------------------------------

class TestEachCarer:
    def check(self, *events, carers_=None, **parameters):
        case = make_case(events=events, **({"carers": carers_} if carers_ else {}))
        it = item("t_item", rule("encloses"), evidence=WRITTEN, require="each_carer")
        return check_items(case, it, **parameters)

    def test_one_letter_to_each_of_two_carers_is_met(self):
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1"]),
            letter("e2", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c2"]))
        assert result(report).status == "met"
        assert result(report).evidence == ("e1", "e2")

    def test_a_letter_to_only_one_of_two_carers_is_not_met_and_names_the_other(self):
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1"]))
        assert result(report).status == "not_met"
        assert ("Nothing that counts is recorded for Łukasz Nowak (father); each parent/carer "
                "needs their own") in " ".join(result(report).reasons)

    def test_a_letter_to_the_second_carer_that_fails_a_rule_does_not_count_for_them(self):
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1"]),
            letter("e2", D(2026, 11, 13), to=["c2"]))
        assert result(report).status == "not_met"
        assert any("(e2) does not enclose" in r for r in result(report).reasons)

    def test_one_letter_to_two_carers_at_different_addresses_is_not_one_each(self):
        # domain-rules 3.1 item 8 and edge case 5.1: different addresses -> separate letters.
        # Jane lives at 12 Elm Road, Walsall; Łukasz at 4 Mill Lane, Bloxwich.
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1", "c2"]))
        assert result(report).status == "not_met"
        assert any("addressed jointly to Jane Smith (mother) and Łukasz Nowak (father), who "
                   "live at different addresses" in r for r in result(report).reasons)

    def test_one_letter_to_two_carers_at_the_same_address_reaches_both(self):
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1", "c2"]),
            carers_=household())
        assert result(report).status == "met"

    def test_the_separate_letters_reading_is_a_checklist_parameter(self):
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1", "c2"]),
            separate_letters_per_address=False)
        assert result(report).status == "met"

    def test_an_email_to_two_carers_reaches_each_of_them(self):
        email = replace(letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"],
                               to=["c1", "c2"]), type="email")
        report = self.check(email)
        assert result(report).status == "met"

    def test_a_carer_under_a_contact_restriction_is_not_required_but_is_reported(self):
        restricted = (carers()[0], replace(carers()[1], contact_restriction="Court order"))
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1"]),
            carers_=restricted)
        assert result(report).status == "met"
        assert ("Łukasz Nowak (c2) is not required for \"each parent/carer\" items because of "
                "a contact restriction: Court order.") in report.warnings

    def test_an_adult_without_parental_responsibility_or_care_is_not_required(self):
        aunt = Carer("c3", "Aunt May", "aunt", False, False)
        report = self.check(
            letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c1"]),
            letter("e2", D(2026, 11, 13), encloses=["attendance_certificate"], to=["c2"]),
            carers_=(*carers(), aunt))
        assert result(report).status == "met"

    def test_no_carer_in_the_parent_set_is_not_met(self):
        nobody = (Carer("c3", "Aunt May", "aunt", False, False),)
        report = self.check(letter("e1", D(2026, 11, 13), encloses=["attendance_certificate"],
                                   to=["c3"]), carers_=nobody)
        assert result(report).status == "not_met"
        assert "No parent or carer" in " ".join(result(report).reasons)


# ---- conditions: flags and register codes -----------------------------------------------

class TestConditionalItems:
    def social_worker_item(self):
        return item("t_item", evidence={"types": ["agency_contact"]},
                    requirement="conditional", applies_if={"flags": ["social_worker"]})

    def flagged(self, **flags):
        return replace(make_case().pupil, flags=Flags(**flags))

    def test_with_the_flag_and_no_evidence_the_item_is_not_met(self):
        case = make_case(pupil=self.flagged(social_worker=True))
        assert status(case, self.social_worker_item()) == "not_met"

    def test_with_the_flag_and_evidence_it_is_met(self):
        case = make_case(pupil=self.flagged(social_worker=True), events=(
            event("a1", "agency_contact", D(2026, 10, 5), agency="social_worker"),))
        assert status(case, self.social_worker_item()) == "met"

    def test_without_the_flag_it_needs_a_reason_recorded(self):
        text = reasons(make_case(), self.social_worker_item())
        assert status(make_case(), self.social_worker_item()) == "not_met"
        assert ("Needed only when the pupil has a social worker; that is not the case here. "
                "Record why it does not apply") in text

    def test_without_the_flag_and_with_a_reason_it_is_not_applicable(self):
        case = make_case(not_applicable={"t_item": "No social worker is involved."})
        r = result(check_items(case, self.social_worker_item()))
        assert r.status == "not_applicable"
        assert r.reasons == ("Needed only when the pupil has a social worker, which is not the "
                             "case. Recorded as not applicable: No social worker is involved.",)

    def test_without_the_flag_it_is_not_applicable_when_no_declaration_is_needed(self):
        assert status(make_case(), self.social_worker_item(),
                      conditional_needs_declaration=False) == "not_applicable"

    def medical_item(self):
        return item("t_item", evidence={"types": ["medical_inquiry"]},
                    requirement="conditional", applies_if={"register_codes": ["I", "M"]})

    @pytest.mark.parametrize("code", ["I", "M"])
    def test_an_i_or_m_mark_this_school_year_makes_it_apply(self, code):
        case = make_case(marks=term_marks(overrides={(D(2026, 10, 5), "AM"): code}))
        assert status(case, self.medical_item(), conditional_needs_declaration=False) == \
            "not_met"

    def test_an_i_mark_last_school_year_does_not(self):
        # Fri 17 Jul 2026 is in the school year 2025/26; the referral is in 2026/27.
        case = make_case(marks=summer_to_autumn({(D(2026, 7, 17), "AM"): "I"}))
        assert status(case, self.medical_item(), conditional_needs_declaration=False) == \
            "not_applicable"

    def test_an_i_mark_after_the_referral_date_does_not(self):
        case = make_case(marks=term_marks(end=D(2026, 11, 27),
                                          overrides={(D(2026, 11, 23), "AM"): "I"}))
        assert status(case, self.medical_item(), conditional_needs_declaration=False) == \
            "not_applicable"


# ---- statements, the declaration, compulsory school age ---------------------------------

class TestFreeText:
    def check(self, text: str | None, **params):
        case = make_case(free_text={"why_parents_could_do_more": text} if text is not None
                         else {})
        return result(check_items(case, item("t_item", rule(
            "free_text", key="why_parents_could_do_more", **params))))

    def test_five_words_are_enough(self):
        r = self.check("Mum does not get up.")
        assert r.status == "met"
        assert r.reasons == ('The statement "why parents could do more" is written (5 words)',)

    def test_four_words_are_not(self):
        r = self.check("Mum sleeps in   late")
        assert r.status == "not_met"
        assert r.reasons[0] == ('The statement "why parents could do more" has 4 words; '
                                "write at least 5")

    def test_blank_or_missing_text_asks_for_it(self):
        for text in (None, "   "):
            r = self.check(text)
            assert r.status == "not_met"
            assert r.reasons[0] == 'Write the statement "why parents could do more"'

    def test_the_minimum_is_a_parameter(self):
        assert self.check("Too short", min_words=2).status == "met"


class TestDeclaration:
    def check(self, declaration: Declaration):
        return result(check_items(make_case(declaration=declaration),
                                  item("t_item", rule("declaration"))))

    def test_a_confirmed_declaration_names_who_and_when(self):
        r = self.check(Declaration(True, "Sam Patel", "DSL", dt.datetime(2026, 11, 20, 10, 15)))
        assert r.status == "met"
        assert r.reasons == ("Confirmed by Sam Patel (DSL) on 20 Nov 2026 at 10:15",)

    def test_an_unticked_box_is_not_met(self):
        r = self.check(Declaration(False, "Sam Patel", "DSL"))
        assert r.status == "not_met"
        assert "has not yet ticked the box" in r.reasons[0]

    @pytest.mark.parametrize(("name", "role"), [("", "DSL"), ("Sam Patel", "")])
    def test_a_tick_without_name_and_role_is_not_met(self, name, role):
        assert self.check(Declaration(True, name, role)).status == "not_met"


class TestCompulsorySchoolAge:
    # (date of birth, first day of CSA or last day of CSA) from NR-06 and NR-07.
    @pytest.mark.parametrize(("dob", "first"), [
        (D(2019, 2, 10), D(2024, 3, 31)),
        (D(2019, 8, 31), D(2024, 8, 31)),
        (D(2019, 9, 1), D(2024, 12, 31)),
        (D(2019, 12, 31), D(2024, 12, 31)),
        (D(2020, 1, 1), D(2025, 3, 31)),
        (D(2020, 2, 29), D(2025, 3, 31)),
    ])
    def test_csa_starts_on_the_prescribed_day(self, dob, first):
        assert self.status(dob, first) == "met"
        assert self.status(dob, first - dt.timedelta(days=1)) == "not_met"

    @pytest.mark.parametrize(("dob", "last"), [
        (D(2007, 9, 23), D(2024, 6, 28)),
        (D(2010, 7, 15), D(2026, 6, 26)),
        (D(2010, 6, 1), D(2026, 6, 26)),
    ])
    def test_csa_ends_on_the_last_friday_in_june(self, dob, last):
        assert self.status(dob, last) == "met"
        assert self.status(dob, last + dt.timedelta(days=1)) == "not_met"

    def status(self, dob: dt.date, as_of: dt.date) -> str:
        case = make_case(marks=(), pupil=replace(make_case().pupil, date_of_birth=dob))
        return result(check_items(case, item("t_item", rule("csa")), as_of=as_of)).status

    def test_the_reason_names_the_pupil_and_the_span(self):
        case = make_case(marks=(), pupil=replace(make_case().pupil, date_of_birth=D(2010, 7, 15)))
        r = result(check_items(case, item("t_item", rule("csa")), as_of=D(2026, 6, 29)))
        assert r.reasons == ("Zoë Smith is not of compulsory school age on the referral date "
                             "29 Jun 2026 (compulsory school age runs from 31 Aug 2015 to "
                             "26 Jun 2026)",)

    def test_marks_from_before_csa_are_warned_about(self):
        # Born 15 Mar 2021: CSA from 31 Mar 2026. The register starts on Mon 1 Jun 2026,
        # after that, so no warning; born 15 Jun 2021 (CSA from 31 Aug 2026), a warning.
        for dob, warned in ((D(2021, 3, 15), False), (D(2021, 6, 15), True)):
            case = make_case(marks=summer_to_autumn(),
                             pupil=replace(make_case().pupil, date_of_birth=dob))
            report = check_items(case, item("t_item", rule("csa")))
            assert result(report).status == "met"
            assert any("before compulsory school age" in w for w in report.warnings) is warned


# ---- the register: certificate, N marks, medical evidence, returns ---------------------

class TestCertificateCurrent:
    def check(self, last_mark: dt.date, **params):
        case = make_case(marks=term_marks(end=last_mark))
        return result(check_items(case, item("t_item", rule("certificate_current", **params))))

    def test_marks_to_five_school_days_before_the_referral_are_current(self):
        # Register to Fri 13 Nov; Mon 16 - Fri 20 Nov are 5 school days.
        r = self.check(D(2026, 11, 13))
        assert r.status == "met"
        assert r.reasons == ("The attendance certificate is produced from marks up to "
                             "13 Nov 2026, 5 weekdays before the referral",)

    def test_marks_to_six_school_days_before_are_not(self):
        r = self.check(D(2026, 11, 12))
        assert r.status == "not_met"
        assert r.reasons[0].startswith("The register ends on 12 Nov 2026, 6 weekdays "
                                       "before the referral")

    def test_days_after_the_last_mark_are_never_called_school_days(self):
        # Register to Fri 18 Dec 2026; a referral on Fri 8 Jan 2027 spans the Christmas
        # holiday, which the register cannot show: the gap is told as weekdays.
        case = make_case(marks=term_marks(end=D(2026, 12, 18)), referral_date=D(2027, 1, 8))
        r = result(check_items(case, item("t_item", rule("certificate_current"))))
        assert r.status == "not_met"
        assert r.reasons[0].startswith("The register ends on 18 Dec 2026, 15 weekdays before "
                                       "the referral")
        assert "school days before" not in r.reasons[0]

    def test_a_referral_on_a_marked_day_counts_school_days(self):
        # Referral on Fri 13 Nov, register to Fri 20 Nov: the certificate is current, 0 days.
        case = make_case(marks=term_marks(end=D(2026, 11, 20)), referral_date=D(2026, 11, 13))
        r = result(check_items(case, item("t_item", rule("certificate_current"))))
        assert r.reasons == ("The attendance certificate is produced from marks up to "
                             "13 Nov 2026, 0 school days before the referral",)

    def test_the_age_is_a_parameter(self):
        assert self.check(D(2026, 11, 12), max_age_school_days=6).status == "met"

    # Issue 14.1: marks to Thu 18 Dec 2025, the referral on Mon 5 Jan 2026, the Christmas
    # holiday (Mon 22 Dec to Fri 2 Jan) between.
    TERMS_2025 = SchoolCalendar(terms=(Term(D(2025, 9, 3), D(2025, 12, 19)),
                                       Term(D(2026, 1, 5), D(2026, 3, 27))))

    def christmas(self, calendar: SchoolCalendar | None):
        case = make_case(marks=term_marks(D(2025, 12, 1), D(2025, 12, 18), holidays=()),
                         referral_date=D(2026, 1, 5), calendar=calendar)
        return result(check_items(case, item("t_item", rule("certificate_current"))))

    def test_the_christmas_holiday_in_the_term_dates_is_not_counted(self):
        # Fri 19 Dec and Mon 5 Jan are school days by the term dates: 2, within 5.
        r = self.christmas(self.TERMS_2025)
        assert r.status == "met"
        assert r.reasons == (
            "The attendance certificate is produced from marks up to 18 Dec 2025, 2 school "
            "days before the referral by the school's term dates (the 10 weekdays they close, "
            "22 Dec 2025 to 2 Jan 2026, are not counted)",)

    def test_without_term_dates_the_weekdays_are_told_and_the_fix_named(self):
        r = self.christmas(None)
        assert r.status == "not_met"
        assert r.reasons[0].startswith("The register ends on 18 Dec 2025, 12 weekdays before "
                                       "the referral;")
        assert r.reasons[0].endswith("if a holiday falls between, record the school's term "
                                     "dates")

    def test_a_closure_day_the_case_knows_is_not_counted(self):
        # Marks to Fri 13 Nov 2026, referral Fri 20 Nov: Mon 16 Nov is an INSET day.
        calendar = SchoolCalendar(terms=(Term(D(2026, 11, 2), D(2026, 12, 18)),),
                                  closures=(D(2026, 11, 16),))
        case = make_case(marks=term_marks(end=D(2026, 11, 13)), calendar=calendar)
        r = result(check_items(case, item("t_item", rule("certificate_current",
                                                         max_age_school_days=4))))
        assert r.status == "met"
        assert r.reasons[0].endswith("4 school days before the referral by the school's term "
                                     "dates (the 1 weekday they close, 16 Nov 2026, is not "
                                     "counted)")

    def test_no_marks_no_certificate(self):
        case = make_case(marks=())
        assert status(case, item("t_item", rule("certificate_current"))) == "not_met"


class TestUnresolvedN:
    def check(self, n_on: dt.date, **params):
        case = make_case(marks=term_marks(overrides={(n_on, "AM"): "N"}))
        return check_items(case, item("t_item", rule("no_unresolved_n")), **params)

    def test_an_n_within_the_five_school_day_grace_is_met_with_a_warning(self):
        # Fri 13 Nov: 16-20 Nov is 5 school days later, not more than 5.
        report = self.check(D(2026, 11, 13))
        assert result(report).status == "met"
        assert "1 N marks from the last 5 school days still need their final codes." in \
            report.warnings

    def test_an_n_six_school_days_old_is_overdue(self):
        report = self.check(D(2026, 11, 12))
        assert result(report).status == "not_met"
        assert result(report).reasons[0].startswith(
            "1 N marks are still unresolved after 5 school days: 12 Nov 2026 AM.")

    def test_the_grace_is_a_checklist_parameter(self):
        assert result(self.check(D(2026, 11, 12), n_code_grace_school_days=6)).status == "met"


class TestMedicalEvidence:
    # hundred_sessions with Mon 7 Sep absent (O): judged from 20 sessions, on Thu 17 Sep
    # attendance is 18/20 = 90%, below 95%. An I mark follows on Mon 5 Oct AM.
    def check(self, *events):
        marks = hundred_sessions({**absent([D(2026, 9, 7)]), (D(2026, 10, 5), "AM"): "I"})
        return result(check_items(make_case(marks=marks, events=events),
                                  item("t_item", rule("medical_evidence", below_pct=95))))

    def test_an_illness_mark_without_medical_evidence_is_not_met(self):
        r = self.check()
        assert r.status == "not_met"
        assert r.reasons[0].startswith("1 authorised medical absence since 17 Sep 2026 has "
                                       "no medical proof dated on or after it (I on "
                                       "5 Oct 2026 AM)")
        assert r.reasons[0].endswith("under this policy, code it O")

    def test_the_schools_own_inquiry_with_the_school_nurse_is_not_proof(self):
        # A29: consulting the school nurse is investigation (item 7), not proof.
        r = self.check(event("q1", "medical_inquiry", D(2026, 10, 5), with_=["school_nurse"],
                             outcome="Nurse saw Zoë; no concerns"))
        assert r.status == "not_met"
        assert "are not proof from the family or a health professional" in r.reasons[0]

    def test_a_gp_inquiry_with_its_outcome_on_the_day_is_proof(self):
        assert self.check(event("q1", "medical_inquiry", D(2026, 10, 5), with_=["gp"],
                                outcome="GP letter: tonsillitis")).status == "met"

    def test_a_gp_inquiry_with_no_outcome_is_not_proof(self):
        assert self.check(event("q1", "medical_inquiry", D(2026, 10, 5),
                                with_=["gp"])).status == "not_met"

    def test_a_medical_inquiry_before_the_mark_does_not(self):
        assert self.check(event("q1", "medical_inquiry", D(2026, 10, 2), with_=["gp"],
                                outcome="GP letter")).status == "not_met"

    def test_a_document_of_kind_medical_evidence_is_proof(self):
        from referral_builder.domain.model import Document
        marks = hundred_sessions({**absent([D(2026, 9, 7)]), (D(2026, 10, 5), "AM"): "I"})
        ev = letter("e1", D(2026, 10, 7), "other", direction="incoming", documents=["d1"])
        it = item("t_item", rule("medical_evidence", below_pct=95))
        for kind, status in (("medical_evidence", "met"), ("other", "not_met")):
            case = make_case(marks=marks, events=(ev,),
                             documents=(Document("d1", "evidence/d1.pdf", "Note", kind),))
            assert result(check_items(case, it)).status == status, kind

    def test_an_incoming_letter_with_medical_evidence_from_the_family_is_proof(self):
        assert self.check(letter("e1", D(2026, 10, 7), "medical_evidence",
                                 direction="incoming")).status == "met"
        # The school's own letter asking for medical evidence is not proof.
        assert self.check(letter("e1", D(2026, 10, 7), "medical_evidence")).status == "not_met"

    def test_a_contact_from_the_gp_is_proof_but_one_to_the_school_nurse_is_not(self):
        gp = event("a1", "agency_contact", D(2026, 10, 6), agency="gp", direction="incoming")
        assert self.check(gp).status == "met"
        nurse = event("a1", "agency_contact", D(2026, 10, 6), agency="school_nurse",
                      direction="incoming")
        assert self.check(nurse).status == "not_met"

    def test_before_attendance_falls_below_the_policy_has_not_started(self):
        marks = hundred_sessions({(D(2026, 10, 5), "AM"): "I"})  # 99%
        r = result(check_items(make_case(marks=marks),
                               item("t_item", rule("medical_evidence", below_pct=95))))
        assert r.status == "met"
        assert "has not started" in r.reasons[0]


class TestDidNotAttendFollowUp:
    def check(self, reinvite_to: dt.date, *, dna_letter: bool = True):
        events = [
            meeting("m1", D(2026, 10, 15), status="did_not_attend", attended=()),
            meeting("m2", reinvite_to),
            letter("e2", D(2026, 10, 15), "meeting_invite", meeting="m2"),
        ]
        if dna_letter:
            events.append(letter("e1", D(2026, 10, 15), "did_not_attend", meeting="m1"))
        return result(check_items(make_case(events=tuple(events)),
                                  item("t_item", rule("did_not_attend_followup"))))

    def test_a_dna_letter_and_a_reinvite_for_the_following_week_are_met(self):
        # Missed on Thu 15 Oct; the following week is Mon 19 - Sun 25 Oct.
        assert self.check(D(2026, 10, 22)).status == "met"
        assert self.check(D(2026, 10, 25)).status == "met"

    def test_a_reinvite_two_weeks_later_is_not_met(self):
        r = self.check(D(2026, 10, 26))
        assert r.status == "not_met"
        assert r.reasons == ("No re-invitation to a meeting in the week after 15 Oct 2026 "
                             "(the week of 19 Oct 2026) is recorded",)

    def test_a_reinvite_the_same_week_is_not_met(self):
        assert self.check(D(2026, 10, 16)).status == "not_met"

    def test_without_a_dna_letter_it_is_not_met(self):
        r = self.check(D(2026, 10, 22), dna_letter=False)
        assert r.reasons == ("No did-not-attend letter is recorded after the missed meeting "
                             "on 15 Oct 2026",)

    def test_when_every_meeting_was_attended_there_is_nothing_to_follow_up(self):
        case = make_case(events=(meeting("m1", D(2026, 10, 15)),))
        r = result(check_items(case, item("t_item", rule("did_not_attend_followup"))))
        assert (r.status, r.reasons) == ("met", ("The parents came to every meeting held (1)",))

    def test_a_rescheduled_meeting_is_not_called_attended(self):
        # Issue 13.4: the reason says what is true.
        case = make_case(events=(meeting("m1", D(2026, 10, 15), status="rescheduled",
                                         attended=None),))
        r = result(check_items(case, item("t_item", rule("did_not_attend_followup"))))
        assert (r.status, r.reasons) == ("met", ("No meeting was held, so none was missed",))


class TestSchoolDaysSince:
    def check(self, minimum: int):
        case = make_case(events=(letter("e1", D(2026, 10, 19)),))
        a = item("t_a", evidence=WRITTEN)
        b = item("t_b", rule("school_days_since", item="t_a", min_school_days=minimum),
                 number="2")
        return result(check_items(case, a, b), "t_b")

    def test_the_referral_must_be_far_enough_after_the_item(self):
        # After Mon 19 Oct: 20-23 Oct (4), half-term, 2-6 (9), 9-13 (14), 16-20 Nov (19).
        assert self.check(19).status == "met"
        r = self.check(20)
        assert r.status == "not_met"
        assert r.reasons == ("The referral is 19 school days after the item 1 evidence of "
                             "19 Oct 2026; at least 20 are needed",)


class TestReviewIntervals:
    def check(self, *review_dates: dt.date):
        events = [event("p1", "support_offer", D(2026, 9, 7), support="attendance_plan")]
        events += [event(f"r{n}", "review", d, of="p1") for n, d in enumerate(review_dates)]
        plan = item("t_plan", evidence={"types": ["support_offer"]})
        reviews = item("t_item", rule("review_intervals", min_school_days=20,
                                      max_school_days=30, from_item="t_plan"), number="2")
        return result(check_items(make_case(events=tuple(events)), plan, reviews))

    def test_a_review_twenty_school_days_after_the_plan_is_met(self):
        # After Mon 7 Sep: 8-11 (4), 14-18 (9), 21-25 (14), 28 Sep - 2 Oct (19), Mon 5 Oct (20).
        assert self.check(D(2026, 10, 5)).status == "met"

    def test_a_review_after_nineteen_school_days_is_too_soon(self):
        r = self.check(D(2026, 10, 2))
        assert r.status == "not_met"
        assert r.reasons == ("The review of 2 Oct 2026 (r0) is 19 school days after the plan "
                             "(7 Sep 2026); reviews should be 20 to 30 school days apart",)

    def test_thirty_school_days_is_the_longest_gap(self):
        # 5 Oct is day 20; 6-9 (24), 12-16 (29), Mon 19 Oct (30), Tue 20 Oct (31).
        assert self.check(D(2026, 10, 19)).status == "met"
        assert self.check(D(2026, 10, 20)).status == "not_met"

    def test_no_review_is_not_met(self):
        assert self.check().reasons == ("No review of the plan is recorded",)


class TestReturnMade:
    def check(self, absent_days, *events):
        case = make_case(marks=term_marks(overrides=absent(absent_days)), events=events)
        return result(check_items(case, item("t_item", rule("return_made"))))

    def test_no_return_is_due_after_nine_days_absent(self):
        r = self.check(days(D(2026, 10, 5), D(2026, 10, 15)))
        assert (r.status, r.reasons) == ("met", ("No attendance return has fallen due",))

    def test_ten_days_absent_make_it_due_on_the_tenth_day(self):
        ten = days(D(2026, 10, 5), D(2026, 10, 16))
        r = self.check(ten)
        assert r.status == "not_met"
        assert r.reasons == ("The attendance return fell due on 16 Oct 2026; no return to the "
                             "local authority is recorded on or after that date",)
        made = event("a1", "agency_contact", D(2026, 10, 16), agency="education_welfare")
        assert self.check(ten, made).status == "met"
        early = event("a1", "agency_contact", D(2026, 10, 15), agency="education_welfare")
        assert self.check(ten, early).status == "not_met"

    def test_half_term_neither_counts_nor_breaks_the_run(self):
        # Mon 19 - Fri 23 Oct and Mon 2 - Fri 6 Nov: 10 school days; due Fri 6 Nov.
        r = self.check(days(D(2026, 10, 19), D(2026, 11, 6)))
        assert "fell due on 6 Nov 2026" in r.reasons[0]


class TestChronology:
    def check(self, *events, **params):
        return result(check_items(make_case(events=events), item("t_item", rule("chronology")),
                                  **params))

    def test_contact_both_ways_is_met_and_lists_the_entries(self):
        r = self.check(letter("e1", D(2026, 10, 5)),
                       event("p1", "phone_call", D(2026, 10, 7), with_=["c1"],
                             direction="incoming"))
        assert r.status == "met"
        assert r.reasons == ("2 dated entries from 5 Oct 2026 to 7 Oct 2026, with contact both "
                             "to and from the parents",)
        assert r.evidence == ("e1", "p1")

    def test_only_letters_out_is_not_met(self):
        r = self.check(letter("e1", D(2026, 10, 5)))
        assert r.status == "not_met"
        assert r.reasons[0].startswith("The log has no contact from the parents")

    def test_a_meeting_the_parents_attended_is_contact_from_them(self):
        assert self.check(letter("e1", D(2026, 10, 5)),
                          meeting("m1", D(2026, 10, 15))).status == "met"

    def test_a_meeting_they_missed_is_not(self):
        assert self.check(letter("e1", D(2026, 10, 5)),
                          meeting("m1", D(2026, 10, 15), status="did_not_attend",
                                  attended=())).status == "not_met"

    def test_an_incoming_email_only_is_not_contact_to_the_parents(self):
        r = self.check(letter("e1", D(2026, 10, 5), type="email", direction="incoming"))
        assert r.reasons[0].startswith("The log has no contact made to the parents")

    def test_entries_after_the_referral_or_before_the_window_are_left_out(self):
        # Window of 3 school weeks: 2, 9 and 16 Nov. The reply on Fri 23 Oct is before it.
        r = self.check(letter("e1", D(2026, 11, 3)),
                       event("p1", "phone_call", D(2026, 10, 23), direction="incoming"),
                       event("p2", "phone_call", D(2026, 11, 23), direction="incoming"),
                       window_school_weeks=3)
        assert r.status == "not_met"
        assert r.evidence == ()

    def test_nothing_dated_is_not_met(self):
        assert self.check().reasons == ("No dated actions are recorded in the period the "
                                        "referral covers",)


def test_by_role_with_a_name_but_no_role_says_who_is_needed():
    it = item("t_item", rule("by_role", roles=["attendance_officer"]), evidence=WRITTEN)
    case = make_case(events=(letter("e1", D(2026, 10, 5), by=("Ann Ode", "")),))
    assert status(case, it) == "not_met"
    assert "does not say who sent it (needed: attendance_officer)" in reasons(case, it)


# ---- rules added for the school processes -----------------------------------------------

class TestReviewed:
    def check(self, review_on: dt.date | None):
        events = [event("p1", "support_offer", D(2026, 9, 7), support="attendance_plan")]
        if review_on:
            events.append(event("r1", "review", review_on, of="p1"))
        it = item("t_item", rule("reviewed", min_school_days=20, max_school_days=30),
                  evidence={"types": ["support_offer"]})
        return result(check_items(make_case(events=tuple(events)), it))

    def test_a_review_twenty_to_thirty_school_days_later_passes(self):
        # After Mon 7 Sep: 8-11 (4), 14-18 (9), 21-25 (14), 28 Sep - 2 Oct (19), 5 Oct (20),
        # 6-9 Oct (24), 12-16 Oct (29), Mon 19 Oct (30).
        assert self.check(D(2026, 10, 5)).status == "met"
        assert self.check(D(2026, 10, 19)).status == "met"

    def test_a_review_outside_the_bounds_fails(self):
        early = self.check(D(2026, 10, 2))
        assert early.status == "not_met"
        assert "is 19 school days after the offer of attendance plan of 7 Sep 2026 (p1)" in \
            " ".join(early.reasons)
        assert self.check(D(2026, 10, 20)).status == "not_met"  # 31

    def test_no_review_fails(self):
        assert "no review of the offer of attendance plan" in " ".join(
            self.check(None).reasons).lower()


class TestSchoolDaysBeforeReferral:
    def check(self, sent: dt.date):
        it = item("t_item", rule("school_days_before_referral", min_school_days=10),
                  evidence=WRITTEN)
        return result(check_items(make_case(events=(letter("e1", sent),)), it))

    def test_ten_school_days_before_the_referral_is_enough(self):
        # After Fri 6 Nov: 9-13 Nov (5), 16-20 Nov (10).
        assert self.check(D(2026, 11, 6)).status == "met"

    def test_days_after_the_last_mark_are_not_school_days(self):
        # Issue 14.1: a letter on Mon 1 Dec 2025, marks to Thu 18 Dec, the referral on Mon 5
        # Jan 2026. The register shows 13 school days after the letter (2-5, 8-12, 15-18 Dec);
        # the weekdays of the Christmas holiday are not school days, term dates or not.
        it = item("t_item", rule("school_days_before_referral", min_school_days=20),
                  evidence=WRITTEN)
        for calendar in (None, TestCertificateCurrent.TERMS_2025):
            case = make_case(marks=term_marks(D(2025, 9, 3), D(2025, 12, 18), holidays=()),
                             referral_date=D(2026, 1, 5), calendar=calendar,
                             events=(letter("e1", D(2025, 12, 1)),))
            r = result(check_items(case, it))
            assert r.status == "not_met"
            assert r.reasons[0].startswith(
                "The letter of 1 Dec 2025 (e1) is only 13 school days before the referral on "
                "5 Jan 2026 (the register's marks end on 18 Dec 2025; days after them are not "
                "counted as school days); at least 20 are needed")

    def test_nine_is_not_and_the_reason_says_when_it_would_be(self):
        # Mon 9 Nov + 10 school days: 10-13 (4), 16-20 (9), then Mon 23 Nov (10).
        r = self.check(D(2026, 11, 9))
        assert r.status == "not_met"
        text = " ".join(r.reasons)
        assert "is only 9 school days before the referral on 20 Nov 2026" in text
        assert "23 Nov 2026" in text


class TestConsentRequested:
    def test_a_medical_inquiry_must_record_that_consent_was_asked_for(self):
        it = item("t_item", rule("consent_requested"), evidence={"types": ["medical_inquiry"]})
        asked = make_case(events=(event("q1", "medical_inquiry", D(2026, 10, 5),
                                        consent_requested=True),))
        not_asked = make_case(events=(event("q1", "medical_inquiry", D(2026, 10, 5)),))
        assert status(asked, it) == "met"
        assert status(not_asked, it) == "not_met"
        assert "does not record that consent was requested" in reasons(not_asked, it)


class TestFirstDayContact:
    # Absences: Mon 5 - Tue 6 Oct (O, one spell starting 5 Oct) and Thu 15 Oct AM (I).
    MARKS = term_marks(overrides={**absent([D(2026, 10, 5), D(2026, 10, 6)]),
                                  (D(2026, 10, 15), "AM"): "I"})

    def check(self, *calls: dt.date, **params):
        events = tuple(event(f"p{n}", "phone_call", d, with_=["c1"])
                       for n, d in enumerate(calls))
        return result(check_items(make_case(marks=self.MARKS, events=events),
                                  item("t_item", rule("first_day_contact", **params))))

    def test_a_call_on_the_first_day_of_every_absence_is_met(self):
        r = self.check(D(2026, 10, 5), D(2026, 10, 15))
        assert r.status == "met"
        assert "each of the 2 absences" in r.reasons[0]

    def test_a_call_on_the_second_day_does_not_count(self):
        r = self.check(D(2026, 10, 6), D(2026, 10, 15))
        assert r.status == "not_met"
        assert "on the first day of 1 of the 2 absences this school year: 5 Oct 2026" in \
            r.reasons[0]

    def test_the_codes_parameter_narrows_what_counts_as_absence(self):
        assert self.check(D(2026, 10, 5), codes=["O"]).status == "met"

    def test_half_term_does_not_split_an_absence(self):
        # Absent Fri 23 Oct and Mon 2 Nov: one spell, first day 23 Oct.
        marks = term_marks(overrides=absent([D(2026, 10, 23), D(2026, 11, 2)]))
        case = make_case(marks=marks, events=(event("p1", "phone_call", D(2026, 10, 23)),))
        assert result(check_items(case, item("t_item", rule("first_day_contact")))
                      ).status == "met"


def test_a_reinvite_for_the_monday_of_the_following_week_counts():
    # Missed on Thu 15 Oct; Mon 19 Oct is the first day of the following week.
    case = make_case(events=(
        meeting("m1", D(2026, 10, 15), status="did_not_attend", attended=()),
        meeting("m2", D(2026, 10, 19)),
        letter("e1", D(2026, 10, 15), "did_not_attend", meeting="m1"),
        letter("e2", D(2026, 10, 15), "meeting_invite", meeting="m2")))
    assert status(case, item("t_item", rule("did_not_attend_followup"))) == "met"


def test_chronology_counts_an_entry_on_the_referral_date():
    case = make_case(events=(letter("e1", D(2026, 11, 20)),
                             event("p1", "phone_call", D(2026, 11, 20), direction="incoming")))
    assert status(case, item("t_item", rule("chronology"))) == "met"
