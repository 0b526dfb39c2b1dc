"""Issue 11.4, 11.6 and 11.9: importing a case zip.

The school comes from the signed-in user, never the zip; an imported case cannot be sent
until someone confirms the evidence requirements; every document goes through the upload's
acceptance; zip limits are checked from the headers and while reading; damaged zips, deep
JSON and an unwritable file store get a message and save nothing.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from referral_builder.services import cases
from referral_builder.storage.models import CaseRecord, StoredFile
from tests import object_store
from tests.web.conftest import Client, field_errors
from tests.web.test_wizard import case_json, small_pdf
from tests.web.work_pages import through_work

DSL = "dsl@school.example"


@pytest.fixture
def dsl(client: Client) -> Client:
    client.sign_in(DSL)
    return client


def export(client: Client) -> tuple[dict, dict[str, bytes]]:  # type: ignore[type-arg]
    z = zipfile.ZipFile(io.BytesIO(client.get("/cases/1/export").data))
    data = json.loads(z.read("case.json"))
    return data, {n: z.read(n) for n in z.namelist() if n != "case.json"}


def make_zip(data: dict, files: dict[str, bytes] | None = None, *,  # type: ignore[type-arg]
             raw_case: bytes | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("case.json", raw_case if raw_case is not None else json.dumps(data))
        for name, content in (files or {}).items():
            z.writestr(name, content)
    return buf.getvalue()


def with_document(data: dict, name: str, content: bytes) -> tuple[dict, dict[str, bytes]]:  # type: ignore[type-arg]
    data = json.loads(json.dumps(data))
    data["documents"] = [*data.get("documents", []),
                         {"id": "d90", "file": f"evidence/{name}", "title": "Letter"}]
    return data, {f"evidence/{name}": content}


def post_import(client: Client, archive: bytes):  # type: ignore[no-untyped-def]
    """Import, through the job that checks the documents: the redirect to the new case, or
    the import page again with the error."""
    r = through_work(client, client.post(
        "/cases/import", {"archive": (io.BytesIO(archive), "case.zip")},
        content_type="multipart/form-data"))
    if r.status_code == 303 and "/cases/import?work=" in r.headers["Location"]:
        return client.get(r.headers["Location"])
    return r


def case_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count(CaseRecord.id)))


def refused(app, client: Client, archive: bytes) -> str:  # type: ignore[no-untyped-def]
    before = case_count(app)
    r = post_import(client, archive)
    assert r.status_code == 200, r.status_code
    errors = field_errors(r.get_data(as_text=True))
    assert errors and errors[0].startswith("The case cannot be imported:"), errors
    assert case_count(app) == before  # nothing half-saved
    return errors[0]


# ---- 11.4: the school and the tick-box -------------------------------------------------------

def test_an_imported_case_names_the_importing_users_school_not_the_zips(app, client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in(DSL)
    data, files = export(client)
    data["school"] = {"name": "Evil Academy", "urn": "999999", "local_authority": "Nowhere",
                      "head_teacher": "Mr Forger", "address": "1 Fake Street"}
    other = Client(app)
    other.sign_in("b@other.example")  # a DSL at "Other School"
    r = post_import(other, make_zip(data, files))
    assert r.status_code == 303
    new_id = int(r.headers["Location"].split("/")[2])
    school = case_json(app, new_id)["school"]
    assert school["name"] == "Other School"
    assert "Evil Academy" not in json.dumps(case_json(app, new_id))
    # The s.566 certificate and the cover print the case's school: the importer's.
    from referral_builder.schemas.case import load_case

    from referral_builder.documents.certificate import certificate_pdf

    pdf = certificate_pdf(load_case(case_json(app, new_id)).case)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Other School" in text and "Evil Academy" not in text


def test_an_imported_case_cannot_be_sent_until_the_requirements_are_confirmed(
        app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    r = post_import(dsl, dsl.get("/cases/1/export").data)
    new_id = int(r.headers["Location"].split("/")[2])
    for attempt in (dsl.get(f"/cases/{new_id}/submit"),
                    dsl.post(f"/cases/{new_id}/submit", {"version": "1"})):
        assert attempt.status_code == 302
        assert attempt.headers["Location"].endswith(f"/cases/{new_id}/requirements")
    page = dsl.get(f"/cases/{new_id}/requirements").get_data(as_text=True)
    assert "Evidence requirements" in page
    assert dsl.post(f"/cases/{new_id}/requirements", {"confirm": "y"}).status_code == 302
    # Now the submit page goes on to its own checks (here: no bundle yet).
    after = dsl.get(f"/cases/{new_id}/submit")
    assert not after.headers.get("Location", "").endswith("/requirements")
    # A case started in the wizard is not held back.
    assert not dsl.get("/cases/1/submit").headers.get("Location", "").endswith(
        "/requirements")


# ---- 11.6: the upload's acceptance for every document ----------------------------------------

def test_an_imported_pdf_is_cleaned_like_an_upload(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    pdf = small_pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S "
                                                 b"/JavaScript /JS (app.alert\\(1\\)) >>", 1)
    assert b"/JavaScript" in pdf
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", pdf)
    r = post_import(dsl, make_zip(data, files))
    assert r.status_code == 303, field_errors(r.get_data(as_text=True))
    new_id = int(r.headers["Location"].split("/")[2])
    stored = dsl.get(f"/cases/{new_id}/documents/d90").data
    assert stored.startswith(b"%PDF") and b"/JavaScript" not in stored


@pytest.mark.parametrize("name,content,expected", [
    ("d90-tool.exe", b"MZ\x90\x00" * 100, "must be a PDF or a Word document"),
    ("d90-empty.pdf", b"", "is empty"),
    ("d90-macro.docx", None, "macros"),
    ("d90-broken.pdf", b"%PDF-1.7\n1 0 obj\n<<", "The document evidence/d90-broken.pdf"),
])
def test_an_imported_document_the_upload_would_refuse_is_refused(
        app, dsl: Client, name: str, content: bytes | None, expected: str) -> None:  # type: ignore[no-untyped-def]
    if content is None:
        from docx import Document

        buf = io.BytesIO()
        Document().save(buf)
        content = _add_entry(buf.getvalue(), "word/vbaProject.bin", b"\xd0\xcf\x11\xe0" * 64)
    data, files = with_document(export(dsl)[0], name, content)
    message = refused(app, dsl, make_zip(data, files))
    assert expected in message and name in message


def _add_entry(archive: bytes, name: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(name, content)
    return buf.getvalue()


# ---- 11.6: zip limits from the headers and while reading ---------------------------------

def test_a_document_over_the_per_file_limit_is_refused_from_the_header(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-big.pdf",
                                b"%PDF-1.7\n" + b"\0" * (26 * 1024 * 1024))
    message = refused(app, dsl, make_zip(data, files))
    assert "evidence/d90-big.pdf in the zip unpacks to 26 MB" in message
    assert "at most 25 MB" in message


def test_a_highly_compressed_entry_is_refused_as_a_zip_bomb(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-zeros.pdf",
                                b"%PDF-1.7\n" + b"\0" * (5 * 1024 * 1024))
    assert "zip bomb" in refused(app, dsl, make_zip(data, files))


def lie_about_sizes(archive: bytes, name: bytes, claimed: int) -> bytes:
    """Patch the local and central headers of entry `name` to claim `claimed` bytes."""
    buf = bytearray(archive)
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                              (b"PK\x01\x02", 24, 28, 46)):
        pos = 0
        while (pos := buf.find(sig, pos)) != -1:
            n = struct.unpack_from("<H", buf, pos + name_len_at)[0]
            if bytes(buf[pos + name_at:pos + name_at + n]) == name:
                struct.pack_into("<I", buf, pos + size_at, claimed)
            pos += 4
    return bytes(buf)


def test_lying_sizes_in_the_headers_are_caught_while_reading(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-zeros.pdf",
                                b"%PDF-1.7\n" + b"\0" * (5 * 1024 * 1024))
    archive = lie_about_sizes(make_zip(data, files), b"evidence/d90-zeros.pdf", 100)
    message = refused(app, dsl, archive)
    assert "evidence/d90-zeros.pdf" in message and "damaged" in message


def test_the_total_unpacked_size_is_capped_while_reading(monkeypatch) -> None:
    """Headers that claim little, entries that unpack to more: the running total stops it."""
    monkeypatch.setattr(cases, "MAX_IMPORT_BYTES", 3000)
    data = {"format": "referral-case/1"}
    files = {f"evidence/{n}.pdf": bytes(range(256)) * 8 for n in range(3)}
    archive = make_zip(data, files, raw_case=b" " * 10 + json.dumps(data).encode())
    z = zipfile.ZipFile(io.BytesIO(archive))
    budget = [cases.MAX_IMPORT_BYTES]
    with pytest.raises(cases.InvalidCase, match="unpacks to more than"):
        for info in z.infolist():
            cases._read_entry(z, info, budget)


# ---- 11.9: damaged zips, deep JSON, an unwritable file store ----------------------------------

def test_a_zip_with_a_bad_crc_gets_a_message(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = export(dsl)
    archive = bytearray(make_zip(data, files))
    # The CRC of case.json in the local and central headers: both wrong, so only reading
    # the entry finds out.
    for sig, at in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        pos = archive.find(sig)
        archive[pos + at] ^= 0xFF
    message = refused(app, dsl, bytes(archive))
    assert "case.json in the zip is damaged" in message and "CRC" in message


def test_a_zip_with_a_corrupt_deflate_stream_gets_a_message(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = export(dsl)
    archive = bytearray(make_zip(data, files))
    start = 30 + len("case.json")  # case.json's compressed bytes follow its local header
    for n in range(start, start + 40):
        archive[n] = 0xFF
    message = refused(app, dsl, bytes(archive))
    assert "case.json in the zip is damaged" in message


def test_deeply_nested_case_json_gets_a_message(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    for depth in (100, 100_000):
        raw = b'{"format": "referral-case/1", "x": ' + b"[" * depth + b"]" * depth + b"}"
        message = refused(app, dsl, make_zip({}, raw_case=raw, compression=zipfile.ZIP_STORED))
        assert "case.json: cannot be read: it is nested more than 64 levels deep" in message


def test_an_unwritable_file_store_gets_a_message_and_saves_nothing(app, dsl: Client,
                                                                   tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", small_pdf())
    object_store.make_unwritable(app, tmp_path)  # a plain file where its folder should be
    message = refused(app, dsl, make_zip(data, files))
    assert "the file store cannot be written to, so nothing was saved" in message
    with app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(StoredFile.id))) == 0


def test_an_unwritable_file_store_on_upload_gets_a_message_and_saves_nothing(
        app, dsl: Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import version_of

    before = case_json(app)
    object_store.make_unwritable(app, tmp_path)
    version = version_of(dsl.get("/cases/1/events/new/note").get_data(as_text=True))
    r = dsl.post("/cases/1/events/new/note", {
        "version": version, "date": ["2", "11", "2026"], "summary": "Scanned letter",
        "attachment": (io.BytesIO(small_pdf()), "scan.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 503
    assert "The file store cannot be written to, so nothing was saved" in r.get_data(as_text=True)
    assert case_json(app) == before


def test_the_export_round_trip_still_imports(app, dsl: Client) -> None:  # type: ignore[no-untyped-def]
    data, files = with_document(export(dsl)[0], "d90-letter.pdf", small_pdf())
    r = post_import(dsl, make_zip(data, files))
    assert r.status_code == 303, field_errors(r.get_data(as_text=True))
