"""Issue 16: "Download as PDF" in headless Chromium, each page checked with axe-core and
screenshotted at 1280 and 320 px. The DSL previews a letter, asks for it as a PDF, lands on
"Your letter is ready", downloads it, goes back to the letter and records it as sent."""

from __future__ import annotations

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


def test_a_letter_is_downloaded_as_a_pdf_then_recorded(server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    j = Journey(page, server)
    j.case_id = 1
    j.sign_in("dsl@school.example")
    j.go("/cases/1/letters")
    j.choose("Attendance concern (punctuality and support)")
    j.choose("Jane Smith (mother)")
    j.click("Preview the letter")
    j.click("Download as PDF", "letter-pdf-ready")
    assert page.get_by_role("heading", name="Your letter is ready").count() == 1
    assert "/work/" not in page.url and "carer=" not in page.url
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download the letter (PDF").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    assert "Jane" in dl.value.suggested_filename
    with open(dl.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    j.click("Go back to the letter")
    assert page.get_by_role("heading", name="Check the letter").count() == 1
    j.click("Record as sent today")
    assert "recorded=1" in page.url
