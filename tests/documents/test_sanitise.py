"""Untrusted PDFs are opened in a child process and come back without scripts or actions."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from referral_builder.documents.sanitise import (
    Limits,
    UnsafeDocument,
    inspect_pdf,
    sanitise_many,
    sanitise_pdf,
)
from referral_builder.domain.errors import ReferralBuilderError
from tests.builders import simple_pdf


def js_action(script: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(script)})


def hostile_pdf() -> bytes:
    """Two pages with an /OpenAction script, document JavaScript, page /AA, a launch link,
    an embedded file and a harmless note annotation."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(2, "Hostile"))))
    names = DictionaryObject({NameObject("/Names"): ArrayObject([
        TextStringObject("doc"), writer._add_object(js_action("app.alert('document');"))])})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)})
    writer._root_object[NameObject("/OpenAction")] = js_action("app.alert('open');")
    writer.add_attachment("payload.exe", b"MZ not really")
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js_action("app.alert(1)")})
    rect = ArrayObject([FloatObject(50), FloatObject(50), FloatObject(150), FloatObject(80)])
    launch = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): rect,
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                            NameObject("/F"): TextStringObject("cmd.exe")})})
    note = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): rect, NameObject("/Contents"): TextStringObject("reviewed"),
        NameObject("/F"): NumberObject(4)})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(launch),
                                               writer._add_object(note)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(1))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw(data: bytes) -> bytes:
    return data


def test_unsafe_document_is_a_referral_builder_error():
    assert issubclass(UnsafeDocument, ReferralBuilderError)


def test_a_hostile_pdf_comes_back_with_its_pages_and_nothing_active():
    original = hostile_pdf()
    assert b"/JavaScript" in original and b"/Launch" in original
    clean = sanitise_pdf(original)
    reader = PdfReader(io.BytesIO(clean))
    assert len(reader.pages) == 2
    assert "Hostile page 1" in reader.pages[0].extract_text()
    for needle in (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch",
                   b"/EmbeddedFile", b"payload.exe", b"app.alert"):
        assert needle not in clean, needle
    annots = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert [a["/Subtype"] for a in annots] == ["/Text"]
    assert not reader.attachments


def test_a_rotated_page_is_turned_into_its_content():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(1))))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    page = PdfReader(io.BytesIO(sanitise_pdf(out.getvalue()))).pages[0]
    assert page.rotation == 0
    assert page.mediabox.width > page.mediabox.height


@pytest.mark.parametrize(("make", "words"), [
    (encrypted_pdf, "password-protected"),
    (lambda: simple_pdf(3)[:-400], "incomplete"),
    (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "not a PDF"),
    (lambda: b"", "empty"),
    (lambda: b"%PDF-1.7\n" + b"garbage " * 500 + b"\n%%EOF\n", "damaged"),
], ids=["encrypted", "truncated", "garbage", "empty", "no-objects"])
def test_unreadable_files_are_refused_in_plain_words(make, words):
    with pytest.raises(UnsafeDocument, match=words):
        sanitise_pdf(make(), name="letter.pdf")


def test_every_truncation_of_a_small_pdf_is_refused_or_cleaned():
    data = simple_pdf(1)
    outcomes = sanitise_many([(f"cut {n}", data[:n]) for n in range(0, len(data), 97)])
    assert all(isinstance(o, (bytes, UnsafeDocument)) for o in outcomes)
    assert sum(isinstance(o, UnsafeDocument) for o in outcomes) >= len(outcomes) - 1


def test_the_page_and_size_limits_are_configurable():
    with pytest.raises(UnsafeDocument, match="6 pages; the limit is 5"):
        sanitise_pdf(simple_pdf(6), limits=Limits(max_pages=5))
    with pytest.raises(UnsafeDocument, match="limit is 0 MB"):
        sanitise_pdf(simple_pdf(1), limits=Limits(max_bytes=1000))


def test_a_reader_that_runs_out_of_memory_is_stopped_and_reported():
    with pytest.raises(UnsafeDocument, match=r"letter\.pdf: "):
        sanitise_pdf(simple_pdf(1), limits=Limits(memory_bytes=20 * 1024 * 1024),
                     name="letter.pdf")


def test_a_reader_that_takes_too_long_is_killed():
    with pytest.raises(UnsafeDocument, match=r"longer than 0\.01 seconds"):
        sanitise_pdf(simple_pdf(1), limits=Limits(wall_seconds=0.01))


def test_inspect_reads_pages_and_attachments():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(simple_pdf(3))))
    writer.add_attachment("case.json", b'{"a": 1}')
    out = io.BytesIO()
    writer.write(out)
    answer = inspect_pdf(out.getvalue())
    assert answer["pages"] == 3
    assert set(answer["attachments"]) == {"case.json"}
    assert len(answer["fingerprints"]) == 3


def test_many_files_come_back_in_order_each_with_its_own_answer():
    files = [(f"file {n}", simple_pdf(n % 3 + 1, f"File {n}") if n % 4 else b"not a pdf")
             for n in range(9)]
    results = sanitise_many(files, workers=2)
    for n, result in enumerate(results):
        if n % 4:
            assert f"File {n} page 1" in PdfReader(io.BytesIO(result)).pages[0].extract_text()
        else:
            assert isinstance(result, UnsafeDocument)
            assert str(result) == f"file {n}: The file is not a PDF."


def test_when_a_shared_reader_dies_each_file_is_retried_on_its_own(monkeypatch):
    from referral_builder.documents import sanitise

    calls = []
    real = sanitise._batch

    def batch(job, files, indexes, *args):
        calls.append(list(indexes))
        if len(indexes) > 1:
            return None  # the shared child died before answering
        return real(job, files, indexes, *args)

    monkeypatch.setattr(sanitise, "_batch", batch)
    results = sanitise_many([("a.pdf", simple_pdf(1)), ("b.pdf", b"junk")], workers=1)
    assert calls == [[0, 1], [0], [1]]
    assert isinstance(results[0], bytes)
    assert str(results[1]) == "b.pdf: The file is not a PDF."


def test_word_documents_are_converted_in_child_processes():
    docx = pytest.importorskip("docx")
    from referral_builder.documents.sanitise import convert_docx_many

    document = docx.Document()
    document.add_paragraph("Dear Mr Nowak")
    out = io.BytesIO()
    document.save(out)
    results = convert_docx_many([("letter.docx", out.getvalue(), "Letter"),
                                 ("bad.docx", b"PK not a zip", "Bad")])
    assert "Dear Mr Nowak" in PdfReader(io.BytesIO(results[0])).pages[0].extract_text()
    assert isinstance(results[1], UnsafeDocument) and str(results[1]).startswith("bad.docx: ")


def test_a_shared_reader_out_of_memory_refuses_each_file_by_name():
    files = [("a.pdf", simple_pdf(1)), ("b.pdf", simple_pdf(2))]
    results = sanitise_many(files, limits=Limits(memory_bytes=4 * 1024 * 1024), workers=1)
    assert [str(r).split(":")[0] for r in results] == ["a.pdf", "b.pdf"]
    assert all("needs more memory to open than is allowed" in str(r) for r in results)


def raw_pdf(objects: list[bytes]) -> bytes:
    """A hand-written PDF with a correct xref, for structures ReportLab will not make."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def cyclic_page_tree() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"])


def compression_bomb() -> bytes:
    import zlib

    stream = zlib.compress(b"0" * (200 * 1024 * 1024), 9)
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
                    + b"\nendstream"])


def test_hostile_structures_are_refused_or_cleaned_without_harm():
    import time

    corpus = [("cyclic page tree", cyclic_page_tree()), ("200 MB content", compression_bomb()),
              ("circular xref", raw_pdf([b"<< /Type /Catalog /Pages 1 0 R >>"]))]
    for name, data in corpus:
        start = time.perf_counter()
        try:
            clean = sanitise_pdf(data, name=name)
        except UnsafeDocument as exc:
            assert str(exc).startswith(f"{name}: ")
        else:
            assert PdfReader(io.BytesIO(clean)).pages
        assert time.perf_counter() - start < 30


def test_a_compression_bomb_is_refused_as_too_big_to_open():
    with pytest.raises(UnsafeDocument, match="needs more memory to open than is allowed"):
        sanitise_pdf(compression_bomb())


def test_uploads_and_word_letters_share_the_same_children(monkeypatch):
    import subprocess

    from referral_builder.documents import sanitise
    from tests.documents.test_safety import plain_docx

    started = []
    real = subprocess.run

    def run(cmd, *args, **kwargs):
        started.append(cmd[3])
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(sanitise.subprocess, "run", run)
    clean, converted = sanitise.prepare_many(
        [("notes.pdf", simple_pdf(2, "Notes")), ("broken.pdf", b"%PDF-1.4 no end")],
        [("letter.docx", plain_docx("Dear Jane Smith"), "Letter"),
         ("bad.docx", b"PK not a zip", "Bad")], workers=2)
    assert started == ["mixed-batch", "mixed-batch"]  # not a pair of children per kind
    assert len(PdfReader(io.BytesIO(clean[0])).pages) == 2
    assert isinstance(clean[1], UnsafeDocument) and str(clean[1]).startswith("broken.pdf: ")
    assert "Dear Jane Smith" in PdfReader(io.BytesIO(converted[0])).pages[0].extract_text()
    assert isinstance(converted[1], UnsafeDocument) and str(converted[1]).startswith("bad.docx")
