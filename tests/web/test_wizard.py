"""The wizard through the Flask client: saving, conflicts, letters, files, export and import."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import select

from referral_builder.storage.models import AuditEntry, CaseRecord, FormToken, StoredFile
from tests.web.conftest import Client, error_summary, field_errors, version_of
from tests.web.work_pages import landed

DSL = "dsl@school.example"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def small_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Letter from the school")
    c.save()
    return buf.getvalue()


def case_json(app, case_id: int = 1) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with app.extensions["db"].session() as s:
        return json.loads(s.get(CaseRecord, case_id).data)


def test_starting_a_case_records_the_tick_box_and_creates_the_case(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    assert dsl.post("/cases/new", {"authority": "walsall"}).status_code == 302
    r = dsl.post("/cases/new/walsall/requirements", {"confirm": "y"})
    assert r.headers["Location"].endswith("/cases/new/walsall/pupil")
    r = dsl.post("/cases/new/walsall/pupil", {
        "first_name": "Ruby", "last_name": "Jones", "date_of_birth": ["14", "3", "2016"],
        "year_group": "Year 5", "address": "3 Oak Street"})
    assert r.status_code == 302
    case_id = int(r.headers["Location"].split("/")[2])
    data = case_json(app, case_id)
    assert data["pupil"]["date_of_birth"] == "2016-03-14"
    from referral_builder.storage.models import Acknowledgement

    with app.extensions["db"].session() as s:
        ack = s.scalar(select(Acknowledgement).where(Acknowledgement.case_id == case_id))
    assert (ack.name, ack.role, ack.checklist_id) == ("Sam Patel", "Designated safeguarding "
                                                                   "lead", "walsall")


def test_a_stale_version_is_refused_with_a_conflict(dsl: Client) -> None:
    html = dsl.get("/cases/1/pupil").get_data(as_text=True)
    form = {"version": version_of(html), "first_name": "Zoë", "last_name": "Smith",
            "date_of_birth": ["3", "5", "2016"], "year_group": "Year 5", "address": "12 Elm"}
    assert dsl.post("/cases/1/pupil", form).status_code == 302
    r = dsl.post("/cases/1/pupil", form)  # the same version again
    assert r.status_code == 409
    assert "Someone else changed this case" in r.get_data(as_text=True)


def test_an_event_with_an_attached_pdf_stores_a_clean_copy(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    version = version_of(dsl.get("/cases/1/events/new/letter").get_data(as_text=True))
    r = dsl.post("/cases/1/events/new/letter", {
        "version": version, "date": ["2", "11", "2026"], "to": ["c1", "c2"],
        "purposes": ["continued_concern", "support"], "summary": "Support offered",
        "attachment": (io.BytesIO(small_pdf()), "letter.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 303 and "/work/" in r.headers["Location"]  # checked in a job
    assert landed(dsl, r) == "/cases/1/events"
    data = case_json(app)
    event = data["events"][-1]
    assert event["purposes"] == ["continued_concern", "support"]
    doc_id = event["documents"][0]
    download = dsl.get(f"/cases/1/documents/{doc_id}")
    assert download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # The one-time token keeps a digest of what was saved, never the file itself
    with app.extensions["db"].writing() as s:
        contents = s.scalars(select(FormToken.content)).all()
    assert contents and all(len(c) == 64 and set(c) <= set("0123456789abcdef")
                            for c in contents)


def test_a_file_that_is_not_a_pdf_or_docx_is_refused_by_the_field(dsl: Client) -> None:
    version = version_of(dsl.get("/cases/1/events/new/note").get_data(as_text=True))
    r = dsl.post("/cases/1/events/new/note", {
        "version": version, "date": ["2", "11", "2026"],
        "attachment": (io.BytesIO(b"MZ\x90\x00"), "evil.exe")},
        content_type="multipart/form-data")
    page = dsl.get(landed(dsl, r)).get_data(as_text=True)
    assert "must be a PDF or a Word document" in " ".join(field_errors(page))


def test_a_letter_recorded_as_sent_adds_the_event_and_the_document(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    html = dsl.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(html), "template": "attendance_concern", "carer": "c1"}
    preview = dsl.post("/cases/1/letters", form).get_data(as_text=True)
    assert "Dear" in preview
    download = dsl.post("/cases/1/letters/download", form)
    assert download.data[:2] == b"PK"
    assert dsl.post("/cases/1/letters/record", form).status_code == 302
    data = case_json(app)
    event = data["events"][-1]
    assert event["type"] == "letter" and event["to"] == ["c1"]
    with app.extensions["db"].session() as s:
        row = s.scalar(select(StoredFile).where(StoredFile.doc_id == event["documents"][0]))
    assert row.kind == "letter"


def test_removing_a_carer_named_by_events_is_refused_with_a_reason(dsl: Client) -> None:
    version = version_of(dsl.get("/cases/1/carers/c1/remove").get_data(as_text=True))
    r = dsl.post("/cases/1/carers/c1/remove", {"version": version})
    assert "You cannot remove them while events in the chronology name them" in \
        " ".join(error_summary(r.get_data(as_text=True)))


def test_an_export_imports_as_a_new_draft(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    exported = dsl.get("/cases/1/export")
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert "case.json" in names
    r = dsl.post("/cases/import", {"archive": (io.BytesIO(exported.data), "case.zip")},
                 content_type="multipart/form-data")
    new_id = int(landed(dsl, r).split("/")[2])
    assert case_json(app, new_id)["events"] == case_json(app, 1)["events"]


def test_an_unsafe_zip_is_refused(dsl: Client) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.json", "{}")
    r = dsl.post("/cases/import", {"archive": (io.BytesIO(buf.getvalue()), "case.zip")},
                 content_type="multipart/form-data")
    assert "unsafe file name" in dsl.get(landed(dsl, r)).get_data(as_text=True)


def test_views_and_refusals_leave_audit_rows(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    client.get("/cases/1")
    client.post("/sign-out")
    client.sign_in("b@other.example")
    client.get("/cases/1")
    with app.extensions["db"].session() as s:
        actions = [(a.action, a.case_id) for a in s.scalars(select(AuditEntry))]
    assert ("view", 1) in actions and ("denied", 1) in actions


def test_five_wrong_passwords_lock_the_account(client: Client) -> None:
    for _ in range(5):
        client.sign_in(DSL, "wrong-password")
    r = client.sign_in(DSL)  # the right password, but locked
    assert "Enter a correct email address and password" in error_summary(
        r.get_data(as_text=True))


def test_an_over_limit_upload_goes_back_to_its_page(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = dsl.post("/cases/import", {"archive": (io.BytesIO(b"x" * 5000), "case.zip")},
                 content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"].endswith("?too_big=1")


def test_an_idle_session_is_signed_out(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    with dsl.c.session_transaction() as sess:
        sess["seen"] = sess["seen"] - 31 * 60
    r = dsl.get("/cases/1")
    assert r.status_code == 302 and "timeout=1" in r.headers["Location"]


def test_the_migrations_create_the_tables_the_models_describe(app) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from referral_builder.storage.models import Base

    def ours(name, type_, _parents) -> bool:  # type: ignore[no-untyped-def]
        # procrastinate's queue tables (PostgreSQL, migration 0013) are its own, not models.
        return not (type_ == "table" and str(name).startswith("procrastinate_"))

    with app.extensions["db"].engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": ours}),
                                Base.metadata)
    assert diff == []


def test_a_letter_takes_the_details_its_template_asks_for(dsl: Client) -> None:
    html = dsl.get("/cases/1/letters").get_data(as_text=True)
    form = {"version": version_of(html), "template": "attendance_concern", "carer": "c1",
            "extra_target_pct": "97.5%"}
    preview = dsl.post("/cases/1/letters", form).get_data(as_text=True)
    assert "97.5%" in preview
    assert 'name="extra_target_pct"' in preview


def test_a_slow_bundle_shows_its_progress(app, dsl: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from referral_builder.services import bundles
    from referral_builder.services import bundling as bundle_module

    release = threading.Event()

    def slow_build(*_args, progress=None, **_kw):  # type: ignore[no-untyped-def]
        progress("Merging the documents")
        release.wait(10)
        raise RuntimeError("stopped by the test")

    monkeypatch.setattr(bundle_module, "build_bundle", slow_build)
    from tests import jobs as test_jobs

    app.config["BUNDLE_IN_BACKGROUND"] = True
    job = bundles.start(app, 1, 1, 1)
    worker = test_jobs.work(app, job)  # in-process: its thread; else a procrastinate worker
    try:
        test_jobs.wait_for_state(app, job.job_id, "running")
        page = dsl.get("/cases/1/bundle").get_data(as_text=True)
        assert "Your bundle is being built" in page
        assert dsl.get("/cases/1/bundle/status").get_json()["state"] == "running"
    finally:
        release.set()
        worker.join(30)
    assert "The bundle could not be built" in dsl.get("/cases/1/bundle").get_data(as_text=True)
