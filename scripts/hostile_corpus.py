"""Generate a corpus of hostile files for the upload and LA check paths (never committed).

    python scripts/hostile_corpus.py [FOLDER]     # default: a new temporary folder

Writes at least 200 files: PDF bombs, circular references, cyclic page trees, encrypted
PDFs, truncations of a valid PDF and DOCX, DOCX with XXE and billion laughs, zip bombs with
lying sizes, zip-slip names, macro documents, DOCX fields that fetch from outside (issue
11.10), polyglots, deep nesting, active content, empty and over-limit files; case export zips
for the import (issue 11.6, 11.9: bad CRC, corrupt deflate stream, deeply nested case.json,
lying sizes, zip bombs, documents the upload would refuse, another school); bundles whose
manifest.json is deeply nested or has a page_count that is not a number; and files to send
while the file store cannot be written to. Each file name starts with its family, so figures
can be grouped. `scripts/hostile_run.py` pushes them through the app.
"""

from __future__ import annotations

import io
import struct
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

Sample = tuple[str, bytes]  # (file name, content)

OVER_UPLOAD_LIMIT = 25 * 1024 * 1024 + 1024  # MAX_CONTENT_LENGTH is 25 MB
OVER_PDF_LIMIT = 20 * 1024 * 1024 + 1024  # the sanitiser refuses PDFs over 20 MB


# --- building blocks ------------------------------------------------------------------------

def raw_pdf(objects: dict[int, bytes], *, root: int = 1, trailer: bytes = b"",
            header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """A PDF from numbered object bodies, with a correct xref table."""
    out = bytearray(header)
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, trailer, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, length: int | None = None) -> bytes:
    n = len(data) if length is None else length
    return b"<< /Length %d %s>>\nstream\n" % (n, extra) + data + b"\nendstream"


def page_pdf(content: bytes = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET", *,
             extra_catalog: bytes = b"", extra_page: bytes = b"",
             more: dict[int, bytes] | None = None) -> bytes:
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> >> " + extra_page + b">>",
        4: stream(content),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    objs.update(more or {})
    return raw_pdf(objs)


def valid_pdf(pages: int = 3) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(72, 720, f"Attendance letter, page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def valid_docx() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("Minutes of the attendance meeting.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def rezip(base: bytes, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """A copy of the zip `base` with some entries replaced, added or dropped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def lie_about_sizes(data: bytes, claimed: int = 100) -> bytes:
    """Patch every local and central header to claim `claimed` uncompressed bytes."""
    buf = bytearray(data)
    pos = 0
    while (pos := buf.find(b"PK\x03\x04", pos)) != -1:
        struct.pack_into("<I", buf, pos + 22, claimed)
        pos += 4
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        struct.pack_into("<I", buf, pos + 24, claimed)
        pos += 4
    return bytes(buf)


# --- families -------------------------------------------------------------------------------

def pdf_bombs() -> Iterator[Sample]:
    for mb in (50, 200, 1000):
        blob = zlib.compress(b"\0" * (mb * 1024 * 1024) if mb <= 200 else b"", 9)
        if mb > 200:  # 1 GB of zeros without holding it: compress in pieces
            z = zlib.compressobj(1)
            chunk = b"\0" * (16 * 1024 * 1024)
            blob = b"".join(z.compress(chunk) for _ in range(mb // 16)) + z.flush()
        yield f"pdf-bomb-flate-{mb}mb.pdf", page_pdf(more={4: stream(
            blob, b"/Filter /FlateDecode ")})
    inner = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)
    yield "pdf-bomb-double-flate.pdf", page_pdf(more={4: stream(
        zlib.compress(inner, 9), b"/Filter [/FlateDecode /FlateDecode] ")})
    yield "pdf-bomb-lying-length.pdf", page_pdf(more={4: stream(
        zlib.compress(b"q " * 1_000_000), b"/Filter /FlateDecode ", length=10)})
    yield "pdf-bomb-huge-length.pdf", page_pdf(more={4: stream(b"BT ET", length=2**31 - 1)})
    ops = b"q 1 0 0 1 0 0 cm " * 200_000 + b"Q " * 200_000
    yield "pdf-bomb-content-ops.pdf", page_pdf(more={4: stream(
        zlib.compress(ops), b"/Filter /FlateDecode ")})
    yield "pdf-bomb-xobject-fanout.pdf", _xobject_fanout()
    yield "pdf-bomb-many-pages.pdf", _many_pages(5000)
    yield "pdf-bomb-page-count-lie.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"})
    yield "pdf-bomb-huge-mediabox.pdf", page_pdf(
        extra_page=b"/UserUnit 75000 ").replace(b"[0 0 612 792]", b"[0 0 14400 14400]")
    yield "pdf-bomb-image.pdf", page_pdf(more={6: stream(
        zlib.compress(b"\xff" * (8 * 1024 * 1024)),
        b"/Type /XObject /Subtype /Image /Width 65535 /Height 65535 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode ")},
        extra_page=b"/Resources << /XObject << /Im1 6 0 R >> >> ")


def _xobject_fanout(levels: int = 12) -> bytes:
    """Form XObjects that each draw the next level twice: 2**levels draws from a few KB."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /XObject << /X 10 0 R >> >> >>",
            4: stream(b"/X Do")}
    for n in range(levels):
        num = 10 + n
        body = b"/X Do /X Do" if n < levels - 1 else b"0 0 1 1 re f"
        res = b"/Resources << /XObject << /X %d 0 R >> >> " % (num + 1) if n < levels - 1 \
            else b""
        objs[num] = stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] " + res)
    return raw_pdf(objs)


def _many_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (10 + n) for n in range(count))
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count}
    for n in range(count):
        objs[10 + n] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    return raw_pdf(objs)


def circular_references() -> Iterator[Sample]:
    yield "circular-self-parent.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 2 0 R >>",
        3: b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>"})
    yield "circular-indirect-length.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        4: b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream",
        5: b"5 0 R"})
    yield "circular-reference-chain.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 6 0 R >>",
        6: b"7 0 R", 7: b"8 0 R", 8: b"6 0 R"})
    yield "circular-resources.pdf", page_pdf(
        extra_page=b"/Resources 3 0 R ").replace(b"/Resources << /Font << /F1 5 0 R >> >> ",
                                                 b"")
    base = page_pdf()
    xref_at = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    looped = base.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % xref_at)
    yield "circular-xref-prev-self.pdf", looped
    two = base + b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R /Prev " \
        b"%d >>\nstartxref\n%d\n%%%%EOF\n" % (len(base), xref_at)
    yield "circular-xref-prev-pair.pdf", two
    yield "circular-outlines.pdf", page_pdf(
        extra_catalog=b"/Outlines 6 0 R ", more={
            6: b"<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 1 >>",
            7: b"<< /Title (a) /Parent 6 0 R /Next 7 0 R /Prev 7 0 R /First 7 0 R >>"})
    yield "circular-names-tree.pdf", page_pdf(
        extra_catalog=b"/Names << /Dests 6 0 R >> ",
        more={6: b"<< /Kids [6 0 R] >>"})


def cyclic_page_trees() -> Iterator[Sample]:
    yield "cyclic-pages-kid-is-self.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"})
    yield "cyclic-pages-pair.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        4: b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>"})
    yield "cyclic-pages-deep.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 10 0 R >>",
        **{10 + n: b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (11 + n if n < 49 else 10)
           for n in range(50)}})
    yield "cyclic-page-is-its-own-kid.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /Kids [3 0 R] /MediaBox [0 0 612 792] >>"})
    yield "cyclic-pages-same-page-twice.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 3 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"})
    kids = b" ".join(b"2 0 R" for _ in range(1000))
    yield "cyclic-pages-fanout.pdf", raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + kids + b"] /Count 1000 >>"})


def encrypted() -> Iterator[Sample]:
    from pypdf import PdfReader, PdfWriter

    base = valid_pdf(1)
    for n, (user, owner, algo) in enumerate((("", "owner", "RC4-40"), ("", "owner", "RC4-128"),
                                             ("secret", "owner", "AES-128"),
                                             ("", "o", "AES-256"), ("secret", "o", "AES-256"))):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
        buf = io.BytesIO()
        try:
            writer.encrypt(user, owner, algorithm=algo)
            writer.write(buf)
        except Exception:  # AES needs the optional cryptography package
            continue
        yield f"encrypted-{n}-{algo.lower()}{'-password' if user else ''}.pdf", buf.getvalue()
    yield "encrypted-bogus-dict.pdf", page_pdf().replace(
        b"/Root 1 0 R ", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 9 /R 99 >> ")


def truncations(count: int = 100) -> Iterator[Sample]:
    pdf = valid_pdf(2)
    step = max(1, len(pdf) // count)
    for cut in range(0, len(pdf), step):
        yield f"truncated-pdf-{cut:06d}.pdf", pdf[:cut]
    for cut in range(len(pdf) - 40, len(pdf)):  # every cut through the trailer
        yield f"truncated-pdf-tail-{cut:06d}.pdf", pdf[:cut]
    docx = valid_docx()
    for n in range(12):
        cut = len(docx) * n // 12
        yield f"truncated-docx-{cut:06d}.docx", docx[:cut]


XXE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       b'<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else
                                                       b"&lol;") * 10) for n in range(1, 10))
          + b']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
          b'2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')


def offset_archives() -> Iterator[Sample]:
    """A DOCX with bytes missing from, or added before, its start (offsets in the zip lie)."""
    docx = valid_docx()
    for cut in (1, 2, 30):
        yield f"offset-docx-missing-{cut}.docx", docx[cut:]
    yield "offset-docx-prefixed.docx", b"\0" * 512 + docx


def docx_xml_attacks() -> Iterator[Sample]:
    base = valid_docx()
    yield "docx-xxe-document.docx", rezip(base, {"word/document.xml": XXE})
    yield "docx-billion-laughs.docx", rezip(base, {"word/document.xml": LAUGHS})
    yield "docx-xxe-content-types.docx", rezip(base, {"[Content_Types].xml": XXE})
    yield "docx-xxe-rels.docx", rezip(base, {"_rels/.rels": XXE})
    yield "docx-xxe-parameter-entity.docx", rezip(base, {"word/document.xml": XXE.replace(
        b"<!ENTITY xxe SYSTEM", b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p; '
                                 b"<!ENTITY xxe SYSTEM")})
    yield "docx-xxe-styles.docx", rezip(base, {"word/styles.xml": XXE})
    yield "docx-external-image-link.docx", rezip(base, {
        "word/_rels/document.xml.rels":
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId99" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///etc/'
            b'passwd" TargetMode="External"/></Relationships>'})
    yield "docx-not-xml.docx", rezip(base, {"word/document.xml": b"\x00\xff" * 1000})
    yield "docx-missing-document.docx", rezip(base, drop=("word/document.xml",))
    yield "docx-control-chars.docx", rezip(base, {"word/document.xml": XXE.replace(
        b"&xxe;", b"\x01\x02\x1b").replace(b"<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "
                                           b"\"file:///etc/passwd\">]>\n", b"")})


def zip_bombs() -> Iterator[Sample]:
    base = valid_docx()
    zeros = b"\0" * (200 * 1024 * 1024)
    yield "zipbomb-one-entry-200mb.docx", rezip(base, add={"word/media/zeros.bin": zeros})
    yield "zipbomb-lying-sizes.docx", lie_about_sizes(
        rezip(base, add={"word/media/zeros.bin": zeros}))
    yield "zipbomb-lying-document.docx", lie_about_sizes(rezip(
        base, {"word/document.xml": b"<a>" + b" " * (80 * 1024 * 1024) + b"</a>"}))
    yield "zipbomb-many-entries.docx", rezip(base, add={f"x/{n}.xml": b"<a/>"
                                                        for n in range(5000)})
    yield "zipbomb-ratio-just-over.docx", rezip(base, add={
        "word/media/a.bin": b"\0" * (5 * 1024 * 1024)})
    yield "zipbomb-spread-over-entries.docx", rezip(base, add={
        f"word/media/{n}.bin": b"\0" * (2 * 1024 * 1024) for n in range(40)})
    yield "zipbomb-nested-zip.docx", rezip(base, add={
        "word/embeddings/inner.zip": rezip(base, add={"z.bin": zeros[:50 * 1024 * 1024]})})
    yield "zipbomb-overlapping-entries.docx", _overlapping_zip()
    yield "zipbomb-stored-huge-claim.docx", lie_about_sizes(base, claimed=0xFFFFFFFF)


def _overlapping_zip() -> bytes:
    """Many central-directory entries pointing at the same local file (Fifield-style)."""
    data = rezip(valid_docx(), add={"kernel.bin": b"\0" * (4 * 1024 * 1024)})
    cd_at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x05\x06"))
    entry_end = data.find(b"PK", cd_at + 4)
    entry = data[cd_at:entry_end]
    eocd = data.rfind(b"PK\x05\x06")
    copies = [entry.replace(b"kernel.bin", b"kernel%03d" % n) for n in range(300)]
    cd_start = struct.unpack_from("<I", data, eocd + 16)[0]
    central = data[cd_start:eocd] + b"".join(copies)
    head = data[:cd_start]
    count = struct.unpack_from("<H", data, eocd + 10)[0] + len(copies)
    end = bytearray(data[eocd:])
    struct.pack_into("<HHII", end, 8, count, count, len(central), len(head))
    return head + central + bytes(end)


def zip_slip() -> Iterator[Sample]:
    base = valid_docx()
    for n, name in enumerate(("../../../../tmp/evil.txt", "/etc/cron.d/evil",
                              "word/../../evil.xml", "C:\\Windows\\evil.dll",
                              "..\\..\\evil.txt", "word/\x00evil.xml", "./word/./../../x",
                              "word/" + "a" * 5000 + ".xml")):
        yield f"zipslip-{n}.docx", rezip(base, add={name: b"<x/>"})
    with warnings.catch_warnings():  # zipfile warns about the duplicate name: that is the point
        warnings.simplefilter("ignore")
        yield "zipslip-duplicate-document.docx", rezip(base, add={"word/document.xml": XXE})


def macros() -> Iterator[Sample]:
    base = valid_docx()
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    macro_types = base and rezip(base, {"[Content_Types].xml": zipfile.ZipFile(
        io.BytesIO(base)).read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")},
        add={"word/vbaProject.bin": vba})
    yield "macro-vbaproject.docx", rezip(base, add={"word/vbaProject.bin": vba})
    yield "macro-enabled-content-type.docx", macro_types
    yield "macro-named.docm", macro_types
    yield "macro-ole-doc.doc", vba + b"Attribute VB_Name"
    yield "macro-activex.docx", rezip(base, add={"word/activeX/activeX1.bin": vba,
                                                 "word/activeX/activeX1.xml": b"<ax/>"})
    yield "macro-altchunk-html.docx", rezip(base, add={
        "word/afchunk.mht": b"<html><script>alert(1)</script></html>"})


def polyglots() -> Iterator[Sample]:
    pdf, docx = valid_pdf(1), valid_docx()
    yield "polyglot-pdf-then-zip.pdf", pdf + docx
    yield "polyglot-zip-then-pdf.docx", docx + pdf
    yield "polyglot-pdf-named-docx.docx", pdf
    yield "polyglot-docx-named-pdf.pdf", docx
    yield "polyglot-html-pdf.pdf", b"<html><script>alert(1)</script>\n" + pdf
    yield "polyglot-jpeg-pdf.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + pdf
    yield "polyglot-exe.pdf", b"MZ\x90\x00" + b"\0" * 60 + pdf
    yield "polyglot-pdf-header-late.pdf", b"\0" * 1000 + pdf
    yield "polyglot-svg.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    yield "polyglot-zip-in-pdf-stream.pdf", page_pdf(more={6: stream(docx)})
    yield "polyglot-two-headers.pdf", pdf.replace(b"%PDF-1.4", b"%PDF-1.4\n%PDF-2.0", 1)


def active_content() -> Iterator[Sample]:
    js = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    yield "active-openaction-js.pdf", page_pdf(extra_catalog=b"/OpenAction " + js + b" ")
    yield "active-page-aa.pdf", page_pdf(extra_page=b"/AA << /O " + js + b" >> ")
    yield "active-launch.pdf", page_pdf(
        extra_catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >> ")
    yield "active-embedded-file.pdf", page_pdf(
        extra_catalog=b"/Names << /EmbeddedFiles << /Names [(x.exe) 6 0 R] >> >> ",
        more={6: b"<< /Type /Filespec /F (x.exe) /EF << /F 7 0 R >> >>",
              7: stream(b"MZ" + b"\0" * 100, b"/Type /EmbeddedFile ")})
    yield "active-acroform-xfa.pdf", page_pdf(
        extra_catalog=b"/AcroForm << /XFA 6 0 R /Fields [] >> ", more={6: stream(b"<xdp/>")})
    yield "active-uri-link.pdf", page_pdf(
        extra_page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 600 800] "
                   b"/A << /S /URI /URI (http://127.0.0.1/) >> >>] ")
    yield "active-names-javascript.pdf", page_pdf(
        extra_catalog=b"/Names << /JavaScript << /Names [(a) " + js + b"] >> >> ")


def malformed_structure() -> Iterator[Sample]:
    deep = b"[" * 100_000 + b"]" * 100_000
    yield "deep-nested-arrays.pdf", page_pdf(extra_catalog=b"/Deep " + deep + b" ")
    deep_dict = b"<< /A " * 50_000 + b"1" + b" >>" * 50_000
    yield "deep-nested-dicts.pdf", page_pdf(extra_catalog=b"/Deep " + deep_dict + b" ")
    yield "no-xref.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
    yield "garbage-xref.pdf", page_pdf().replace(b"xref\n0 6", b"xref\n0 999999999")
    yield "negative-offsets.pdf", page_pdf().replace(b"0000000", b"-000000", 3)
    yield "startxref-beyond-eof.pdf", page_pdf().replace(b"startxref\n", b"startxref\n99999")
    yield "huge-object-number.pdf", page_pdf(extra_catalog=b"/Big 2147483646 0 R ").replace(
        b"xref\n", b"2147483646 0 obj\nnull\nendobj\nxref\n", 1)
    yield "name-with-bad-escapes.pdf", page_pdf(extra_catalog=b"/A#zz#00#FF 1 ")
    yield "string-unbalanced.pdf", page_pdf(extra_catalog=b"/S (((((((( ")
    yield "only-header.pdf", b"%PDF-1.7\n"
    yield "header-only-eof.pdf", b"%PDF-1.7\n%%EOF"
    yield "objstm-self-extends.pdf", page_pdf(more={6: stream(
        b"1 0 ", b"/Type /ObjStm /N 1 /First 4 /Extends 6 0 R ")})
    yield "random-bytes.pdf", bytes((n * 7919 + 13) % 256 for n in range(4096))
    yield "random-bytes.docx", bytes((n * 104729 + 7) % 256 for n in range(4096))
    yield "utf16-text.pdf", "%PDF-1.7 not really".encode("utf-16")


def sizes() -> Iterator[Sample]:
    yield "empty.pdf", b""
    yield "empty.docx", b""
    yield "empty-no-extension", b""
    yield "one-byte.pdf", b"%"
    yield "over-pdf-limit-21mb.pdf", valid_pdf(1)[:-6] + b"%" * OVER_PDF_LIMIT + b"\n%%EOF\n"
    yield "over-upload-limit-26mb.pdf", b"%PDF-1.7\n" + b"\0" * OVER_UPLOAD_LIMIT
    yield "over-upload-limit-26mb.docx", b"PK\x03\x04" + b"\0" * OVER_UPLOAD_LIMIT
    yield "wrong-type.exe", b"MZ\x90\x00" * 100
    yield "wrong-type.html", b"<html><script>alert(1)</script></html>"
    yield "wrong-type.txt", b"just text"
    yield "name-traversal-..%2f..%2fetc%2fpasswd.pdf", valid_pdf(1)
    yield "name-unicode-\u202eexe.pdf", valid_pdf(1)
    yield "valid-control.pdf", valid_pdf(2)
    yield "valid-control.docx", valid_docx()


def docx_fields() -> Iterator[Sample]:
    """Field codes that make Word fetch content from outside the file or run a program."""
    base = valid_docx()
    w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def doc(runs: bytes) -> bytes:
        return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + w
                + b"><w:body><w:p>" + runs + b"</w:p></w:body></w:document>")

    def fld(*codes: bytes) -> bytes:
        begin = b'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        end = b'<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        return begin + b"".join(b"<w:r><w:instrText>" + c + b"</w:instrText></w:r>"
                                for c in codes) + end

    for name, runs in (
            ("includepicture-url", fld(b'INCLUDEPICTURE "http://127.0.0.1:9/t.png" \\d')),
            ("includepicture-split", fld(b"INCLUDE", b'PICTURE "http://127.0.0.1:9/t.png"')),
            ("ddeauto", fld(b'DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe"')),
            ("includetext-unc", fld(b'INCLUDETEXT "\\\\127.0.0.1\\share\\a.docx"')),
            ("fldsimple", b'<w:fldSimple w:instr="INCLUDEPICTURE &quot;http://127.0.0.1:9/'
                          b'&quot;"><w:r><w:t>x</w:t></w:r></w:fldSimple>'),
            ("cdata", fld(b"<![CDATA[ddeauto]]> cmd.exe"))):
        yield f"docxfield-{name}.docx", rezip(base, {"word/document.xml": doc(runs)})


# --- case export zips for the import (POST /cases/import) ----------------------------------

def _case_zip(case: dict | None = None, files: dict[str, bytes] | None = None, *,  # type: ignore[type-arg]
              raw_case: bytes | None = None, stored: bool = False) -> bytes:
    import json

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) \
            as z:
        z.writestr("case.json", raw_case if raw_case is not None else json.dumps(case))
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def _demo_case(**changes: object) -> dict:  # type: ignore[type-arg]
    import datetime as dt

    from referral_builder.services.demo import demo_case

    case = demo_case("WAL-2026-0001", dt.date.today())
    case.update(changes)
    return case


def _with_doc(name: str, content: bytes) -> tuple[dict, dict[str, bytes]]:  # type: ignore[type-arg]
    case = _demo_case(documents=[{"id": "d90", "file": f"evidence/{name}", "title": "Letter"}])
    return case, {f"evidence/{name}": content}


def _patch_local_header(data: bytes, name: bytes, offset: int, value: int) -> bytes:
    buf = bytearray(data)
    for sig, at, name_len_at, name_at in ((b"PK\x03\x04", offset, 26, 30),
                                          (b"PK\x01\x02", offset + 2, 28, 46)):
        pos = 0
        while (pos := buf.find(sig, pos)) != -1:
            n = struct.unpack_from("<H", buf, pos + name_len_at)[0]
            if bytes(buf[pos + name_at:pos + name_at + n]) == name:
                struct.pack_into("<I", buf, pos + at, value)
            pos += 4
    return bytes(buf)


def import_zips() -> Iterator[Sample]:
    import json

    good = _case_zip(_demo_case())
    yield "import-valid-control.zip", good
    yield "import-valid-with-pdf.zip", _case_zip(*_with_doc("d90-letter.pdf", valid_pdf(1)))
    yield "import-other-school.zip", _case_zip(_demo_case(school={
        "name": "Evil Academy", "urn": "999999", "local_authority": "Nowhere",
        "head_teacher": "Mr Forger", "address": "1 Fake Street"}))
    yield "import-not-a-zip.zip", b"PK\x03\x04 this is not a zip at all"
    yield "import-empty.zip", b""
    yield "import-no-case-json.zip", _case_zip(raw_case=b"{}").replace(b"case.json",
                                                                        b"xase.json")
    crc = bytearray(good)
    for sig, at in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        crc[crc.find(sig) + at] ^= 0xFF
    yield "import-bad-crc.zip", bytes(crc)
    broken = bytearray(good)
    start = 30 + len("case.json")
    broken[start:start + 40] = b"\xff" * 40
    yield "import-corrupt-deflate.zip", bytes(broken)
    yield "import-truncated.zip", good[: len(good) // 2]
    for depth in (100, 100_000):
        raw = b'{"format": "referral-case/1", "x": ' + b"[" * depth + b"]" * depth + b"}"
        yield f"import-deep-json-{depth}.zip", _case_zip(raw_case=raw, stored=True)
    deep_obj = b'{"a": ' * 5000 + b"1" + b"}" * 5000
    yield "import-deep-json-objects.zip", _case_zip(raw_case=deep_obj, stored=True)
    yield "import-case-json-a-list.zip", _case_zip(raw_case=b"[1, 2, 3]")
    yield "import-case-json-not-utf8.zip", _case_zip(raw_case=b"\xff\xfe{\x00}")
    yield "import-case-json-invalid.zip", _case_zip(raw_case=b'{"format": ')
    yield "import-case-json-wrong-types.zip", _case_zip(raw_case=json.dumps(
        _demo_case(documents="d1", events={"a": 1})).encode())
    zeros = b"%PDF-1.7\n" + b"\0" * (5 * 1024 * 1024)
    yield "import-zipbomb-ratio.zip", _case_zip(*_with_doc("d90-zeros.pdf", zeros))
    yield "import-zipbomb-lying-sizes.zip", _patch_local_header(
        _case_zip(*_with_doc("d90-zeros.pdf", zeros)), b"evidence/d90-zeros.pdf", 22, 100)
    yield "import-over-file-limit.zip", _case_zip(*_with_doc(
        "d90-big.pdf", b"%PDF-1.7\n" + b"\0" * (26 * 1024 * 1024)))
    yield "import-lying-case-json-size.zip", _patch_local_header(good, b"case.json", 22, 10)
    enc = bytearray(good)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        enc[enc.find(sig) + at] |= 1
    yield "import-encrypted-flag.zip", bytes(enc)
    yield "import-zipslip.zip", _case_zip(_demo_case(), {"../../evil.txt": b"x"})
    yield "import-many-entries.zip", _case_zip(_demo_case(), {f"x/{n}": b"" for n in
                                                              range(600)})
    yield "import-missing-document.zip", _case_zip(_with_doc("d90-gone.pdf", b"")[0])
    yield "import-doc-exe.zip", _case_zip(*_with_doc("d90-tool.exe", b"MZ\x90\x00" * 100))
    yield "import-doc-empty.zip", _case_zip(*_with_doc("d90-empty.pdf", b""))
    yield "import-doc-encrypted.zip", _case_zip(*_with_doc(
        "d90-locked.pdf", next(encrypted())[1]))
    yield "import-doc-pdf-bomb.zip", _case_zip(*_with_doc("d90-bomb.pdf", next(pdf_bombs())[1]))
    yield "import-doc-macro.docx.zip", _case_zip(*_with_doc(
        "d90-macro.docx", dict(macros())["macro-vbaproject.docx"]))
    yield "import-doc-xxe.zip", _case_zip(*_with_doc(
        "d90-xxe.docx", dict(docx_xml_attacks())["docx-xxe-document.docx"]))
    yield "import-doc-includepicture.zip", _case_zip(*_with_doc(
        "d90-field.docx", next(docx_fields())[1]))
    yield "import-doc-active-pdf.zip", _case_zip(*_with_doc(
        "d90-active.pdf", next(active_content())[1]))


# --- bundles whose manifest cannot be trusted (POST /la/check-a-bundle) ---------------------

def bundle_with(attachments: dict[str, bytes]) -> bytes:
    """A one-page PDF carrying `attachments` the way a bundle carries its manifest."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(valid_pdf(1))))
    for name, data in attachments.items():
        writer.add_attachment(name, data)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def bundle_manifests() -> Iterator[Sample]:
    import json

    def manifest(**fields: object) -> bytes:
        return json.dumps({"format": "referral-bundle/1", "page_count": 1, **fields}).encode()

    for depth in (100, 100_000):
        yield f"manifest-deep-json-{depth}.pdf", bundle_with({
            "manifest.json": b'{"format": "referral-bundle/1", "x": ' + b"[" * depth
                             + b"]" * depth + b"}"})
    yield "manifest-page-count-text.pdf", bundle_with({"manifest.json": manifest(
        page_count="twelve")})
    yield "manifest-page-count-float.pdf", bundle_with({"manifest.json": manifest(
        page_count=1.5)})
    yield "manifest-page-count-null.pdf", bundle_with({"manifest.json": manifest(
        page_count=None)})
    yield "manifest-page-count-huge.pdf", bundle_with({"manifest.json": manifest(
        page_count=2**70)})
    yield "manifest-attachments-list.pdf", bundle_with({"manifest.json": manifest(
        attachments=["case.json"])})
    yield "manifest-documents-strings.pdf", bundle_with({"manifest.json": manifest(
        documents=["d1", "d2"], page_fingerprints=["x", "y"])})
    yield "manifest-first-page-text.pdf", bundle_with({"manifest.json": manifest(
        documents=[{"id": "d1", "first_page": "one", "last_page": 2}],
        page_fingerprints=["x", "y"])})
    yield "manifest-checklists-object.pdf", bundle_with({"manifest.json": manifest(
        checklists={"walsall": "2024-09"})})
    yield "manifest-not-json.pdf", bundle_with({"manifest.json": b"{not json"})
    yield "manifest-case-json-deep.pdf", bundle_with({
        "manifest.json": manifest(),
        "case.json": b"[" * 100_000 + b"]" * 100_000,
        "check-report.json": b'{"a":' * 50_000 + b"1" + b"}" * 50_000})


# --- sent while the file store cannot be written to ------------------------------------------

def unwritable_store() -> Iterator[Sample]:
    """The runner points the file store at a path under a regular file for these."""
    yield "unwritable-store-upload.pdf", valid_pdf(1)
    yield "unwritable-store-upload.docx", valid_docx()
    yield "unwritable-store-import.zip", _case_zip(*_with_doc("d90-letter.pdf", valid_pdf(1)))


def register_files() -> Iterator[Sample]:
    """Register exports for the register upload (issue 11.3, 11.9, 11.13)."""
    head = "Date,Session,Mark\n"
    yield "register-long-field.csv", (head + "2026-09-07,AM," + "/" * 140_000 + "\n").encode()
    yield "register-nul.csv", (head + "2026-09-07,AM,/\n2026-09-07,PM,\0\n").encode()
    yield "register-control-chars.csv", (head + "2026-09-07,AM,\x1b[31m/\n").encode()
    yield "register-utf16-valid.csv", (head + "2026-09-07\tAM\t/\n".replace("\t", ",")
                                        ).encode("utf-16")
    rows = "2026-09-07,AM,/\n" * 250_001
    yield "register-too-many-rows.csv", (head + rows).encode()
    yield "register-not-a-workbook.xlsx", rezip(valid_docx())
    yield "register-binary.csv", bytes(range(256)) * 64


FAMILIES = (pdf_bombs, circular_references, cyclic_page_trees, encrypted, truncations,
            offset_archives, docx_xml_attacks, zip_bombs, zip_slip, macros, docx_fields,
            polyglots, active_content, malformed_structure, sizes, import_zips,
            bundle_manifests, unwritable_store, register_files)


def generate(folder: Path) -> list[Path]:
    """Write every sample into `folder` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for family in FAMILIES:
        for name, data in family():
            path = folder / name.replace("/", "_").replace("\0", "_")
            path.write_bytes(data)
            paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="hostile-"))
    paths = generate(folder)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} hostile files, {total / 1048576:.1f} MB, in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
