"""The planner (issue 15): dated next steps, verified by running the engine on them.

The story: Zoë Smith's autumn term 2026 starts Thu 3 Sep, half-term is 26-30 Oct, and her
register runs to the date the plan is made. Tiny one-item checklists pin each date rule at
its boundary; the Walsall checklist checks the whole plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from referral_builder.checklists import get_checklist
from referral_builder.domain.engine import check
from referral_builder.domain.model import Declaration
from referral_builder.domain.planner import plan, simulate
from tests.builders import (
    D,
    absent,
    checklist,
    drop,
    event,
    item,
    letter,
    make_case,
    meeting,
    ready_case,
    rule,
    term_marks,
)

INVITE = item("t_invite", rule("min_notice", days=7),
              evidence={"types": ["letter", "email"], "purposes": ["meeting_invite"]},
              require="each_carer", missing="Invite the parents to a meeting in writing.")
WALSALL = [get_checklist("walsall")]


def invite_case(as_of: dt.date, *events, **changes):
    """Zoë's case with the register to `as_of` and the given events."""
    return make_case(marks=term_marks(end=as_of), events=tuple(events), **changes)


def steps_of(p, item_id):
    return [s for s in p.next_steps if s.item == item_id and s.kind == "event"]


def ready_on(case, p, checklists, on=None):
    """Record the plan's steps (on their `by` dates unless `on` says) and check the date."""
    return check(simulate(case, p.next_steps, on), checklists, p.earliest_referral_date).ready


# ---- notice before a meeting: the 7th and the 6th day --------------------------------------

def test_a_booked_meeting_seven_days_ahead_takes_an_invitation_sent_today():
    booked = meeting("m2", D(2026, 11, 27), time="09:30", status=None, attended=None)
    case = invite_case(D(2026, 11, 20), booked)
    p = plan(case, [checklist(INVITE)], D(2026, 11, 20))
    invites = steps_of(p, "t_invite")
    assert [(s.carers, s.meeting, s.by) for s in invites] == [
        (("c1",), "m2", D(2026, 11, 20)), (("c2",), "m2", D(2026, 11, 20))]
    assert "send it" not in invites[0].why and "27 Nov 2026 needs 7 days' notice" in invites[0].why
    assert p.earliest_referral_date == D(2026, 11, 27)  # the meeting is held first


def test_six_days_before_the_booked_meeting_a_new_meeting_is_planned():
    booked = meeting("m2", D(2026, 11, 27), time="09:30", status=None, attended=None)
    case = invite_case(D(2026, 11, 21), booked)  # Sat 21 Nov: 6 days before Fri 27 Nov
    p = plan(case, [checklist(INVITE)], D(2026, 11, 21))
    new = [s for s in p.next_steps if s.kind == "meeting"]
    # Sat 21 + 7 = Sat 28 Nov, so the first weekday is Mon 30 Nov; invitations by Mon 23 Nov.
    assert [(s.not_before, s.by) for s in new] == [(D(2026, 11, 30), D(2026, 11, 30))]
    invites = steps_of(p, "t_invite")
    assert {s.meeting for s in invites} == {new[0].id}
    assert {(s.not_before, s.by) for s in invites} == {(D(2026, 11, 21), D(2026, 11, 23))}
    assert "send it by 23 Nov 2026 for the meeting on 30 Nov 2026 (7 days' notice)" in \
        invites[0].why
    assert ready_on(case, p, [checklist(INVITE)])


def test_an_invitation_sent_one_day_after_its_by_date_fails_the_check():
    case = invite_case(D(2026, 11, 21))
    p = plan(case, [checklist(INVITE)], D(2026, 11, 21))
    late = {s.id: s.by + dt.timedelta(days=1) for s in p.next_steps if s.item == "t_invite"
            and s.kind == "event"}
    assert ready_on(case, p, [checklist(INVITE)])
    assert not ready_on(case, p, [checklist(INVITE)], late)


def test_a_meeting_moved_at_the_parents_request_needs_a_new_invitation_with_full_notice():
    old = meeting("m1", D(2026, 11, 18), time="09:30", status="rescheduled", attended=None)
    new = meeting("m2", D(2026, 11, 25), time="15:30", status=None, attended=None)
    first = letter("e1", D(2026, 11, 9), "meeting_invite", meeting="m1")
    case = invite_case(D(2026, 11, 17), first, old, new)
    p = plan(case, [checklist(INVITE)], D(2026, 11, 17))
    invites = steps_of(p, "t_invite")
    assert {(s.meeting, s.by) for s in invites} == {("m2", D(2026, 11, 18))}
    assert p.earliest_referral_date == D(2026, 11, 25)
    assert ready_on(case, p, [checklist(INVITE)])


# ---- carers -------------------------------------------------------------------------------

def test_a_carer_with_a_contact_restriction_is_owed_nothing_and_the_plan_says_why():
    jane, lukasz = make_case().carers
    restricted = replace(lukasz, contact_restriction="non-molestation order")
    case = invite_case(D(2026, 11, 20), carers=(jane, restricted))
    p = plan(case, [checklist(INVITE)], D(2026, 11, 20))
    assert {s.carers for s in steps_of(p, "t_invite")} == {("c1",)}
    assert any("Łukasz Nowak (c2)" in n and "non-molestation order" in n for n in p.notes)
    assert ready_on(case, p, [checklist(INVITE)])


# ---- school days: a half term inside the window, and a gap in school days ----------------

def test_a_gap_in_school_days_skips_the_half_term():
    first = item("t_first", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
    second = item("t_second", rule("after_item", item="t_first", gap_school_days=5),
                  evidence={"types": ["letter"], "purposes": ["continued_concern"]})
    half_term = [D(2026, 10, 26) + dt.timedelta(days=n) for n in range(5)]
    case = invite_case(D(2026, 10, 21))
    p = plan(case, [checklist(first, second)], D(2026, 10, 21), closures=half_term)
    (later,) = steps_of(p, "t_second")
    # Wed 21 Oct + 5 school days: Thu 22, Fri 23, (half-term), Mon 2, Tue 3, Wed 4 Nov.
    assert later.not_before == D(2026, 11, 4)
    assert p.earliest_referral_date == D(2026, 11, 4)
    assert ready_on(case, p, [checklist(first, second)])


def test_without_term_dates_the_half_term_weekdays_count_and_the_plan_says_so():
    first = item("t_first", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
    second = item("t_second", rule("after_item", item="t_first", gap_school_days=5),
                  evidence={"types": ["letter"], "purposes": ["continued_concern"]})
    p = plan(invite_case(D(2026, 10, 21)), [checklist(first, second)], D(2026, 10, 21))
    assert steps_of(p, "t_second")[0].not_before == D(2026, 10, 28)
    assert any("No term dates" in n for n in p.notes)


def test_evidence_leaves_the_window_a_week_later_when_a_half_term_falls_inside_it():
    case = ready_case()  # Walsall: 12 school weeks; half-term 26-30 Oct is in the register
    p = plan(case, WALSALL, D(2026, 11, 20))
    assert p.ready_now
    concern = next(x for x in p.expiring if x.event == "e1")  # the letter of Mon 21 Sep
    # Twelve school weeks from the week of 21 Sep, skipping half-term, end on Sun 20 Dec:
    # a referral from Mon 21 Dec no longer counts it (11 weeks + half-term = 13 weeks on).
    assert (concern.expires, concern.refer_by) == (D(2026, 12, 21), D(2026, 12, 18))
    assert "leaves the 12-school-week window on 21 Dec 2026: refer by 18 Dec 2026" in \
        concern.text


def test_evidence_leaving_the_window_before_the_planned_referral_is_listed():
    # On Fri 18 Dec the invitations are still to send, so the meeting falls after Christmas
    # (Mon 4 Jan 2027); by then the concern letter of Mon 21 Sep has left the 12 school
    # weeks, so the plan lists it as expiring.
    christmas = [D(2026, 12, 21) + dt.timedelta(days=n) for n in range(14)]
    off = absent([D(2026, 9, 14), D(2026, 9, 15), D(2026, 10, 5), D(2026, 10, 6),
                  D(2026, 10, 7), D(2026, 11, 9), D(2026, 11, 10)], "O")
    case = ready_case(events=drop(ready_case().events, "e3", "e3b", "e7", "e7b"),
                      marks=term_marks(end=D(2026, 12, 18), overrides=off))
    p = plan(case, WALSALL, D(2026, 12, 18), closures=christmas)
    assert p.earliest_referral_date == D(2027, 1, 4)
    (old,) = [x for x in p.expiring if x.event == "e1"]
    # The Christmas weeks are not school weeks: it still counts for a referral on Thu 31 Dec,
    # and the last school day to refer with it is Fri 18 Dec.
    assert (old.expires, old.refer_by) == (D(2027, 1, 4), D(2026, 12, 18))
    # Item 1 still holds on 4 Jan through the continued-concern letter of 2 Nov (e6), which
    # also sets out support, so no fresh letter is planned.
    assert steps_of(p, "wal_letters_attendance_concern") == []
    report = check(simulate(case, p.next_steps), WALSALL, p.earliest_referral_date)
    concern = next(i for i in report.items if i.id == "wal_letters_attendance_concern")
    assert (concern.status, concern.evidence) == ("met", ("e6",))
    assert report.ready


# ---- the referral date --------------------------------------------------------------------

def test_a_referral_date_in_the_holidays_moves_to_the_first_school_day():
    christmas = [D(2026, 12, 21) + dt.timedelta(days=n) for n in range(14)]
    case = ready_case(declaration=Declaration())
    case = replace(case, marks=term_marks(end=D(2026, 12, 18)))
    case = replace(case, marks=tuple(m for m in ready_case().marks)
                   + tuple(m for m in term_marks(D(2026, 11, 23), D(2026, 12, 18))))
    p = plan(case, WALSALL, D(2026, 12, 22), closures=christmas)
    assert p.earliest_referral_date == D(2027, 1, 4)  # Mon 4 Jan 2027
    steps = {s.kind for s in p.next_steps}
    assert "declaration" in steps
    assert ready_on(case, p, WALSALL)


def test_a_case_needing_only_the_confirmation_can_be_referred_today():
    case = ready_case(declaration=Declaration())
    p = plan(case, WALSALL, D(2026, 11, 20))
    assert [s.kind for s in p.next_steps] == ["declaration"]
    assert p.earliest_referral_date == D(2026, 11, 20)
    assert ready_on(case, p, WALSALL)


def test_a_rule_about_the_register_blocks_the_plan_with_its_figures():
    below = item("t_below", rule("attendance_below", pct=90))
    case = invite_case(D(2026, 11, 20))  # full attendance
    p = plan(case, [checklist(below)], D(2026, 11, 20))
    assert p.earliest_referral_date is None
    assert any("depends on the register" in b and "100.0%" in b for b in p.blocked)


# ---- where the pupil stands, and national duties ------------------------------------------

def test_the_stage_stands_since_the_day_attendance_fell_below_it():
    stage = item("t_stage", rule("stage_reached", below_pct=95))
    off = absent([D(2026, 9, 21), D(2026, 9, 22)], "O")
    case = make_case(marks=term_marks(overrides=off))
    p = plan(case, [checklist(stage)], D(2026, 11, 20))
    (s,) = [x for x in p.stands if x.item == "t_stage"]
    # 3 Sep to 21 Sep: 13 school days, 24 of 26 sessions = 92.3%, below 95% that day.
    assert (s.met, s.since) == (True, D(2026, 9, 21))


def test_the_penalty_threshold_is_reached_on_the_day_of_the_tenth_session():
    off = absent([D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7), D(2026, 10, 8)], "O")
    off |= {(D(2026, 10, 9), "AM"): "G", (D(2026, 10, 9), "PM"): "G"}
    case = make_case(marks=term_marks(overrides=off))
    p = plan(case, WALSALL, D(2026, 11, 20))
    duties = {d.rule: d for d in p.duties}
    assert duties["NR-09"].due == D(2026, 10, 9)  # sessions 9 and 10 on Fri 9 Oct
    nine = make_case(marks=term_marks(overrides={
        k: v for k, v in off.items() if k != (D(2026, 10, 9), "PM")}))
    assert "NR-09" not in {d.rule for d in plan(nine, WALSALL, D(2026, 11, 20)).duties}


def test_ten_school_days_of_unauthorised_absence_make_the_attendance_return_due():
    days = [D(2026, 10, 12) + dt.timedelta(days=n) for n in range(12) if
            (D(2026, 10, 12) + dt.timedelta(days=n)).weekday() < 5]  # Mon 12 to Fri 23 Oct
    case = make_case(marks=term_marks(overrides=absent(days, "O")))
    duties = [d for d in plan(case, WALSALL, D(2026, 11, 20)).duties if d.rule == "NR-13"]
    assert [(d.due, d.done) for d in duties] == [(D(2026, 10, 23), False)]
    made = event("r1", "referral", D(2026, 10, 26), agency="education_welfare",
                 service="attendance return")
    duties = [d for d in plan(replace(case, events=(made,)), WALSALL, D(2026, 11, 20)).duties
              if d.rule == "NR-13"]
    assert [d.done for d in duties] == [True]


def test_fifteen_school_days_of_illness_make_the_sickness_return_due():
    days = [d for d in (D(2026, 9, 14) + dt.timedelta(days=n) for n in range(21))
            if d.weekday() < 5]  # Mon 14 Sep to Fri 2 Oct: 15 school days
    case = make_case(marks=term_marks(overrides=absent(days, "I")))
    duties = [d for d in plan(case, WALSALL, D(2026, 11, 20)).duties if d.rule == "NR-14"]
    assert [d.due for d in duties] == [D(2026, 10, 2)]


def test_a_third_penalty_notice_in_three_years_is_blocked():
    notices = (event("p1", "penalty_notice", D(2024, 10, 1), to=["c1"], status="paid"),
               event("p2", "penalty_notice", D(2025, 10, 1), to=["c1"], status="paid"),
               event("p3", "penalty_notice", D(2025, 11, 1), to=["c2"], status="withdrawn"))
    p = plan(make_case(events=notices), WALSALL, D(2026, 11, 20))
    blocked = [d for d in p.duties if d.rule == "NR-10"]
    assert len(blocked) == 1 and "Jane Smith" in blocked[0].text
    older = (replace(notices[0], date=D(2023, 11, 19)), *notices[1:])
    assert not [d for d in plan(make_case(events=older), WALSALL, D(2026, 11, 20)).duties
                if d.rule == "NR-10"]


def test_a_record_that_lapses_before_the_planned_referral_is_planned_afresh():
    # A two-school-week window: the concern letter of Mon 9 Nov counts on Fri 20 Nov but not
    # from Mon 23 Nov, and the meeting cannot be before Fri 27 Nov (7 days' notice).
    concern = item("t_concern", rule("in_window"),
                   evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
    invite = replace(INVITE, rules=(rule("in_window"), *INVITE.rules))
    short = checklist(concern, invite, window_school_weeks=2)
    case = invite_case(D(2026, 11, 20), letter("e1", D(2026, 11, 9), "attendance_concern"))
    p = plan(case, [short], D(2026, 11, 20))
    assert p.earliest_referral_date == D(2026, 11, 27)
    assert [(x.event, x.expires, x.refer_by) for x in p.expiring] == [
        ("e1", D(2026, 11, 23), D(2026, 11, 20))]
    (fresh,) = steps_of(p, "t_concern")
    assert fresh.carers == ("c1", "c2") and fresh.by == D(2026, 11, 27)
    assert ready_on(case, p, [short])
    without = [s for s in p.next_steps if s.id != fresh.id]
    assert not check(simulate(case, without), [short], p.earliest_referral_date).ready


# ---- rule types added by issue 13: a paper of a named kind, reviews, penalty notices -------

FORM = item("t_form", rule("document_of_kind", kinds=["referral_form"]),
            missing="Attach the completed referral form.")


def test_a_document_of_a_named_kind_is_planned_as_attaching_that_paper():
    case = invite_case(D(2026, 11, 20))
    p = plan(case, [checklist(FORM)], D(2026, 11, 20))
    (step,) = [s for s in p.next_steps if s.item == "t_form"]
    assert step.document is not None and step.document.kind == "referral_form"
    assert step.event is not None and step.event.documents == (step.document.id,)
    assert "Attach the completed referral form" in step.action
    assert p.earliest_referral_date == D(2026, 11, 20) and ready_on(case, p, [checklist(FORM)])


LETTER_1 = item("t_letter_1", evidence={"types": ["letter"], "purposes": ["warning"]},
                missing="Send Letter 1.")
FIRST_REVIEW = item("t_review", rule("review_of_item", item="t_letter_1", min_school_days=10,
                                     improved=False),
                    evidence={"types": ["review"]}, missing="Review Letter 1.")


def test_the_review_of_a_letter_names_it_comes_ten_school_days_later_and_records_no_improvement():
    # Letter 1 on Mon 2 Nov 2026; 10 school days later is Mon 16 Nov.
    case = invite_case(D(2026, 11, 6), letter("l1", D(2026, 11, 2), "warning"))
    lists = [checklist(LETTER_1, FIRST_REVIEW)]
    p = plan(case, lists, D(2026, 11, 6))
    (step,) = steps_of(p, "t_review")
    assert step.event is not None and (step.event.of, step.event.improved) == ("l1", False)
    assert step.not_before == D(2026, 11, 16)
    assert "has not improved" in step.why
    assert ready_on(case, p, lists)
    assert not ready_on(case, p, lists, {step.id: D(2026, 11, 13)})  # 9 school days: too soon


def test_the_review_of_a_planned_letter_names_the_planned_letter():
    case = invite_case(D(2026, 11, 2))
    lists = [checklist(LETTER_1, FIRST_REVIEW)]
    p = plan(case, lists, D(2026, 11, 2))
    (sent,) = steps_of(p, "t_letter_1")
    (review,) = steps_of(p, "t_review")
    assert review.event is not None and review.event.of == sent.id
    assert sent.event is not None and sent.event.evidence_for == ("t_letter_1",)
    assert review.not_before == D(2026, 11, 16) and ready_on(case, p, lists)


NOTICE = item("t_notice", rule("notice_lawful", sessions=10, school_weeks=10),
              evidence={"types": ["penalty_notice"]}, missing="Record the penalty notice.")


def test_a_penalty_notice_issued_too_early_is_replanned_once_the_threshold_is_reached():
    # Zoë misses Mon 9 to Fri 13 Nov 2026 (O): the 10th session is Fri 13 Nov PM. The notice of
    # Mon 2 Nov came before it and absences after it cannot justify it (A30). Planned on
    # Wed 11 Nov, nothing the school does can make a notice lawful yet; on Fri 20 Nov a new
    # notice can be issued that day.
    days = [D(2026, 11, 9) + dt.timedelta(days=n) for n in range(5)]
    case = make_case(marks=term_marks(end=D(2026, 11, 20), overrides=absent(days, "O")),
                     events=(event("pn", "penalty_notice", D(2026, 11, 2), to=["c1", "c2"]),))
    early = plan(case, [checklist(NOTICE)], D(2026, 11, 11))
    assert early.earliest_referral_date is None
    assert any("t_notice" in b and "absences after a notice cannot justify it" in b
               for b in early.blocked)
    p = plan(case, [checklist(NOTICE)], D(2026, 11, 20))
    (step,) = steps_of(p, "t_notice")
    assert (step.not_before, step.by) == (D(2026, 11, 20), D(2026, 11, 20))
    assert ready_on(case, p, [checklist(NOTICE)])


def test_a_penalty_notice_with_the_threshold_never_reached_is_blocked_with_the_reason():
    case = invite_case(D(2026, 11, 20))
    p = plan(case, [checklist(NOTICE)], D(2026, 11, 20))
    assert p.earliest_referral_date is None
    assert any("t_notice" in b and "can only be issued once the register shows 10" in b
               for b in p.blocked)


AFTER_MEETING = item("t_after", rule("after_meeting"),
                     evidence={"types": ["letter"], "purposes": ["meeting_outcome"]},
                     missing="Send the letter after the meeting.")


def test_a_letter_after_a_rescheduled_meeting_follows_the_meeting_actually_held():
    # The meeting of Mon 9 Nov 2026 was moved to Thu 12 Nov (m2 replaces m1).
    moved = meeting("m1", D(2026, 11, 9), status="rescheduled", attended=None)
    held = meeting("m2", D(2026, 11, 12), status="held", attended=["c1"], replaces="m1")
    case = invite_case(D(2026, 11, 16), moved, held)
    p = plan(case, [checklist(AFTER_MEETING)], D(2026, 11, 16))
    (step,) = steps_of(p, "t_after")
    assert step.meeting == "m2" and ready_on(case, p, [checklist(AFTER_MEETING)])
