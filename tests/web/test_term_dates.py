"""The school's term dates (issue 15): entered by its DSL, errors naming the line, used by the
plans of the school's cases (task list, caseload, calendar feed) and written on export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import icalendar
import pytest

from referral_builder.services import cases
from referral_builder.storage.models import CaseRecord, SchoolCalendarRecord
from referral_builder.web import planning
from tests.web.conftest import Client

DSL = "dsl@school.example"
URL = "/school/term-dates"
TERMS = "3/9/2026 to 23/10/2026\n2/11/2026 to 18/12/2026\n2027-01-05 to 2027-02-12"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def stored(app):  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return [(r.school_id, json.loads(r.calendar)) for r in s.query(SchoolCalendarRecord)]


def test_the_dsl_enters_terms_and_closure_days_and_sees_them_again(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    page = dsl.get(URL).get_data(as_text=True)
    assert "Term dates" in page and 'name="terms"' in page
    r = dsl.post(URL, {"terms": TERMS, "closures": "29/1/2027\n"})
    assert r.status_code == 302
    ((school, calendar),) = stored(app)
    assert school == 1
    assert calendar == {"terms": [{"from": "2026-09-03", "to": "2026-10-23"},
                                  {"from": "2026-11-02", "to": "2026-12-18"},
                                  {"from": "2027-01-05", "to": "2027-02-12"}],
                        "closures": ["2027-01-29"]}
    page = dsl.get(URL).get_data(as_text=True)
    assert "05/01/2027 to 12/02/2027" in page and "29/01/2027" in page


@pytest.mark.parametrize(("terms", "closures", "message"), [
    ("3/9/2026 to 23/10/2026\n12/2/2027 to 5/1/2027", "",
     "Terms, line 2: the last day, 5 Jan 2027, is before the first day, 12 Feb 2027"),
    ("3/9/2026 to 23/10/2026\nautumn two", "", "Terms, line 2: enter a term as its first"),
    ("3/9/2026 to 31/9/2026", "", "Terms, line 1: “3/9/2026 to 31/9/2026” has a date that"),
    ("3/9/2026 to 18/12/2026\n2/11/2026 to 18/12/2026", "",
     "Terms, line 2: the term 2 Nov 2026 to 18 Dec 2026 overlaps the term on line 1"),
    (TERMS, "29/1/2027\n\nINSET", "Closure days, line 3: enter one date a line"),
    ("", "29/1/2027", "Enter at least one term"),
])
def test_a_wrong_line_is_named_and_nothing_is_saved(app, dsl: Client, terms: str,  # type: ignore[no-untyped-def]
                                                     closures: str, message: str) -> None:
    r = dsl.post(URL, {"terms": terms, "closures": closures})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "There is a problem" in page
    assert message in page, page
    assert "govuk-textarea--error" in page and page.count(message) == 2  # summary and field
    assert stored(app) == []


def test_only_the_schools_own_users_see_and_change_its_term_dates(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    client.post(URL, {"terms": TERMS, "closures": ""})
    other = Client(app)
    other.sign_in("b@other.example")
    assert "12/02/2027" not in other.get(URL).get_data(as_text=True)
    other.post(URL, {"terms": "1/9/2026 to 20/12/2026", "closures": ""})
    schools = dict(stored(app))
    assert len(schools) == 2 and len({json.dumps(c) for c in schools.values()}) == 2
    assert "05/01/2027" in client.get(URL).get_data(as_text=True)  # school A's own kept
    officer = Client(app)
    officer.sign_in("officer@walsall.example")
    assert officer.get(URL).status_code == 403
    assert Client(app).get(URL).status_code == 302  # anonymous: to sign in


def _plan_as_of(app, today: dt.date):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        from referral_builder.web import database

        view = cases.CaseView(database.session().get(CaseRecord, 1))
        return planning.case_plan(view, today)


def test_the_plans_of_the_schools_cases_skip_the_holidays(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    before = _plan_as_of(app, dt.date(2026, 12, 18))
    assert before.earliest_referral_date == dt.date(2026, 12, 25)  # Christmas Day
    assert any("No term dates were given" in n for n in before.notes)
    dsl.post(URL, {"terms": TERMS, "closures": "5/1/2027"})
    after = _plan_as_of(app, dt.date(2026, 12, 18))
    assert not any("No term dates were given" in n for n in after.notes)
    dates = [s.by for s in after.next_steps if s.kind in ("meeting", "register")]
    if after.earliest_referral_date:
        dates.append(after.earliest_referral_date)
    assert dates
    holidays = {dt.date(2026, 12, 19) + dt.timedelta(days=n) for n in range(18)}  # to 5 Jan
    assert not [d for d in dates if d in holidays], dates


def test_the_feed_and_the_caseload_use_the_term_dates(dsl: Client) -> None:
    today = dt.date.today()
    # Closed from tomorrow for four weeks: no due date of a step lands there.
    spring, end = today + dt.timedelta(days=29), today + dt.timedelta(days=200)
    terms = (f"{today - dt.timedelta(days=120):%d/%m/%Y} to {today:%d/%m/%Y}\n"
             f"{spring:%d/%m/%Y} to {end:%d/%m/%Y}")
    assert dsl.post(URL, {"terms": terms, "closures": ""}).status_code == 302
    page = dsl.post("/caseload/calendar", data={"action": "new"}).get_data(as_text=True)
    m = re.search(r'<code id="feed-url">https?://localhost(/calendar/[^<]+\.ics)</code>', page)
    assert m, page
    feed = Client(dsl.c.application).get(m.group(1))
    events = list(icalendar.Calendar.from_ical(feed.data).walk("VEVENT"))
    assert events
    closed = {today + dt.timedelta(days=n) for n in range(1, 29)}
    referral = [e.decoded("DTSTART") for e in events if "earliest referral" in str(e["SUMMARY"])]
    assert referral and not set(referral) & closed
    assert dsl.get("/caseload").status_code == 200


def test_the_export_carries_the_schools_term_dates(dsl: Client) -> None:
    dsl.post(URL, {"terms": TERMS, "closures": "29/1/2027"})
    r = dsl.get("/cases/1/export")
    assert r.status_code == 200
    case = json.loads(zipfile.ZipFile(io.BytesIO(r.data)).read("case.json"))
    assert case["calendar"]["terms"][2] == {"from": "2027-01-05", "to": "2027-02-12"}
    assert case["calendar"]["closures"] == ["2027-01-29"]
