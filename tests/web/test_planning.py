"""The plan in the web app (issue 15): the next step on the task list, the caseload, drafting a
letter from a step, and the calendar feed behind a secret, revocable address."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest

from referral_builder.web import planning
from tests.web.conftest import Client

DSL = "dsl@school.example"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def feed_url(client: Client) -> str:
    page = client.post("/caseload/calendar", data={"action": "new"}).get_data(as_text=True)
    m = re.search(r'<code id="feed-url">https?://localhost(/calendar/[^<]+\.ics)</code>', page)
    assert m, page
    return m.group(1)


def test_the_task_list_shows_the_next_step_and_its_date_first(dsl: Client) -> None:
    page = dsl.get("/cases/1").get_data(as_text=True)
    box = page.split('id="next-step"', 1)[1].split("</div>", 1)[0]
    assert "Next step" in box and re.search(r"By \d{1,2} [A-Z][a-z]{2,8} 20\d\d:", box)
    assert page.index('id="next-step"') < page.index("govuk-task-list")


def test_the_caseload_lists_open_cases_with_the_next_date_and_a_tag(dsl: Client) -> None:
    page = dsl.get("/caseload").get_data(as_text=True)
    assert "My caseload" in page and "Zoë Smith" in page
    row = page.split('id="caseload"', 1)[1]
    assert re.search(r"govuk-tag--(red|yellow|grey)\">(Overdue|Due this week|Later)<", row)
    assert "Zoë Smith" not in dsl.get("/caseload?process=stockport").get_data(as_text=True)
    assert "Zoë Smith" in dsl.get("/caseload?process=walsall").get_data(as_text=True)
    assert "Zoë Smith" not in dsl.get("/caseload?stage=Stage+9").get_data(as_text=True)


def test_other_schools_and_la_officers_do_not_see_the_caseload(client: Client) -> None:
    client.sign_in("b@other.example")
    assert "Zoë Smith" not in client.get("/caseload").get_data(as_text=True)
    officer = Client(client.c.application)
    officer.sign_in("officer@walsall.example")
    assert officer.get("/caseload").status_code == 403


def test_urgency_of_a_date_today_this_week_and_later() -> None:
    thu = dt.date(2026, 12, 3)
    assert planning.urgency(dt.date(2026, 12, 2), thu) == planning.OVERDUE
    assert planning.urgency(thu, thu) == planning.THIS_WEEK
    assert planning.urgency(dt.date(2026, 12, 6), thu) == planning.THIS_WEEK  # Sunday
    assert planning.urgency(dt.date(2026, 12, 7), thu) == planning.LATER


def test_drafting_a_letter_from_a_step_fills_in_the_template_and_the_carer(dsl: Client) -> None:
    page = dsl.get("/cases/1/letters?template=meeting_invite&carer=c2&meeting=e2")
    html = page.get_data(as_text=True)
    assert re.search(r'name="template" type="radio" value="meeting_invite" checked', html)
    assert re.search(r'name="carer" type="radio" value="c2" checked', html)
    assert re.search(r'<option value="e2" selected', html)
    plain = dsl.get("/cases/1/letters").get_data(as_text=True)
    assert " checked" not in plain and "selected" not in plain.split('id="meeting"', 1)[1][:200]


def test_the_calendar_feed_parses_and_names_no_pupil(dsl: Client) -> None:
    url = feed_url(dsl)
    anonymous = Client(dsl.c.application)
    r = anonymous.get(url)
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(r.data)
    events = list(cal.walk("VEVENT"))
    assert events and all(str(e["SUMMARY"]).startswith("WAL-") for e in events)
    assert all(isinstance(e.decoded("DTSTART"), dt.date) for e in events)
    assert "Zo" not in r.get_data(as_text=True) and "Smith" not in r.get_data(as_text=True)


def test_a_revoked_or_replaced_calendar_address_stops_working(dsl: Client) -> None:
    first = feed_url(dsl)
    second = feed_url(dsl)
    anonymous = Client(dsl.c.application)
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    page = dsl.post("/caseload/calendar", data={"action": "revoke"}).get_data(as_text=True)
    assert "You have no calendar address" in page
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_a_disabled_users_calendar_address_stops_working(dsl: Client) -> None:
    from sqlalchemy import update

    from referral_builder.storage.models import User

    url = feed_url(dsl)
    anonymous = Client(dsl.c.application)
    assert anonymous.get(url).status_code == 200
    with dsl.c.application.extensions["db"].writing() as s:
        s.execute(update(User).where(User.email == DSL).values(active=False))
    assert anonymous.get(url).status_code == 404


def test_long_lines_are_folded_and_special_characters_escaped() -> None:
    text = planning.ics([("u1@x", dt.date(2026, 12, 4), "A; B, C\\ " + "é" * 60, "")],
                        dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == "A; B, C\\ " + "é" * 60
