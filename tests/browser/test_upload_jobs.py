"""In a real browser, against a live server whose jobs run in the background: an attached
file and an imported case are checked in a work job; the page may pass through the job's
progress page (`/work/<id>`), and ends on the chronology, the new case, or the form again
with the error on the file field and what was typed kept (issue 16.1)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Letter from the GP")
    c.save()
    return buf.getvalue()


def _attach(j: Journey, summary: str, name: str, content: bytes, media: str) -> None:
    j.go("/cases/1/events/new/note")
    j.date("date", dt.date.today() - dt.timedelta(days=1))
    j.fill("Summary (optional)", summary)
    j.page.set_input_files("#attachment", files=[
        {"name": name, "mimeType": media, "buffer": content}])
    j.page.get_by_role("button", name="Save").click()


def test_uploads_are_checked_in_a_job_and_end_on_their_page(server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    j = Journey(page, server)
    j.case_id = 1
    j.sign_in("dsl@school.example")

    # A PDF: the note and its document are saved; the user ends on the chronology.
    _attach(j, "GP letter, checked in a job", "gp-letter.pdf", _pdf(), "application/pdf")
    page.wait_for_url(re.compile(r"/cases/1/events$"))
    j.check()
    assert "GP letter, checked in a job" in page.content()

    # A text file named .pdf: back on the form, the error on the file field, the summary kept.
    _attach(j, "Notes that are not a PDF", "notes.pdf", b"Typed notes", "application/pdf")
    page.wait_for_url(re.compile(r"/events/new/note\?work=\d+$"))
    page.wait_for_selector("#attachment-error")
    j.check()
    assert "The selected file" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Summary (optional)").input_value() == "Notes that are not a PDF"
    assert "Choose the file again" in page.content()

    # An export imported again: its documents are checked in a job; the new case's tasks.
    export = page.request.get(f"{server}/cases/1/export")
    assert export.ok
    j.go("/cases/import")
    page.set_input_files("#archive", files=[
        {"name": "case.zip", "mimeType": "application/zip", "buffer": export.body()}])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    j.check()
    assert "imported. Read the evidence requirements" in page.content()
    context.close()
