"""Issue 14.1 and 14.3 in headless Chromium, each page checked with axe-core and screenshotted
at 1280 and 320 px.

A DSL sets a date of referral in the future from the task list (no declaration on the way): a
date far ahead is refused with the form kept, a nearer one is saved with a warning that links
back to the date, the DSL corrects it and carries on, and every locked step says why and links
to what unlocks it. Then the chronology's own letter form asks for the same confirmation as the
letters page before it records an invitation dated after its meeting.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


#: One authenticator set-up per account for the module's server, shared by its tests.
SECRETS: dict[str, str] = {}
STEPS: dict[str, int] = {}


def journey(page, server: str) -> Journey:  # type: ignore[no-untyped-def]
    j = Journey(page, server)
    j.secrets, j.steps = SECRETS, STEPS
    j.checked_codes = True
    return j


def _weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def test_a_wrong_referral_date_is_fixed_from_the_task_list(server, browser) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(8000)
    j = journey(page, server)
    j.case_id = 1
    j.sign_in("dsl@school.example")
    j.go("/cases/1")
    assert page.locator("#future-referral-date").count() == 0

    j.link("Change the date of referral", "referral-date-page")
    far = today + dt.timedelta(days=400)
    j.date("referral_date", far)
    j.click("Save the date", "referral-date-refused")
    assert "must be no later than" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#referral_date-year").input_value() == str(far.year)

    wrong = today + dt.timedelta(days=20)
    j.date("referral_date", wrong)
    j.click("Save the date", "task-list-future-date")
    assert page.url.endswith("/cases/1")
    warning = page.locator("#future-referral-date")
    assert f"The date of referral, {wrong.day} {wrong:%B %Y}, is after today" in (
        warning.inner_text())
    j.go("/cases/1/evidence")
    assert f"as of {wrong.day} {wrong:%B %Y}" in page.locator("main").inner_text()
    assert page.locator("#future-referral-date").is_visible()

    # the warning's own link leads back to the date, which is corrected
    page.locator("#future-referral-date").get_by_role("link").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cases/1/referral-date")
    j.date("referral_date", today)
    j.click("Save the date")
    assert page.locator("#future-referral-date").count() == 0
    assert f"{today.day} {today:%B %Y}" in page.locator("#referral-date").inner_text()

    # carry on: every step that cannot start yet says why and links to what unlocks it
    locked = page.locator(".govuk-task-list__item").filter(has_text="Cannot start yet")
    assert locked.count() >= 1
    targets = [locked.nth(n).locator(".govuk-task-list__hint a").get_attribute("href")
               for n in range(locked.count())]
    assert all(targets), targets
    for href in targets:
        j.go(href)
        assert "Error" not in page.title()
    j.go("/cases/1/declaration")
    assert page.get_by_role("link", name="change the date of referral").is_visible()
    j.link("See what is still to do")
    assert page.url.endswith("/cases/1/evidence")
    assert f"as of {today.day} {today:%B %Y}" in page.locator("main").inner_text()
    # an item still to do leads to the form that meets it
    action = page.locator(".govuk-summary-card__actions a").first
    action.click()
    page.wait_for_load_state()
    j.check()
    assert page.locator("form button, form .govuk-button").count() >= 1
    page.close()


def test_the_chronology_letter_form_asks_to_confirm_a_late_invitation(server, browser) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    meeting = _weekday(today - dt.timedelta(days=28))  # the demo case's meeting
    sent = meeting + dt.timedelta(days=2)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(8000)
    j = journey(page, server)
    j.sign_in("dsl@school.example")
    j.go("/cases/1/events/new")
    j.choose("Letter")
    j.click("Continue")
    j.date("date", sent)
    j.choose("Jane Smith")
    j.choose("Invitation to a meeting")
    page.get_by_label("Which meeting does it invite to or follow? (optional)").select_option(
        label=f"Meeting on {meeting.day} {meeting:%B %Y}")
    j.click("Save", "chronology-invite-confirm")
    assert page.url.endswith("/events/new/letter")
    assert "Confirm the date on the letter is right, or go back and change it" in (
        page.locator(".govuk-error-summary").inner_text())
    assert (f"This letter is dated {sent.day} {sent:%B %Y}, after the meeting it is about"
            in page.locator(".govuk-warning-text").inner_text())
    assert page.locator("#date-day").input_value() == str(sent.day)  # the form is kept
    # the error summary link moves to the box that answers it
    page.locator(".govuk-error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "confirm_notice"
    page.locator("#confirm_notice").check()
    j.click("Save")
    assert page.url.endswith("/cases/1/events")
    assert page.content().count(f"{sent.day} {sent:%B %Y}") >= 1
    j.go("/cases/1/evidence")
    assert f"{sent.day} {sent:%B %Y} is dated after the meeting it invites to" in (
        page.locator("#worth-checking").inner_text())
    page.close()
