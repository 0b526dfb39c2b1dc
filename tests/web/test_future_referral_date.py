"""Issue 14.1: a date of referral after today is accepted (up to 30 days ahead) but said
plainly on the task list and the evidence check, with the link to change it."""

from __future__ import annotations

import datetime as dt

from tests.web.conftest import Client, version_of
from tests.web.test_journey_fixes import _date

WARNING = 'id="future-referral-date"'


def set_date(client: Client, d: dt.date) -> None:
    page = client.get("/cases/1/referral-date").get_data(as_text=True)
    r = client.post("/cases/1/referral-date", {"version": version_of(page),
                                               "referral_date": _date(d)})
    assert r.status_code == 302


def test_a_future_referral_date_is_warned_with_the_way_to_change_it(client: Client) -> None:
    client.sign_in("dsl@school.example")
    today = dt.date.today()
    set_date(client, today)
    for url in ("/cases/1", "/cases/1/evidence"):
        assert WARNING not in client.get(url).get_data(as_text=True)
    ahead = today + dt.timedelta(days=20)
    set_date(client, ahead)
    for url in ("/cases/1", "/cases/1/evidence"):
        html = client.get(url).get_data(as_text=True)
        box = html.split(WARNING, 1)[1].split("</div>", 1)[0]
        assert f"The date of referral, {ahead.day} {ahead:%B %Y}, is after today." in box
        assert 'href="/cases/1/referral-date">Change the date of referral</a>' in box
