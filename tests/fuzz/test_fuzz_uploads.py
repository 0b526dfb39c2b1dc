"""Fuzzing the upload validators: a damaged or crafted Word file or PDF is refused with
UnsafeDocument (or ConversionFailed when a checked Word file cannot be rendered), never
another exception and never a crash of the app's process."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from referral_builder.documents.docx_pdf import ConversionFailed, docx_to_pdf
from referral_builder.documents.safety import UnsafeDocument, check_docx
from referral_builder.documents.sanitise import Limits, sanitise_pdf
from tests.documents.test_safety import plain_docx
from tests.fuzz.profile import count, fuzz_settings, slow_settings

DOCX = plain_docx("Dear Jane Smith, about Zoë's attendance")
with zipfile.ZipFile(io.BytesIO(DOCX)) as _z:
    PARTS = {i.filename: _z.read(i) for i in _z.infolist()}
XML_TOKENS = [b"<!DOCTYPE x>", b"<!ENTITY a 'b'>", b"<w:p>", b"</w:p>", b"<w:t>", b"</w:t>",
              b"&amp;", b"&x;", b"\x00", b"\xff\xfe", b"<![CDATA[", b"]]>", b"<?xml ?>",
              b"vbaProject", b"macroEnabled", b"<w:tbl>", b'<w:pgSz w:w="0" w:h="-1"/>',
              b'<w:pgSz w:w="99999999999"/>', b"<w:sectPr>", b'w:val="99999999999999"']


def mutate(data: bytes, draw: st.DrawFn, tokens: list[bytes]) -> bytes:
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]))
        if how == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif how == "insert":
            data = data[:at] + draw(st.sampled_from(tokens) | st.binary(max_size=8)) + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif how == "truncate":
            data = data[:at]
        else:
            piece = data[at:at + draw(st.integers(1, 32))]
            data = data[:at] + piece * draw(st.integers(2, 20)) + data[at:]
    return data


def refused_or_accepted(data: bytes) -> bool:
    try:
        check_docx(data)
    except UnsafeDocument as exc:
        assert str(exc)
        return False
    return True


@fuzz_settings
@given(st.binary(max_size=2000))
def test_check_docx_on_any_bytes(data: bytes) -> None:
    count("docx: any bytes")
    refused_or_accepted(data)


@fuzz_settings
@given(st.data())
def test_check_docx_on_a_damaged_docx(data: st.DataObject) -> None:
    count("docx: damaged file")
    refused_or_accepted(mutate(DOCX, data.draw, XML_TOKENS))


@fuzz_settings
@given(st.dictionaries(
    st.sampled_from([*PARTS, "word/vbaProject.bin", "../evil.xml", "/abs.xml", "a\\b.xml",
                     "C:x.xml", "word/document.xml", "WORD/DOCUMENT.XML", "x" * 300])
    | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
              min_size=1, max_size=20),  # names a zip can hold
    st.sampled_from(list(PARTS.values())) | st.binary(max_size=300), max_size=12),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                     zipfile.ZIP_LZMA]), st.data())
def test_a_crafted_zip_is_refused_or_renders(parts: dict[str, bytes], method: int,
                                             data: st.DataObject) -> None:
    """Zips with real, hostile and random parts; the XML parts mutated. What check_docx
    accepts must render to PDF or fail with ConversionFailed."""
    count("docx: crafted zip")
    contents = {**PARTS, **parts} if data.draw(st.booleans()) else parts
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in contents.items():
            if name.endswith((".xml", ".rels")) and data.draw(st.booleans()):
                body = mutate(body, data.draw, XML_TOKENS)
            z.writestr(name, body)
    docx = out.getvalue()
    if not refused_or_accepted(docx):
        return
    try:
        pdf = docx_to_pdf(docx)
    except (UnsafeDocument, ConversionFailed) as exc:
        assert str(exc)
    else:
        assert pdf.startswith(b"%PDF")


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Letter from the school")
    c.showPage()
    c.drawString(72, 720, "Page two")
    c.save()
    return buf.getvalue()


PDF = small_pdf()
PDF_TOKENS = [b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref",
              b"/Type /Page", b"/Kids [1 0 R 1 0 R]", b"/Length 999999999", b"/Encrypt",
              b"/JavaScript", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"%%EOF",
              b"<<", b">>", b"[", b"]", b"/Filter /FlateDecode", b"9999999999 0 R", b"-1"]
LIMITS = Limits(wall_seconds=20, cpu_seconds=10, memory_bytes=512 * 1024 * 1024)


@slow_settings
@given(st.data())
def test_sanitise_pdf_on_a_damaged_pdf(data: st.DataObject) -> None:
    count("pdf: damaged file (child process)")
    damaged = mutate(PDF, data.draw, PDF_TOKENS)
    try:
        clean = sanitise_pdf(damaged, limits=LIMITS)
    except UnsafeDocument as exc:
        assert str(exc)
    else:
        assert clean.startswith(b"%PDF")
