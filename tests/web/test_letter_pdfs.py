"""Letters as PDFs (issue 16): "Download as PDF" is a work job whose page goes on to the
letter, only for the user who asked; a letter recorded as sent has its PDF drawn once and
kept; the bundle uses a kept PDF rather than drawing the letter again, and keeps what it had
to draw; kept PDFs and downloads go with their case."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from referral_builder.documents import bundle as bundle_layout
from referral_builder.services import bundling as bundle_module
from referral_builder.services import drafts, letter_pdfs
from referral_builder.storage import retention
from referral_builder.storage.models import (
    CaseRecord,
    LetterPdf,
    StoredFile,
    WorkJob,
    utcnow,
)
from tests.web.conftest import Client, version_of
from tests.web.work_pages import work_rows

DSL = "dsl@school.example"
STAFF = "staff@school.example"  # the same school, another user
OTHER_SCHOOL = "b@other.example"
TARGET = "Kim has agreed to 97.5% after her hospital appointment"


def signed_in(app, email: str = DSL) -> Client:  # type: ignore[no-untyped-def]
    client = Client(app)
    client.sign_in(email)
    return client


def letter_form(client: Client, template: str = "attendance_concern", **more: str
                ) -> dict[str, str]:
    html = client.get("/cases/1/letters").get_data(as_text=True)
    return {"version": version_of(html), "template": template, "carer": "c1",
            "extra_target_pct": TARGET, **more}


def pdf_text(data: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages)


def ask_for_pdf(client: Client, form: dict[str, str]) -> tuple[str, Any]:
    """POST "Download as PDF"; follow the work page; return (work page URL, its answer)."""
    started = client.post("/cases/1/letters/pdf", form)
    assert started.status_code == 303
    url = started.headers["Location"]
    assert re.fullmatch(r"/work/\d+", url), url
    return url, client.get(url)


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def kept_rows(app) -> list[LetterPdf]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return list(s.scalars(select(LetterPdf).order_by(LetterPdf.id)))


# ---- "Download as PDF" ----------------------------------------------------------------------


def test_the_preview_offers_the_pdf_by_post(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    page = client.post("/cases/1/letters", letter_form(client)).get_data(as_text=True)
    assert 'formaction="/cases/1/letters/pdf"' in page
    assert "Download as PDF" in page
    assert client.get("/cases/1/letters/pdf").status_code == 405


def test_download_as_pdf_goes_through_the_work_page_to_the_letter(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    _url, page = ask_for_pdf(client, letter_form(client))
    (row,) = work_rows(app, "letter_pdf")
    assert page.status_code == 303
    assert page.headers["Location"] == f"/cases/1/letters/pdf/{row.id}"
    ready = client.get(page.headers["Location"])
    html = ready.get_data(as_text=True)
    assert ready.status_code == 200
    assert "Your letter is ready" in html
    assert "Jane Smith" in html
    links = re.findall(r'href="([^"]*/download)"', html)
    assert links == [f"/cases/1/letters/pdf/{row.id}/download"]
    for found in re.findall(r'(?:href|action|formaction)="([^"]*)"', html):
        assert "97.5" not in found and "hospital" not in found and "carer=" not in found
    pdf = client.get(links[0])
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    assert "attendance_concern-Jane" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Jane Smith" in text
    assert "97.5%" in text and "hospital appointment" in text
    # The PDF is a file of the case, made by the user who asked.
    with app.extensions["db"].session() as s:
        (file,) = s.scalars(select(StoredFile).where(StoredFile.kind == "letter_pdf"))
        assert (file.case_id, file.doc_id, file.media_type) == (1, None, "application/pdf")
        assert app.extensions["files"].get(file.sha256) == pdf.data
    # "Go back to the letter" shows the preview again, with what was typed.
    back = client.post("/cases/1/letters", MultiDict(re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html.split(
            'action="/cases/1/letters"', 1)[1].split("</form>", 1)[0])))
    assert "Check the letter" in back.get_data(as_text=True)
    assert "97.5%" in back.get_data(as_text=True)


def test_the_pdf_is_drafted_as_the_word_download_is(app) -> None:  # type: ignore[no-untyped-def]
    """Same template, carer, meeting, details and date: the PDF's words are the DOCX's."""
    from docx import Document

    client = signed_in(app)
    form = letter_form(client, "meeting_invite", meeting="e2",
                       extra_venue="the library at Bloxwich Demo Primary")
    form["sent_on"] = ["1", "10", "2026"]  # type: ignore[assignment]
    word = client.post("/cases/1/letters/download", form)
    assert word.data[:2] == b"PK"
    _, page = ask_for_pdf(client, form)
    ready = client.get(page.headers["Location"]).get_data(as_text=True)
    link = re.findall(r'href="([^"]*/download)"', ready)[0]
    text = re.sub(r"\s+", " ", pdf_text(client.get(link).data))
    for paragraph in Document(io.BytesIO(word.data)).paragraphs:
        words = re.sub(r"\s+", " ", paragraph.text).strip()
        if len(words) > 20:
            assert words[:40] in text, words


def test_another_user_cannot_see_or_download_the_pdf(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    url, page = ask_for_pdf(client, letter_form(client))
    ready_url = page.headers["Location"]
    download_url = ready_url + "/download"
    assert client.get(download_url).status_code == 200
    for email in (STAFF, OTHER_SCHOOL):  # same school but not theirs; another school
        other = signed_in(app, email)
        assert other.get(url).status_code == 404, email
        assert other.get(ready_url).status_code == 404, email
        assert other.get(download_url).status_code == 404, email
    # Nor under another case's address.
    assert client.get(download_url.replace("/cases/1/", "/cases/2/")).status_code == 404


def test_a_letter_that_cannot_be_written_yet_fails_with_its_message(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    preview = client.post("/cases/1/letters", letter_form(client, "meeting_invite"))
    message = re.search(r"This letter cannot be written yet: [^<]+", preview.get_data(
        as_text=True)).group(0)  # type: ignore[union-attr]
    _, page = ask_for_pdf(client, letter_form(client, "meeting_invite"))
    (row,) = work_rows(app, "letter_pdf")
    assert row.state == "failed"
    assert page.headers["Location"] == f"/cases/1/letters?work={row.id}"
    form_page = client.get(page.headers["Location"]).get_data(as_text=True)
    assert message in form_page
    assert "There is a problem" in form_page
    assert 'value="meeting_invite" checked' in form_page
    assert count(app, StoredFile) == 0
    assert client.get(f"/cases/1/letters/pdf/{row.id}/download").status_code == 404
    # Its "ready" address goes to its work page, which goes back to the form.
    assert client.get(f"/cases/1/letters/pdf/{row.id}").headers["Location"] == f"/work/{row.id}"


# ---- kept PDFs -----------------------------------------------------------------------------


def record_letter(app, client: Client) -> StoredFile:  # type: ignore[no-untyped-def]
    assert client.post("/cases/1/letters/record", letter_form(client)).status_code == 302
    with app.extensions["db"].session() as s:
        return s.scalars(select(StoredFile).where(StoredFile.kind == "letter")).one()


def test_recording_a_letter_keeps_its_pdf_once(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    letter = record_letter(app, client)
    store = app.extensions["files"]
    (row,) = kept_rows(app)
    assert row.docx_sha256 == letter.sha256
    assert row.renderer == letter_pdfs.renderer()
    pdf = store.get(row.pdf_sha256)
    assert "Jane Smith" in pdf_text(pdf) and "97.5%" in pdf_text(pdf)
    # Drawing the same Word document again keeps nothing more.
    letter_pdfs.keep_job(app, letter.sha256, "again")
    assert letter_pdfs.keep(app, letter.sha256, b"%PDF-1.4 another drawing\n%%EOF") is False
    assert [r.pdf_sha256 for r in kept_rows(app)] == [row.pdf_sha256]
    assert not store.exists(hashlib.sha256(b"%PDF-1.4 another drawing\n%%EOF").hexdigest())


def test_a_word_document_no_case_holds_is_not_kept(app) -> None:  # type: ignore[no-untyped-def]
    docx = b"PK not a case file"
    sha = hashlib.sha256(docx).hexdigest()
    assert letter_pdfs.keep(app, sha, b"%PDF-1.4 x\n%%EOF") is False
    assert kept_rows(app) == []
    letter_pdfs.keep_job(app, sha)  # nothing to draw: no case holds it
    assert kept_rows(app) == []


class Conversions:
    """What the bundle gave the sandboxed children to convert from Word."""

    def __init__(self) -> None:
        self.docx: list[str] = []


@pytest.fixture
def conversions(monkeypatch):  # type: ignore[no-untyped-def]
    seen = Conversions()
    real = bundle_layout.prepare_many

    def counting(pdfs, docx, **kw):  # type: ignore[no-untyped-def]
        seen.docx += [name for name, _data, _title in docx]
        return real(pdfs, docx, **kw)

    monkeypatch.setattr(bundle_layout, "prepare_many", counting)
    real_build = bundle_module.build_bundle
    # The demo case is not ready: build it as a draft, as far as it goes.
    monkeypatch.setattr(bundle_module, "build_bundle",
                        lambda *a, **kw: real_build(*a, **{**kw, "draft": True}))
    return seen


def build(app, client: Client) -> bytes:  # type: ignore[no-untyped-def]
    """Build case 1's bundle through the bundle job (services/bundles.py), as the page's
    button does once the case is ready, and download it."""
    from referral_builder.services import bundles

    with app.extensions["db"].session() as s:
        version = s.get(CaseRecord, 1).version
    job = bundles.start(app, 1, version, 2)  # inline in the tests (BUNDLE_IN_BACKGROUND)
    with app.extensions["db"].session() as s:
        done = bundles.job_for(s, 1)
        assert done.id == job.job_id and done.state == "done", done.error
    download = client.get("/cases/1/bundle/download")
    assert download.status_code == 200, client.get("/cases/1/bundle").get_data(as_text=True)
    return download.data


def add_word_upload(app) -> str:  # type: ignore[no-untyped-def]
    """An uploaded Word document (not a letter drafted here) attached to the meeting."""
    import docx

    d = docx.Document()
    d.add_paragraph("Notes of the meeting with Jane Smith, typed up by the school nurse.")
    out = io.BytesIO()
    d.save(out)
    content = out.getvalue()
    store = app.extensions["files"]
    with app.extensions["db"].writing() as s:
        record = s.get(CaseRecord, 1)
        data = json.loads(record.data)
        data.setdefault("documents", []).append({"id": "dnotes", "file": "notes.docx",
                                                 "title": "Meeting notes"})
        for e in data["events"]:
            if e["id"] == "e2":
                e["documents"] = [*e.get("documents", []), "dnotes"]
        record.data = json.dumps(data)
        record.version += 1
        s.add(StoredFile(case_id=1, kind="evidence", doc_id="dnotes", sha256=store.put(content),
                         filename="notes.docx", media_type="application/vnd.openxmlformats-"
                         "officedocument.wordprocessingml.document", size=len(content)))
    return hashlib.sha256(content).hexdigest()


def test_the_bundle_uses_kept_pdfs_and_keeps_what_it_draws(app, conversions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    letter = record_letter(app, client)
    notes = add_word_upload(app)
    assert [r.docx_sha256 for r in kept_rows(app)] == [letter.sha256]
    first = build(app, client)
    # The recorded letter was not drawn again; the uploaded Word document was, and is kept.
    assert len(conversions.docx) == 1 and "dnotes" in conversions.docx[0]
    assert {r.docx_sha256 for r in kept_rows(app)} == {letter.sha256, notes}
    assert "Jane Smith" in pdf_text(first)
    conversions.docx.clear()
    again = build(app, client)
    assert conversions.docx == []  # nothing drawn at the second build
    assert len(kept_rows(app)) == 2
    assert pdf_text(again).count("typed up by the school nurse") == 1


def test_a_kept_pdf_whose_file_has_gone_is_drawn_again(app, conversions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    letter = record_letter(app, client)
    (row,) = kept_rows(app)
    app.extensions["files"].delete(row.pdf_sha256)
    build(app, client)
    assert len(conversions.docx) == 1
    (mended,) = kept_rows(app)
    assert mended.docx_sha256 == letter.sha256
    assert app.extensions["files"].exists(mended.pdf_sha256)


# ---- kept PDFs and downloads go with their case --------------------------------------------


def copy_case(app) -> int:  # type: ignore[no-untyped-def]
    """A second case holding the same files as case 1 (as an imported copy does)."""
    with app.extensions["db"].writing() as s:
        first = s.get(CaseRecord, 1)
        data = json.loads(first.data)
        data["reference"] = data["reference"] + "-COPY"
        second = CaseRecord(school_id=first.school_id, authority_id=first.authority_id,
                            reference=data["reference"], status="draft",
                            created_by=first.created_by, data=json.dumps(data),
                            version=1, updated_at=utcnow())
        s.add(second)
        s.flush()
        for f in list(s.scalars(select(StoredFile).where(StoredFile.case_id == 1))):
            s.add(StoredFile(case_id=second.id, kind=f.kind, doc_id=f.doc_id, sha256=f.sha256,
                             filename=f.filename, media_type=f.media_type, size=f.size))
        return int(second.id)


def withdraw(app, case_id: int) -> None:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session(write=True) as s:
        shas = drafts.delete_draft(s, case_id)
        drafts.finish_withdrawal(s, app.extensions["files"], shas)


def test_withdrawing_a_draft_removes_its_kept_pdfs_and_downloads(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    record_letter(app, client)
    ask_for_pdf(client, letter_form(client))
    store = app.extensions["files"]
    (row,) = kept_rows(app)
    with app.extensions["db"].session() as s:
        download = s.scalars(select(StoredFile).where(StoredFile.kind == "letter_pdf")).one()
    second = copy_case(app)
    withdraw(app, 1)
    # The copy holds the same Word document: its kept PDF stays while the copy does.
    assert [r.pdf_sha256 for r in kept_rows(app)] == [row.pdf_sha256]
    assert store.exists(row.pdf_sha256)
    withdraw(app, second)
    assert kept_rows(app) == []
    assert not store.exists(row.pdf_sha256)
    assert not store.exists(row.docx_sha256)
    assert not store.exists(download.sha256)


def test_retention_removes_kept_pdfs_and_downloads_with_the_case(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    record_letter(app, client)
    ask_for_pdf(client, letter_form(client))
    store = app.extensions["files"]
    (row,) = kept_rows(app)
    with app.extensions["db"].session() as s:
        files = set(s.scalars(select(StoredFile.sha256).where(StoredFile.case_id == 1)))
    assert len(files) == 2  # the letter as sent and the PDF downloaded
    with app.extensions["db"].session(write=True) as s:
        expired = [retention.Expired(1, "REF", "walsall", utcnow(), tuple(sorted(files)))]
        retention.purge(s, store, expired)
    assert kept_rows(app) == []
    assert count(app, WorkJob) == 0  # the download's work row went with its case
    for sha in {*files, row.pdf_sha256}:
        assert not store.exists(sha)


def test_pruning_removes_old_downloads_and_kept_pdfs_no_case_holds(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    ask_for_pdf(client, letter_form(client))
    store = app.extensions["files"]
    stray = store.put(b"%PDF-1.4 drawn while its case was deleted\n%%EOF")
    with app.extensions["db"].writing() as s:
        s.add(LetterPdf(docx_sha256="0" * 64, renderer=letter_pdfs.renderer(),
                        pdf_sha256=stray, size=10, created_at=utcnow() - dt.timedelta(hours=2)))
    assert letter_pdfs.prune(app, dt.timedelta(days=14)) == 1  # the stray; the download is new
    assert not store.exists(stray)
    with app.extensions["db"].writing() as s:
        download = s.scalars(select(StoredFile).where(StoredFile.kind == "letter_pdf")).one()
        download.created_at = utcnow() - dt.timedelta(days=15)
        sha = download.sha256
    assert letter_pdfs.prune(app, dt.timedelta(days=14)) == 1
    assert count(app, StoredFile) == 0
    assert not store.exists(sha)
