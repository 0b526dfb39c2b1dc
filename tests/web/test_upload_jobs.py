"""An uploaded file is checked in a work job, not in the web request (issue 16.1): an event's
attached document (services/chronology.py, kind "event_attachment") and a case import with
its documents (services/new_cases.py, kind "case_import"). The user ends where the old
synchronous flow took them: the chronology or the new case, or the form again with the
error on its field and what they typed kept."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from referral_builder import jobs as job_runner
from referral_builder.services import chronology, new_cases, work
from referral_builder.storage.models import CaseRecord, FormToken, StoredFile
from tests.web.conftest import Client, error_summary, field_errors, version_of
from tests.web.test_import_safety import export, make_zip, with_document
from tests.web.test_wizard import case_json, small_pdf
from tests.web.work_pages import landed, through_work, work_rows

NOTE = "/cases/1/events/new/note"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in("dsl@school.example")
    return client


def once_of(html: str) -> str:
    m = re.search(r'name="once"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="once"', html)
    assert m, "no once token on the page"
    return m.group(1)


def note_form(client: Client, url: str = NOTE, **extra: Any) -> dict[str, Any]:
    html = client.get(url).get_data(as_text=True)
    return {"version": version_of(html), "once": once_of(html),
            "date": ["2", "11", "2026"], "summary": "Letter from the GP about the absences",
            **extra}


def post(client: Client, url: str, form: dict[str, Any], content: bytes, name: str):  # type: ignore[no-untyped-def]
    return client.post(url, {**form, "attachment": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def stored_files(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count()).select_from(StoredFile)) or 0


def set_case(app, **values: Any) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].writing() as s:
        record = s.get(CaseRecord, 1)
        for key, value in values.items():
            setattr(record, key, value)


def saved_note(app, dsl: Client) -> tuple[dict[str, Any], str, str, str]:  # type: ignore[no-untyped-def]
    """A note saved without a file, then its change form opened: (the event, the form's
    address, its page, its basis)."""
    assert dsl.post(NOTE, note_form(dsl)).headers["Location"] == "/cases/1/events"
    event = case_json(app)["events"][-1]
    url = f"/cases/1/events/{event['id']}"
    html = dsl.get(url).get_data(as_text=True)
    basis = re.search(r'name="basis"[^>]*value="([^"]+)"', html).group(1)
    return event, url, html, basis


def edit_case(app, change: Callable[[dict[str, Any]], None]) -> None:  # type: ignore[no-untyped-def]
    """Someone else's save: `change` the case's JSON, as a new version."""
    with app.extensions["db"].writing() as s:
        record = s.get(CaseRecord, 1)
        data = json.loads(record.data)
        change(data)
        record.data, record.version = json.dumps(data), record.version + 1


def change_meanwhile(monkeypatch, change) -> None:  # type: ignore[no-untyped-def]
    """While the job checks the file, someone else changes the case (`change()`)."""
    real = chronology.accept_upload

    def checking(content: bytes, filename: str, **kw: Any) -> tuple[bytes, str]:
        change()
        return real(content, filename, **kw)

    monkeypatch.setattr(chronology, "accept_upload", checking)


def test_an_attached_pdf_is_checked_in_a_job_then_the_event_saved(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    events = len(case_json(app)["events"])
    r = post(dsl, NOTE, note_form(dsl), small_pdf(), "gp letter.pdf")
    assert r.status_code == 303 and r.headers["Location"].startswith("/work/")
    assert landed(dsl, r) == "/cases/1/events"
    data = case_json(app)
    assert len(data["events"]) == events + 1
    event = data["events"][-1]
    assert event["summary"] == "Letter from the GP about the absences"
    doc = next(d for d in data["documents"] if d["id"] == event["documents"][0])
    assert doc["file"] == f"evidence/{doc['id']}-gp-letter.pdf"
    assert dsl.get(f"/cases/1/documents/{doc['id']}").data.startswith(b"%PDF")
    (job,) = work_rows(app)
    assert (job.kind, job.state) == ("event_attachment", "done")
    assert not app.extensions["files"].exists(job.input_sha256)  # the raw upload is gone
    with app.extensions["db"].session() as s:
        row = s.scalar(select(StoredFile).where(StoredFile.doc_id == doc["id"]))
        assert row.sha256 != job.input_sha256 and app.extensions["files"].exists(row.sha256)
        token = s.scalar(select(FormToken))
        assert token.redirect_to == f"/cases/1/events/{event['id']}"


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"Notes typed in a text editor, not a PDF", "notes.pdf", "The selected file"),
    (b"Plain words", "notes.txt", "must be a PDF or a Word document"),
    (b"", "empty.pdf", "The selected file is empty"),
])
def test_a_refused_file_goes_back_to_the_form_with_what_was_typed(
        app, dsl: Client, content: bytes, name: str, words: str) -> None:  # type: ignore[no-untyped-def]
    before, files = case_json(app), stored_files(app)
    form = note_form(dsl, by_name="Sam Patel")
    r = post(dsl, NOTE, form, content, name)
    back = landed(dsl, r)
    (job,) = work_rows(app)
    assert back == f"{NOTE}?work={job.id}"
    page = dsl.get(back)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert words in " ".join(field_errors(html)), field_errors(html)
    assert words in " ".join(error_summary(html))
    assert 'href="#attachment"' in html
    assert "Letter from the GP about the absences</textarea>" in html
    assert 'value="Sam Patel"' in html
    assert re.search(r'id="date-month"[^>]*value="11"', html), "the date is kept"
    assert "Choose the file again" in html
    assert once_of(html) == form["once"]  # the same form: saving it again saves once
    assert case_json(app) == before and stored_files(app) == files
    assert not app.extensions["files"].exists(job.input_sha256)
    # Saving the form again, without a file, records the event once.
    assert dsl.post(NOTE, form).headers["Location"] == "/cases/1/events"
    assert len(case_json(app)["events"]) == len(before["events"]) + 1


def test_another_users_failed_job_is_not_shown_on_the_form(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    r = post(dsl, NOTE, note_form(dsl), b"not a pdf", "x.pdf")
    back = landed(dsl, r)
    other = Client(app)
    other.sign_in("staff@school.example")  # of the same school: may see the case
    page = other.get(back)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Record a note" in html
    assert "Letter from the GP" not in html and not field_errors(html)
    assert "Letter from the GP" in dsl.get(back).get_data(as_text=True)


def test_a_double_submit_saves_one_event(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    events = len(case_json(app)["events"])
    form = note_form(dsl)
    first = post(dsl, NOTE, form, small_pdf(), "scan.pdf")
    second = post(dsl, NOTE, form, small_pdf(), "scan.pdf")  # a double click
    assert landed(dsl, first) == "/cases/1/events"
    saved = case_json(app)["events"][-1]["id"]
    assert second.headers["Location"] == f"/cases/1/events/{saved}"
    assert "You have already saved this" in dsl.get(second.headers["Location"]).get_data(
        as_text=True)
    assert len(case_json(app)["events"]) == events + 1
    assert len(work_rows(app)) == 1


def test_a_second_job_of_the_same_form_adds_nothing(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    """Two submits that both got past the form (a race): the second job's finish finds the
    first one's token and sends the user to the saved event."""
    events = len(case_json(app)["events"])
    assert landed(dsl, post(dsl, NOTE, note_form(dsl), small_pdf(), "scan.pdf")) \
        == "/cases/1/events"
    (first,) = work_rows(app)
    files = stored_files(app)
    started = work.start(app, "event_attachment", user_id=first.requested_by, case_id=1,
                         params=work.params_of(first), data=small_pdf())
    saved = case_json(app)["events"][-1]["id"]
    page = dsl.get(f"/work/{started.job_id}")
    assert page.headers["Location"] == f"/cases/1/events/{saved}"
    assert len(case_json(app)["events"]) == events + 1
    assert stored_files(app) == files
    assert "You have already saved this" in dsl.get(page.headers["Location"]).get_data(
        as_text=True)


def test_a_second_submit_while_the_file_is_checked_goes_to_the_same_job(
        app, dsl: Client, monkeypatch, request) -> None:  # type: ignore[no-untyped-def]
    app.config.update(JOBS_IN_BACKGROUND=True, WORK_WAIT_SECONDS=0.1)
    if job_runner.backend(app) == job_runner.PROCRASTINATE:  # a real worker takes the job
        from referral_builder.jobs import queue

        request.addfinalizer(queue.start_background_worker(app))
    release = threading.Event()
    real = chronology.accept_upload

    def slow(content: bytes, filename: str, **kw: Any) -> tuple[bytes, str]:
        release.wait(30)
        return real(content, filename, **kw)

    monkeypatch.setattr(chronology, "accept_upload", slow)
    events = len(case_json(app)["events"])
    form = note_form(dsl)
    try:
        first = post(dsl, NOTE, form, small_pdf(), "scan.pdf")
        second = post(dsl, NOTE, {**form, "once": "a-new-token"}, small_pdf(), "scan.pdf")
        assert first.headers["Location"] == second.headers["Location"]
        progress = dsl.get(first.headers["Location"]).get_data(as_text=True)
        assert "Checking your file" in progress
    finally:
        release.set()
    for _ in range(200):
        if work_rows(app)[0].state == "done":
            break
        threading.Event().wait(0.05)
    assert landed(dsl, first) == "/cases/1/events"
    assert len(case_json(app)["events"]) == events + 1 and len(work_rows(app)) == 1


def test_changing_an_event_attaches_a_new_document_to_it(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    event, url, html, basis = saved_note(app, dsl)
    r = post(dsl, url, {"version": version_of(html), "basis": basis, "date": ["3", "11", "2026"],
                        "summary": "Now with the letter"}, small_pdf(), "letter.pdf")
    assert landed(dsl, r) == "/cases/1/events"
    data = case_json(app)
    changed = [e for e in data["events"] if e["id"] == event["id"]]
    assert len(changed) == 1 and len(data["events"]) == len(case_json(app)["events"])
    assert changed[0]["date"] == "2026-11-03" and changed[0]["summary"] == "Now with the letter"
    assert len(changed[0]["documents"]) == 1
    assert changed[0]["documents"][0] in {d["id"] for d in data["documents"]}


def test_a_new_event_merges_with_a_change_made_while_its_file_was_checked(
        app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def rename(data: dict[str, Any]) -> None:
        data["pupil"]["first_name"] = "Renamed"
        data["events"].append({"id": f"e{len(data['events']) + 1}", "type": "note",
                               "date": "2026-11-01", "summary": "Added meanwhile"})

    change_meanwhile(monkeypatch, lambda: edit_case(app, rename))
    events = len(case_json(app)["events"])
    assert landed(dsl, post(dsl, NOTE, note_form(dsl), small_pdf(), "scan.pdf")) \
        == "/cases/1/events"
    data = case_json(app)
    assert data["pupil"]["first_name"] == "Renamed"
    assert [e.get("summary") for e in data["events"][-2:]] == [
        "Added meanwhile", "Letter from the GP about the absences"]
    assert len(data["events"]) == events + 2
    assert len({e["id"] for e in data["events"]}) == len(data["events"])  # a new id


def test_a_referral_sent_while_the_file_was_checked_is_not_changed(
        app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    change_meanwhile(monkeypatch, lambda: set_case(app, status="submitted"))
    before, files = case_json(app), stored_files(app)
    back = landed(dsl, post(dsl, NOTE, note_form(dsl), small_pdf(), "scan.pdf"))
    html = dsl.get(back).get_data(as_text=True)
    assert chronology.SENT in " ".join(error_summary(html))
    assert case_json(app) == before and stored_files(app) == files
    (job,) = work_rows(app)
    assert job.state == "failed"
    assert not app.extensions["files"].exists(job.input_sha256)
    assert not app.extensions["files"].exists(clean_sha())


def clean_sha() -> str:
    """The sha256 of the clean copy of small_pdf(), which a refused job must not keep."""
    from referral_builder.services.evidence import accept_upload

    return hashlib.sha256(accept_upload(small_pdf(), "scan.pdf")[0]).hexdigest()


def test_a_change_to_an_event_someone_else_changed_meanwhile_is_refused(
        app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event, url, html, basis = saved_note(app, dsl)

    def theirs(data: dict[str, Any]) -> None:
        next(e for e in data["events"] if e["id"] == event["id"])["summary"] = "Theirs"

    change_meanwhile(monkeypatch, lambda: edit_case(app, theirs))
    r = post(dsl, url, {"version": version_of(html), "basis": basis, "date": ["3", "11", "2026"],
                        "summary": "Mine"}, small_pdf(), "letter.pdf")
    back = landed(dsl, r)
    assert back.startswith(f"{url}?work=")
    page = dsl.get(back).get_data(as_text=True)
    summary = " ".join(error_summary(page))
    assert "Someone else changed this event after you opened it" in summary
    assert "note of 2 November 2026: Theirs" in summary
    assert "Mine</textarea>" in page  # what they typed is kept, to save again
    assert version_of(page) == str(_version(app))
    saved = next(e for e in case_json(app)["events"] if e["id"] == event["id"])
    assert saved["summary"] == "Theirs" and "documents" not in saved


def _version(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.get(CaseRecord, 1).version


# ---- case import ---------------------------------------------------------------------------

def cases_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count()).select_from(CaseRecord)) or 0


def post_import(client: Client, archive: bytes):  # type: ignore[no-untyped-def]
    return client.post("/cases/import", {"archive": (io.BytesIO(archive), "case.zip")},
                       content_type="multipart/form-data")


def test_an_import_checks_its_documents_in_a_job_then_makes_the_case(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", small_pdf())
    r = post_import(dsl, make_zip(data, files))
    assert r.status_code == 303 and r.headers["Location"].startswith("/work/")
    final = through_work(dsl, r)
    new_id = int(final.headers["Location"].split("/")[2])
    assert final.headers["Location"] == f"/cases/{new_id}"
    page = dsl.get(final.headers["Location"]).get_data(as_text=True)
    assert "imported. Read the evidence requirements before you send it." in page
    assert dsl.get(f"/cases/{new_id}/documents/d90").data.startswith(b"%PDF")
    (job,) = work_rows(app)
    assert (job.kind, job.state) == ("case_import", "done")
    assert not app.extensions["files"].exists(job.input_sha256)


def test_an_import_with_a_bad_document_makes_nothing_and_names_it(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", small_pdf())
    data["documents"].append({"id": "d91", "file": "evidence/d91-tool.exe", "title": "Tool"})
    files["evidence/d91-tool.exe"] = b"MZ\x90\x00"
    before, stored = cases_count(app), stored_files(app)
    back = landed(dsl, post_import(dsl, make_zip(data, files)))
    (job,) = work_rows(app)
    assert back == f"/cases/import?work={job.id}"
    html = dsl.get(back).get_data(as_text=True)
    message = ("The case cannot be imported: The document evidence/d91-tool.exe must be a PDF "
               "or a Word document (.docx)")
    assert field_errors(html) == [message]
    assert error_summary(html) == [message]
    assert cases_count(app) == before and stored_files(app) == stored
    assert not app.extensions["files"].exists(job.input_sha256)


def test_an_import_refused_when_saving_keeps_none_of_its_cleaned_documents(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", small_pdf())
    data["authority"] = "nowhere"
    before = cases_count(app)
    html = dsl.get(landed(dsl, post_import(dsl, make_zip(data, files)))).get_data(as_text=True)
    assert "no authority &#39;nowhere&#39; is set up here" in " ".join(field_errors(html))
    assert cases_count(app) == before
    assert not app.extensions["files"].exists(clean_sha())


def test_the_import_says_which_document_it_is_checking() -> None:
    steps: list[str] = []
    data = {"documents": [{"id": "d1", "file": "evidence/d1-letter.pdf"},
                          {"id": "d2", "file": "evidence/d2-plan.pdf"}]}
    files = {"d1": small_pdf(), "d2": small_pdf()}
    accepted = new_cases._accept_documents(data, files, steps.append)
    assert set(accepted) == {"d1", "d2"}
    assert steps == ["Checking document 1 of 2: evidence/d1-letter.pdf",
                     "Checking document 2 of 2: evidence/d2-plan.pdf"]


def test_an_event_removed_while_its_new_file_was_checked_is_not_saved_again(
        app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event, url, html, basis = saved_note(app, dsl)

    def remove(data: dict[str, Any]) -> None:
        data["events"] = [e for e in data["events"] if e["id"] != event["id"]]

    change_meanwhile(monkeypatch, lambda: edit_case(app, remove))
    r = post(dsl, url, {"version": version_of(html), "basis": basis, "date": ["3", "11", "2026"],
                        "summary": "Mine"}, small_pdf(), "letter.pdf")
    assert landed(dsl, r) == "/cases/1/events"
    assert chronology.REMOVED in dsl.get("/cases/1/events").get_data(as_text=True)
    assert event["id"] not in {e["id"] for e in case_json(app)["events"]}
