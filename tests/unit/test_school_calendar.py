"""The school's term dates (`calendar`): read and written, and used by the planner."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from referral_builder.schemas.case import dump_case, load_case

from referral_builder.checklists import get_checklist
from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import Declaration, SchoolCalendar, Term
from referral_builder.domain.planner import plan
from tests.builders import D, checklist, item, make_case, ready_case, rule, term_marks

WALSALL = [get_checklist("walsall")]
#: Autumn 2026 (half-term 26-30 Oct) and spring 2027 (from Tue 5 Jan, Mon 4 Jan an INSET-free
#: holiday day).
YEAR = SchoolCalendar(terms=(Term(D(2026, 9, 3), D(2026, 10, 23)),
                             Term(D(2026, 11, 2), D(2026, 12, 18)),
                             Term(D(2027, 1, 5), D(2027, 2, 12))))
FIRST = item("t_first", evidence={"types": ["letter"], "purposes": ["attendance_concern"]})
SECOND = item("t_second", rule("after_item", item="t_first", gap_school_days=5),
              evidence={"types": ["letter"], "purposes": ["continued_concern"]})


def as_json(case):
    return json.loads(json.dumps(dump_case(case)))


# ---- the case format ----------------------------------------------------------------------

def test_a_calendar_reads_back_equal():
    case = make_case(calendar=replace(YEAR, closures=(D(2027, 1, 29),)))
    data = as_json(case)
    assert data["calendar"]["terms"][2] == {"from": "2027-01-05", "to": "2027-02-12"}
    assert data["calendar"]["closures"] == ["2027-01-29"]
    assert load_case(data).case == case


def test_a_case_without_a_calendar_is_written_and_read_as_before():
    data = as_json(make_case())
    assert "calendar" not in data
    assert load_case(data).case.calendar is None


@pytest.mark.parametrize(("calendar", "path", "message"), [
    ({"terms": [{"from": "2026-09-03", "to": "2026-10-23"},
                {"from": "2027-01-05", "to": "2027-01-04"}]},
     "calendar.terms[1].to", "2027-01-04 is before its from (2027-01-05)"),
    ({"terms": [{"from": "2026-09-03"}]}, "calendar.terms[0].to", "is required"),
    ({"terms": [{"from": "3/9/2026", "to": "2026-10-23"}]}, "calendar.terms[0].from",
     "is not a date"),
    ({"terms": [], "closures": ["2027-01-29", "29/01/2027"]}, "calendar.closures[1]",
     "is not a date"),
    ({"terms": [], "holidays": []}, "calendar.holidays", "is not a field of referral-case/1"),
    ({"terms": [{"from": "2026-09-03", "to": "2026-12-18"},
                {"from": "2026-11-02", "to": "2026-12-18"}]}, "calendar.terms",
     "overlaps the term 2026-09-03 to 2026-12-18"),
    ("autumn", "calendar", "must be an object"),
])
def test_a_wrong_calendar_is_refused_naming_the_field(calendar, path, message):
    data = as_json(make_case())
    data["calendar"] = calendar
    with pytest.raises(InvalidCase) as info:
        load_case(data)
    found = info.value.problems
    assert any(p == path and message in m for p, m in found), found


# ---- the planner --------------------------------------------------------------------------

def test_a_plan_that_would_land_in_the_christmas_holidays_moves_to_the_spring_term():
    case = ready_case(declaration=Declaration())
    case = replace(case, marks=tuple(ready_case().marks)
                   + tuple(term_marks(D(2026, 11, 23), D(2026, 12, 18))))
    without = plan(case, WALSALL, D(2026, 12, 22))
    assert without.earliest_referral_date == D(2026, 12, 29)  # in the Christmas holidays
    p = plan(replace(case, calendar=YEAR), WALSALL, D(2026, 12, 22))
    assert p.earliest_referral_date == D(2027, 1, 5)  # Tue 5 Jan: the first day of spring
    assert not any("No term dates" in n for n in p.notes)


def test_an_inset_day_inside_a_term_is_skipped():
    case = make_case(marks=term_marks(end=D(2026, 10, 21)),
                     calendar=replace(YEAR, closures=(D(2026, 11, 2),)))
    p = plan(case, [checklist(FIRST, SECOND)], D(2026, 10, 21))
    (later,) = [s for s in p.next_steps if s.item == "t_second" and s.kind == "event"]
    # Wed 21 Oct + 5 school days: Thu 22, Fri 23, (half-term), (INSET Mon 2), Tue 3, Wed 4,
    # Thu 5 Nov.
    assert later.not_before == D(2026, 11, 5)


def test_the_register_wins_over_the_calendar_where_both_exist():
    # The calendar knows only the second half of the autumn term, but the register has the
    # pupil's marks up to Fri 23 Oct: those days are school days as the register says.
    case = make_case(marks=term_marks(end=D(2026, 10, 23)),
                     calendar=SchoolCalendar(terms=(Term(D(2026, 11, 2), D(2026, 12, 18)),)))
    p = plan(case, [checklist(FIRST, SECOND)], D(2026, 10, 23))
    (first,) = [s for s in p.next_steps if s.item == "t_first" and s.kind == "event"]
    (later,) = [s for s in p.next_steps if s.item == "t_second" and s.kind == "event"]
    assert first.not_before == D(2026, 10, 23)
    assert later.not_before == D(2026, 11, 6)  # Mon 2 to Fri 6 Nov
    assert p.stands == plan(replace(case, calendar=None), [checklist(FIRST, SECOND)],
                                       D(2026, 10, 23)).stands


def test_without_a_calendar_the_plan_says_weekdays_were_assumed():
    case = make_case(marks=term_marks(end=D(2026, 10, 21)))
    p = plan(case, [checklist(FIRST, SECOND)], D(2026, 10, 21))
    (later,) = [s for s in p.next_steps if s.item == "t_second" and s.kind == "event"]
    assert later.not_before == D(2026, 10, 28)  # half-term weekdays counted
    assert any("No term dates were given: every weekday ahead is taken as a school day" in n
               for n in p.notes)


def test_past_the_last_term_entered_weekdays_stand_in_and_the_plan_says_so():
    case = make_case(marks=term_marks(end=D(2026, 10, 21)),
                     calendar=SchoolCalendar(terms=(Term(D(2026, 9, 3), D(2026, 10, 23)),)))
    p = plan(case, [checklist(FIRST, SECOND)], D(2026, 10, 21))
    (later,) = [s for s in p.next_steps if s.item == "t_second" and s.kind == "event"]
    assert later.not_before == D(2026, 10, 28)
    assert any("The term dates end on 23 Oct 2026" in n for n in p.notes)
