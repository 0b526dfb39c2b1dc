"""A register file over REGISTER_WORK_BYTES is read by a work job behind the progress page
(issue 16): the pupil page, preview and save give the same marks and the same messages as a
small file, and the pages after the upload read the job's result, never the whole file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from referral_builder.services import register_marks, registers
from referral_builder.storage.models import RegisterMapping, StoredFile
from tests.unit.test_register_import_files import SAMPLES, arbor_xlsx
from tests.web.conftest import error_summary, field_errors, version_of
from tests.web.test_register_upload import (
    CASE_UPN,
    class_csv,
    confirm,
    grace,
    saved_marks,
    upload,
)
from tests.web.work_pages import landed, work_rows

DSL = "dsl@school.example"
LIMIT = 10_000  # bytes: the 30-pupil sample (1,800 rows, 120 kB) is "big" under it


@pytest.fixture
def dsl(app, client):  # type: ignore[no-untyped-def]
    app.config["REGISTER_WORK_BYTES"] = LIMIT
    client.sign_in(DSL)
    return client


@pytest.fixture
def reads(monkeypatch):  # type: ignore[no-untyped-def]
    """Count the times a register file is read (read_best reads through read_file)."""
    count: list[int] = []
    real = registers.read_file

    def counted(data, **kw):  # type: ignore[no-untyped-def]
        count.append(len(data))
        return real(data, **kw)

    monkeypatch.setattr(register_marks, "read_file", counted)
    monkeypatch.setattr(registers, "read_file", counted)
    return count


def through_work(client, response) -> str:  # type: ignore[no-untyped-def]
    """Follow a request that started a job: its page, then where the page sends the user."""
    assert response.status_code == 303 and response.headers["Location"].startswith("/work/")
    return landed(client, response)


def test_a_big_class_file_goes_through_the_work_page_to_the_same_marks(app, dsl, reads) -> None:  # type: ignore[no-untyped-def]
    data = class_csv()
    assert len(data) > LIMIT
    where = through_work(dsl, upload(dsl, data, "arbor.csv"))
    assert where.startswith("/cases/1/register/read/")
    r = dsl.get(where)
    assert r.headers["Location"].endswith("/cases/1/register/pupil")
    (row,) = work_rows(app)
    assert (row.kind, row.state, row.case_id) == ("register_read", "done", 1)
    with app.extensions["db"].session() as s:  # the upload is kept as the case's file
        kept = s.scalars(select(StoredFile).where(StoredFile.kind == "register")).one()
        assert (kept.sha256, kept.filename, kept.size) == (row.input_sha256, "arbor.csv",
                                                           len(data))
    assert app.extensions["files"].exists(kept.sha256)

    reads.clear()
    html = dsl.get("/cases/1/register/pupil").get_data(as_text=True)
    assert "The file holds the marks of 30 pupils" in html
    assert "Archer, Amelia (K820123456000, 1001)" in html
    assert f'value="{CASE_UPN}" checked' in html
    assert reads == []  # the pupils come from the job's result

    version = version_of(html)
    assert dsl.post("/cases/1/register/pupil", {"version": version}).status_code == 200
    where = through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": CASE_UPN}))
    assert dsl.get(where).headers["Location"].endswith("/cases/1/register/preview")
    second = work_rows(app)[1]
    assert second.input_sha256 is None  # read again from the case's file, not uploaded again
    result = json.loads(second.result)
    assert len(result["rows"]) == 61  # the header and Grace's 60 rows, not the 1,801

    reads.clear()
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert f"Gray, Grace ({CASE_UPN}, 1007)" in html
    assert "60 marks on 29 school days in 6 weeks (9.7 sessions a week)" in html
    assert saved_marks(app) != grace()
    r = confirm(dsl)
    assert r.status_code == 302 and "saved=1" in r.headers["Location"]
    assert reads == []  # neither the preview nor the save read the file
    assert saved_marks(app) == grace()


def test_the_preview_of_a_big_file_matches_the_small_files(app, dsl) -> None:  # type: ignore[no-untyped-def]
    """The closures and warnings found over the whole class are the same either way."""
    data = class_csv()
    app.config["REGISTER_WORK_BYTES"] = len(data)  # at the threshold: read in the request
    r = upload(dsl, data, "arbor.csv")
    assert r.status_code == 302 and work_rows(app) == []
    version = version_of(dsl.get("/cases/1/register/pupil").get_data(as_text=True))
    dsl.post("/cases/1/register/pupil", {"version": version, "pupil": CASE_UPN})
    small = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    app.config["REGISTER_WORK_BYTES"] = len(data) - 1
    dsl.get(dsl.get(through_work(dsl, upload(dsl, data, "arbor.csv"))).headers["Location"])
    where = through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": CASE_UPN}))
    dsl.get(where)
    big = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert len(work_rows(app)) == 2
    assert "Check the register marks" in big
    assert main(big) == main(small)


def main(html: str) -> str:
    """The page's main content (the script nonce differs between any two pages)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_small_file_still_goes_straight_on(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = (SAMPLES / "plain-one-pupil.csv").read_bytes()
    assert len(data) <= LIMIT
    r = upload(dsl, data, "marks.csv")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1/register/preview")
    confirm(dsl)
    assert saved_marks(app) == grace()
    assert work_rows(app) == []


def test_a_big_one_pupil_file_goes_from_the_work_page_to_the_preview(app, dsl, reads) -> None:  # type: ignore[no-untyped-def]
    app.config["REGISTER_WORK_BYTES"] = 500
    data = (SAMPLES / "sims-unicode-text.txt").read_bytes()  # UTF-16, tab-separated
    assert len(data) > 500
    r = dsl.get(through_work(dsl, upload(dsl, data, "marks.txt")))
    assert r.headers["Location"].endswith("/cases/1/register/preview")
    reads.clear()
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "60 marks on 29 school days in 6 weeks (9.7 sessions a week)" in html
    confirm(dsl)
    assert reads == []
    assert saved_marks(app) == grace()


def many_problems() -> bytes:
    """A one-pupil Arbor-shaped file whose 600 rows each mark a present pupil absent."""
    import datetime as dt

    lines = ["DATE,PERIOD,RAW_MARK,MARK_CODE"]
    day = dt.date(2026, 9, 7)
    while len(lines) <= 600:
        if day.weekday() < 5:
            lines += [f"{day},MORNING,O,PRESENT_AM", f"{day},AFTERNOON,O,PRESENT_PM"]
        day += dt.timedelta(days=1)
    return ("\n".join(lines[:601]) + "\n").encode()


def test_a_big_file_with_problems_comes_back_to_the_upload_page_with_them(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = many_problems()
    app.config["REGISTER_WORK_BYTES"] = 10 * len(data)  # today's answer, in the request
    r = upload(dsl, data, "arbor.csv")
    assert r.status_code == 200
    small = (error_summary(r.get_data(as_text=True)), field_errors(r.get_data(as_text=True)))
    assert small[1] == ["The file has 600 problems: fix them and upload it again "
                        "(580 more not shown)"]
    assert small[0][0] == ('Line 2: the mark "O" does not match its meaning "PRESENT_AM" '
                           "(expected / or L or \\)")
    assert len(small[0]) == 20
    before = saved_marks(app)

    app.config["REGISTER_WORK_BYTES"] = len(data) // 2
    where = through_work(dsl, upload(dsl, data, "arbor.csv"))
    (row,) = work_rows(app)
    assert where == f"/cases/1/register?work={row.id}"
    html = dsl.get(where).get_data(as_text=True)
    assert (error_summary(html), field_errors(html)) == small
    assert saved_marks(app) == before
    assert len(json.loads(row.result)["problems"]) == 20  # not the 600


def test_a_big_file_that_cannot_be_used_says_why_and_is_not_kept(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (2 * LIMIT)
    html = dsl.get(through_work(dsl, upload(dsl, data, "old.xls"))).get_data(as_text=True)
    assert field_errors(html) == ["The file cannot be used: this is an old Excel .xls "
                                  "workbook: save it as .xlsx or CSV and upload that"]
    assert error_summary(html) == field_errors(html)
    (row,) = work_rows(app)
    with app.extensions["db"].session() as s:
        assert s.scalars(select(StoredFile).where(StoredFile.kind == "register")).all() == []
    assert not app.extensions["files"].exists(row.input_sha256)


def test_a_big_file_whose_chosen_pupil_has_problems_lists_them(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = class_csv().replace(b"MORNING,I,ILLNESS,", b"MORNING,I,PRESENT,", 1)
    assert data != class_csv()
    dsl.get(through_work(dsl, upload(dsl, data, "arbor.csv")))
    version = version_of(dsl.get("/cases/1/register/pupil").get_data(as_text=True))
    where = through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": "K820123456000"}))
    html = dsl.get(where).get_data(as_text=True)
    assert field_errors(html) == ["The file has 1 problem: fix it and upload it again"]
    assert error_summary(html) == [
        'Line 2: the mark "I" does not match its meaning "PRESENT" (expected / or L or \\)']
    # another pupil's marks can still be read from the same upload
    where = through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": CASE_UPN}))
    dsl.get(where)
    confirm(dsl)
    assert saved_marks(app) == grace()


def test_a_big_workbook_is_read_on_its_marks_sheet(app, dsl) -> None:  # type: ignore[no-untyped-def]
    data = arbor_xlsx(sheet_first="Read me")
    assert len(data) > LIMIT
    r = dsl.get(through_work(dsl, upload(dsl, data, "class.xlsx")))
    assert r.headers["Location"].endswith("/cases/1/register/pupil")
    version = version_of(dsl.get("/cases/1/register/pupil").get_data(as_text=True))
    dsl.get(through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": "K820123456789"})))
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "class.xlsx (sheet “Marks”)" in html and "Read another sheet" in html
    r = dsl.post("/cases/1/register/sheet", {"version": version, "sheet": "Read me"})
    html = dsl.get(dsl.get(through_work(dsl, r)).headers["Location"]).get_data(as_text=True)
    assert "Match the columns" in html and ">Notes<" in html  # the other sheet's columns
    r = dsl.post("/cases/1/register/sheet", {"version": version, "sheet": "Marks"})
    assert dsl.get(through_work(dsl, r)).headers["Location"].endswith("/register/pupil")
    dsl.get(through_work(dsl, dsl.post("/cases/1/register/pupil",
                                       {"version": version, "pupil": "K820123456789"})))
    confirm(dsl)
    assert saved_marks(app) == grace()


def test_a_big_file_of_an_unknown_shape_is_mapped_then_read(app, dsl, reads) -> None:  # type: ignore[no-untyped-def]
    app.config["REGISTER_WORK_BYTES"] = 500
    data = (SAMPLES / "unknown-shape.csv").read_bytes()
    r = dsl.get(through_work(dsl, upload(dsl, data, "export.csv")))
    assert r.headers["Location"].endswith("/cases/1/register/columns")
    reads.clear()
    html = dsl.get("/cases/1/register/columns").get_data(as_text=True)
    assert "Attendance day" in html and "2026-09-07" in html  # from the job's first rows
    assert reads == []
    version = version_of(html)
    r = dsl.post("/cases/1/register/columns", {"version": version, "date": "1", "mark": "3"})
    assert field_errors(r.get_data(as_text=True)) == [
        "Choose both the session column and the mark column"]
    r = dsl.post("/cases/1/register/columns", {"version": version, "date": "1",
                                               "session": "2", "mark": "3",
                                               "student_id": "0"})
    assert dsl.get(through_work(dsl, r)).headers["Location"].endswith("/register/preview")
    html = dsl.get("/cases/1/register/preview").get_data(as_text=True)
    assert "Matched by you" in html and "date = “Attendance day”" in html
    confirm(dsl)
    assert saved_marks(app) == grace()
    with app.extensions["db"].session() as s:
        assert [json.loads(m.columns) for m in s.scalars(select(RegisterMapping))] == [
            {"date": "Attendance day", "session": "Half", "mark": "Symbol",
             "student_id": "Pupil ref"}]


def test_a_read_job_is_only_followed_by_the_user_who_asked(app, dsl) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import Client

    dsl.get(through_work(dsl, upload(dsl, class_csv(), "arbor.csv")))
    (row,) = work_rows(app)
    staff = Client(app)  # of the same school: may see the case, not the DSL's upload
    staff.sign_in("staff@school.example")
    r = staff.get(f"/cases/1/register/read/{row.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1/register")
    assert staff.get("/cases/1/register/pupil").headers["Location"].endswith(
        "/cases/1/register")
    assert staff.get(f"/cases/1/register?work={row.id}").status_code == 200
    r = dsl.get(f"/cases/1/register/read/{row.id + 1}")  # no such job
    assert r.status_code == 302 and r.headers["Location"].endswith("/cases/1/register")
    r = dsl.get(f"/cases/1/register/read/{row.id}")
    assert r.headers["Location"].endswith("/cases/1/register/pupil")
