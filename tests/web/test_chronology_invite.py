"""Issue 14.3: the chronology's own letter form asks for the same explicit confirmation as the
letters page when an invitation is dated after its meeting or gives less notice than the
checklist asks (the rule is web/letters.py notice_problem), with the same wording."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.conftest import Client, error_summary, version_of
from tests.web.test_journey_fixes import _date, _meeting, case_json, once_of

CONFIRM = "Confirm the date on the letter is right, or go back and change it"
BOX = "I confirm the date on the letter is right. The evidence check will list it under"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in("dsl@school.example")
    return client


def invite(dsl: Client, sent: dt.date, meeting: str, **more: str):  # type: ignore[no-untyped-def]
    page = dsl.get("/cases/1/events/new/letter").get_data(as_text=True)
    return dsl.post("/cases/1/events/new/letter", {
        "version": version_of(page), "once": once_of(page), "date": _date(sent), "to": ["c1"],
        "purposes": ["meeting_invite"], "meeting": meeting, **more})


def test_an_invitation_dated_after_its_meeting_is_not_saved_without_a_confirmation(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    held = dt.date.fromisoformat(meeting["date"])
    sent = held + dt.timedelta(days=3)
    before = len(case_json(app)["events"])
    r = invite(dsl, sent, meeting["id"])
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert error_summary(html) == [CONFIRM]
    assert (f"This letter is dated {sent.day} {sent:%B %Y}, after the meeting it is about "
            f"({held.day} {held:%B %Y}). It cannot count as the invitation to it.") in html
    assert BOX in html and 'href="#confirm_notice"' in html and 'id="confirm_notice"' in html
    assert f'value="{sent.day}"' in html  # the typed form is kept
    assert len(case_json(app)["events"]) == before

    r = invite(dsl, sent, meeting["id"], confirm_notice="y")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1/events")
    saved = case_json(app)["events"][-1]
    assert saved["date"] == sent.isoformat() and saved["meeting"] == meeting["id"]
    worth = dsl.get("/cases/1/evidence").get_data(as_text=True).split(
        'id="worth-checking"', 1)[1].split("</ul>", 1)[0]
    assert f"{sent.day} {sent:%B %Y} is dated after the meeting it invites to" in worth


def test_an_invitation_with_short_notice_asks_too_and_a_good_one_does_not(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    held = dt.date.fromisoformat(meeting["date"])
    r = invite(dsl, held - dt.timedelta(days=2), meeting["id"])
    assert r.status_code == 400
    assert (f"This letter gives 2 days’ notice of the meeting on {held.day} {held:%B %Y}; the "
            "local authority asks for at least") in r.get_data(as_text=True)
    r = invite(dsl, held - dt.timedelta(days=21), meeting["id"])
    assert r.status_code == 302


def test_changing_the_summary_of_a_confirmed_invitation_does_not_ask_again(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(app)
    sent = dt.date.fromisoformat(meeting["date"]) + dt.timedelta(days=1)
    assert invite(dsl, sent, meeting["id"], confirm_notice="y").status_code == 302
    event = case_json(app)["events"][-1]
    page = dsl.get(f"/cases/1/events/{event['id']}").get_data(as_text=True)
    r = dsl.post(f"/cases/1/events/{event['id']}", {
        "version": version_of(page), "date": _date(sent), "to": ["c1"],
        "purposes": ["meeting_invite"], "meeting": meeting["id"], "summary": "Posted first class",
        "basis": re.search(r'name="basis"[^>]*value="([^"]+)"', page).group(1)})
    assert r.status_code == 302, error_summary(r.get_data(as_text=True))
    assert case_json(app)["events"][-1]["summary"] == "Posted first class"
