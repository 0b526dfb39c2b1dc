"""The DSL's caseload, the next step on the task list and the calendar page in headless
Chromium, with axe-core on each page (issue 15)."""

from __future__ import annotations

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


def test_the_caseload_and_the_next_step_in_the_browser(server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    j = Journey(page, server)
    j.sign_in("dsl@school.example")
    j.go("/caseload")
    j.check("caseload")
    cards = page.locator("#caseload .govuk-summary-card")
    assert cards.count() == 1
    row = cards.first
    assert "Zoë Smith" in row.inner_text()
    assert row.locator(".govuk-tag").count() == 1  # overdue, due this week or later
    page.get_by_label("Process").select_option("walsall")
    j.click("Filter")
    assert page.locator("#caseload .govuk-summary-card").count() == 1
    j.link("Zoë Smith", "task-list-next-step")
    box = page.locator("#next-step")
    assert "Next step" in box.inner_text() and "By " in box.inner_text()
    j.go("/caseload/calendar")
    j.click("Make an address", "calendar-feed")
    url = page.locator("#feed-url").inner_text()
    assert url.endswith(".ics")
    j.click("Stop the address")
    assert "You have no calendar address" in page.content()
    page.close()
