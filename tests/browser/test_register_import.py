"""Register import in headless Chromium (issue 17): a whole-class XLSX with the pupil chosen
(the case's UPN pre-selected), an unknown shape mapped once and re-uploaded without mapping,
with axe-core on every page; a big file read by a work job behind the progress page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from referral_builder.storage.models import WorkJob
from tests.browser.test_journey import Journey

pytestmark = pytest.mark.slow
CASE_UPN = "A123456789012"  # the demo case's pupil, Zoë Smith
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def school_days(today: dt.date, weeks: int = 4) -> list[dt.date]:
    """The weekdays of the `weeks` whole weeks before this one (always in the school year
    the import accepts: the previous one and this one)."""
    start = today - dt.timedelta(days=today.weekday() + 7 * weeks)
    return [start + dt.timedelta(days=n) for n in range(7 * weeks)
            if (start + dt.timedelta(days=n)).weekday() < 5]


def class_xlsx(today: dt.date) -> bytes:
    """An Arbor-shaped whole-class export for 30 made-up pupils, dates as Excel date cells."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Attendance"
    ws.append(["STUDENT_ID", "UPN", "LEGAL_SURNAME", "FORENAME", "DATE", "PERIOD", "RAW_MARK",
               "MARK_CODE", "MINUTES_LATE"])
    for n in range(30):
        upn = CASE_UPN if n == 4 else f"K8201234{56000 + n:05d}"
        name = ("Smith", "Zoë") if n == 4 else (f"Pupil{n:02d}", "Test")
        for i, d in enumerate(school_days(today)):
            for period in ("MORNING", "AFTERNOON"):
                absent = n == 4 and i % 5 == 2
                mark = "O" if absent else ("/" if period == "MORNING" else "\\")
                meaning = "UNAUTHORISED_OTHER" if absent else f"PRESENT_{period[:2]}"
                ws.append([1001 + n, upn, *name, dt.datetime.combine(d, dt.time()), period,
                           mark, meaning, 0])
    notes = book.create_sheet("Read me", 0)  # the marks are not on the first sheet
    notes.append(["Exported from the MIS for the attendance team"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unknown_csv(today: dt.date) -> bytes:
    rows = ["Pupil ref,Attendance day,Half,Symbol"]
    for d in school_days(today):
        rows += [f"1005,{d:%d/%m/%Y},AM,/", f"1005,{d:%d/%m/%Y},PM,\\"]
    return ("\n".join(rows) + "\n").encode()


def test_whole_class_xlsx_and_a_mapped_shape(live, server, browser) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(8000)
    j = Journey(page, server)
    j.sign_in("dsl@school.example")

    def upload(name: str, mime: str, data: bytes) -> None:
        j.go("/cases/1/register")
        page.set_input_files("#csv_file", files=[{"name": name, "mimeType": mime,
                                                 "buffer": data}])
        j.click("Upload and check")

    # a whole-class workbook: choose the pupil, the case's UPN already chosen
    upload("class.xlsx", XLSX, class_xlsx(today))
    assert page.url.endswith("/cases/1/register/pupil")
    j.check("register-pupil")
    assert page.get_by_label(f"Smith, Zoë ({CASE_UPN}, 1005)", exact=True).is_checked()
    j.click("Continue", "register-preview-class")
    assert page.url.endswith("/register/preview")
    text = page.locator("main").inner_text()
    assert f"Smith, Zoë ({CASE_UPN}, 1005)" in text
    assert "class.xlsx (sheet “Attendance”)" in text
    assert "Absent in other or unknown circumstances: 8" in text
    assert page.get_by_label("Read another sheet of the workbook").is_visible()
    j.click("Save these marks")
    assert "Register marks saved" in page.locator("main").inner_text()

    # an export the service does not recognise: match its columns once
    upload("export.csv", "text/csv", unknown_csv(today))
    assert page.url.endswith("/cases/1/register/columns")
    j.check("register-columns")
    page.select_option("#date", label="Attendance day")
    page.select_option("#mark", label="Symbol")
    j.click("Continue")
    assert "Choose both the session column and the mark column" in page.locator(
        ".govuk-error-summary").inner_text()
    page.select_option("#session", label="Half")
    page.select_option("#student_id", label="Pupil ref")
    j.click("Continue")
    assert page.url.endswith("/register/preview")
    assert "Matched by you" in page.locator("main").inner_text()
    j.click("Save these marks")
    assert "Register marks saved" in page.locator("main").inner_text()

    # the same export again: read with the school's saved columns, no mapping step
    upload("export-2.csv", "text/csv", unknown_csv(today))
    assert page.url.endswith("/register/preview")
    assert "Matched with the columns saved for your school" in page.locator(
        "main").inner_text()

    # a big file (over REGISTER_WORK_BYTES) is read by a job behind the progress page, which
    # goes on by itself to the pupil, then again to the preview
    app = live[0]
    app.config.update(REGISTER_WORK_BYTES=1000, WORK_WAIT_SECONDS=0)
    try:
        upload("class.xlsx", XLSX, class_xlsx(today))
        page.wait_for_url("**/cases/1/register/pupil", timeout=20_000)
        j.check()
        assert page.get_by_label(f"Smith, Zoë ({CASE_UPN}, 1005)", exact=True).is_checked()
        j.click("Continue")
        page.wait_for_url("**/cases/1/register/preview", timeout=20_000)
        j.check()
        assert "Absent in other or unknown circumstances: 8" in page.locator("main").inner_text()
        j.click("Save these marks")
        assert "Register marks saved" in page.locator("main").inner_text()
        with app.extensions["db"].session() as s:
            assert [(w.kind, w.state) for w in s.scalars(select(WorkJob))] == [
                ("register_read", "done")] * 2
    finally:
        app.config.update(REGISTER_WORK_BYTES=512 * 1024, WORK_WAIT_SECONDS=2.0)
    assert len(j.checked) >= 8
    context.close()
