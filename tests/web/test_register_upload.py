"""The register pages: upload a CSV or XLSX export, choose the pupil in a whole-class file
(the case's UPN pre-selected), match the columns of an unknown shape once (saved for the
school), and a preview before anything is saved (issue 17, 11.9, 11.11, 11.13, 14.4)."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from referral_builder.storage.models import CaseRecord, RegisterMapping, StoredFile
from tests.samples.registers import make_samples as samples
from tests.unit.test_register_import_files import SAMPLES, arbor_xlsx
from tests.web.conftest import error_summary, field_errors, version_of

DSL = "dsl@school.example"
CASE_UPN = "A123456789012"  # the demo case's pupil


@pytest.fixture
def dsl(client):  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    return client


def upload(client, data: bytes, name: str):  # type: ignore[no-untyped-def]
    version = version_of(client.get("/cases/1/register").get_data(as_text=True))
    return client.post("/cases/1/register", {"version": version,
                                             "csv_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client):  # type: ignore[no-untyped-def]
    version = version_of(client.get("/cases/1/register/preview").get_data(as_text=True))
    return client.post("/cases/1/register/preview", {"version": version})


def saved_marks(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return json.loads(s.get(CaseRecord, 1).data)["register"]["marks"]


def grace() -> list[dict]:
    return [{"date": d.isoformat(), "session": s, "code": c}
            for (d, s), c in samples.pupil_marks(6).items()]


def class_csv() -> bytes:
    return (SAMPLES / "arbor-class-30.csv").read_bytes().replace(b"K820123456789",
                                                                  CASE_UPN.encode())


def test_a_plain_csv_goes_straight_to_the_preview_and_saves(app, dsl) -> None:  # type: ignore[no-untyped-def]
    r = upload(dsl, (SAMPLES / "plain-one-pupil.csv").read_bytes(), "marks.csv")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1/register/preview")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "7 September 2026 to 16 October 2026" in html or "7 Sep 2026" in html
    assert "60 marks on 29 school days in 6 weeks (9.7 sessions a week)" in html
    assert "Absent in other or unknown circumstances: 6" in html
    assert "No problems were found." in html
    assert saved_marks(app) != grace()  # nothing saved before the confirmation
    r = confirm(dsl)
    assert r.status_code == 302 and "saved=1" in r.headers["Location"]
    assert saved_marks(app) == grace()


def test_a_whole_class_file_asks_for_the_pupil_with_the_case_upn_chosen(app, dsl) -> None:  # type: ignore[no-untyped-def]
    r = upload(dsl, class_csv(), "arbor.csv")
    assert r.headers["Location"].endswith("/cases/1/register/pupil")
    html = dsl.get("/cases/1/register/pupil").get_data(as_text=True)
    assert "The file holds the marks of 30 pupils" in html
    assert "Archer, Amelia (K820123456000, 1001)" in html
    assert f'value="{CASE_UPN}" checked' in html
    version = version_of(html)
    assert dsl.post("/cases/1/register/pupil", {"version": version}).status_code == 200
    r = dsl.post("/cases/1/register/pupil", {"version": version, "pupil": CASE_UPN})
    assert r.headers["Location"].endswith("/cases/1/register/preview")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert f"Gray, Grace ({CASE_UPN}, 1007)" in html
    confirm(dsl)
    assert saved_marks(app) == grace()


def test_a_whole_class_xlsx_gives_the_same_marks(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = arbor_xlsx(sheet_first="Read me")  # the marks are on the second sheet
    r = upload(dsl, data, "class.xlsx")
    assert r.headers["Location"].endswith("/cases/1/register/pupil")
    version = version_of(dsl.get("/cases/1/register/pupil").get_data(as_text=True))
    dsl.post("/cases/1/register/pupil", {"version": version, "pupil": "K820123456789"})
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "class.xlsx (sheet “Marks”)" in html
    confirm(dsl)
    assert saved_marks(app) == grace()


def test_an_unknown_shape_is_mapped_once_then_read_without_asking(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = (SAMPLES / "unknown-shape.csv").read_bytes()
    r = upload(dsl, data, "export.csv")
    assert r.headers["Location"].endswith("/cases/1/register/columns")
    html = dsl.get("/cases/1/register/columns").get_data(as_text=True)
    assert "Attendance day" in html and "2026-09-07" in html  # headings and first rows
    version = version_of(html)
    r = dsl.post("/cases/1/register/columns", {"version": version, "date": "1", "mark": "3"})
    assert field_errors(r.get_data(as_text=True)) == [
        "Choose both the session column and the mark column"]
    r = dsl.post("/cases/1/register/columns", {"version": version, "date": "1",
                                               "session": "2", "mark": "3",
                                               "student_id": "0"})
    assert r.headers["Location"].endswith("/cases/1/register/preview")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "Matched by you" in html and "date = “Attendance day”" in html
    confirm(dsl)
    assert saved_marks(app) == grace()
    with app.extensions["db"].session() as s:
        saved = s.scalars(select(RegisterMapping)).all()
        assert [json.loads(m.columns) for m in saved] == [
            {"date": "Attendance day", "session": "Half", "mark": "Symbol",
             "student_id": "Pupil ref"}]
    # next upload of the same shape: straight to the preview with the saved columns
    r = upload(dsl, data, "export-2.csv")
    assert r.headers["Location"].endswith("/cases/1/register/preview")
    assert ("Matched with the columns saved for your school"
            in dsl.get("/cases/1/register/preview").get_data(as_text=True))


def test_another_school_does_not_get_the_mapping(app, dsl, client) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        s.add(RegisterMapping(school_id=2, header_key="x" * 64, header="[]", columns="{}"))
    data = (SAMPLES / "unknown-shape.csv").read_bytes()
    assert upload(dsl, data, "export.csv").headers["Location"].endswith("/columns")


def test_preview_flags_late_legacy_codes_and_marks_on_a_bank_holiday(dsl) -> None:  # type: ignore[no-untyped-def]
    csv = (b"Date,Session,Mark\n2026-05-04,AM,/\n2026-05-05,AM,H\n2026-05-05,PM,H\n"
           b"2026-05-06,AM,/\n2026-05-06,PM,\\\n")
    # the demo case's referral date is 20 Nov 2026: the 2025/26 school year is accepted
    upload(dsl, csv, "marks.csv")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "Check before saving" in html
    assert "The legacy code &#34;H&#34; is used on 5 May 2026" in html or \
        "The legacy code \"H\" is used on 5 May 2026" in html
    assert "Marks other than # on 4 May 2026, when the school was closed" in html


def test_line_problems_are_listed_and_nothing_is_saved(app, dsl) -> None:  # type: ignore[no-untyped-def]
    before = saved_marks(app)
    csv = b"DATE,PERIOD,RAW_MARK,MARK_CODE\n2026-09-07,MORNING,/,PRESENT_AM\n" \
          b"2026-09-08,MORNING,O,PRESENT_AM\n"
    r = upload(dsl, csv, "arbor.csv")  # the problems are listed on the upload's answer
    assert r.status_code == 200
    assert error_summary(r.get_data(as_text=True)) == [
        'Line 3: the mark "O" does not match its meaning "PRESENT_AM" (expected / or L or \\)']
    assert saved_marks(app) == before


@pytest.mark.parametrize("data, message", [
    (b'Date,Session,Mark\n2026-09-07,AM,"' + b"x" * 140_000 + b'"\n',
     "line 2 has a cell longer than 131,072 characters"),
    (b"Date,Session,Mark\n2026-09-07,AM,/\x00\x07<script>\n", "line 2 has a NUL character"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel .xls workbook"),
])
def test_refused_files_get_a_message_not_a_500_and_are_not_kept(app, dsl, data, message) -> None:  # type: ignore[no-untyped-def]
    r = upload(dsl, data, "bad.csv")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert any(message in e for e in field_errors(html))
    assert "\x00" not in html and "\x07" not in html
    with app.extensions["db"].session() as s:
        assert s.scalars(select(StoredFile).where(StoredFile.kind == "register")).all() == []


def test_utf16_unicode_text_from_excel_is_read(app, dsl) -> None:  # type: ignore[no-untyped-def]
    r = upload(dsl, (SAMPLES / "sims-unicode-text.txt").read_bytes(), "marks.txt")
    assert r.headers["Location"].endswith("/preview")
    confirm(dsl)
    assert saved_marks(app) == grace()


def test_the_uploaded_file_is_referenced_once_per_case(app, dsl) -> None:  # type: ignore[no-untyped-def]
    store = app.extensions["files"]
    upload(dsl, (SAMPLES / "plain-one-pupil.csv").read_bytes(), "one.csv")
    with app.extensions["db"].session() as s:
        first = s.scalars(select(StoredFile).where(StoredFile.kind == "register")).one()
        first_sha = first.sha256
        assert (first.case_id, first.filename) == (1, "one.csv")
    assert store.exists(first_sha)
    upload(dsl, (SAMPLES / "per-day-semicolon.csv").read_bytes(), "two.csv")
    with app.extensions["db"].session() as s:
        rows = s.scalars(select(StoredFile).where(StoredFile.kind == "register")).all()
        assert [(r.case_id, r.filename) for r in rows] == [(1, "two.csv")]
    assert not store.exists(first_sha)  # the replaced upload is not left behind


def test_retention_deletes_the_uploaded_register_with_its_case(app, dsl) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from referral_builder.storage.models import Authority
    from referral_builder.storage.retention import find_expired, purge

    store = app.extensions["files"]
    upload(dsl, (SAMPLES / "plain-one-pupil.csv").read_bytes(), "marks.csv")
    with app.extensions["db"].writing() as s:
        sha = s.scalars(select(StoredFile.sha256).where(StoredFile.kind == "register")).one()
        record = s.get(CaseRecord, 1)
        record.status, record.updated_at = "accepted", dt.datetime(2026, 1, 1)
        s.scalar(select(Authority).where(Authority.id == record.authority_id)
                 ).retention_days = 90
    assert store.exists(sha)
    with app.extensions["db"].writing() as s:
        expired = [e for e in find_expired(s, dt.datetime(2027, 6, 1)) if e.case_id == 1]
        assert sha in expired[0].files
        purge(s, store, expired)
    assert not store.exists(sha)


def test_control_characters_in_the_file_name_are_not_shown(dsl) -> None:  # type: ignore[no-untyped-def]
    upload(dsl, (SAMPLES / "plain-one-pupil.csv").read_bytes(), "marks\x07\x1b.csv")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "marks.csv" in html
    assert "\x07" not in html and "\x1b" not in html


def test_another_sheet_of_a_workbook_can_be_read(app, dsl) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Summary"
    for line in (SAMPLES / "plain-one-pupil.csv").read_text().splitlines()[:3]:
        first.append(line.split(","))
    other = book.create_sheet("All marks")
    for line in (SAMPLES / "plain-one-pupil.csv").read_text().splitlines():
        other.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    upload(dsl, out.getvalue(), "book.xlsx")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "book.xlsx (sheet “Summary”)" in html and "Read another sheet" in html
    assert "4 marks" not in html and "2 marks on 1 school day in 1 week (2 sessions a week)" in html
    r = dsl.post("/cases/1/register/sheet", {"version": version_of(html), "sheet": "All marks"})
    assert r.headers["Location"].endswith("/cases/1/register/preview")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "book.xlsx (sheet “All marks”)" in html
    confirm(dsl)
    assert saved_marks(app) == grace()
