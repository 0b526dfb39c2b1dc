"""Stamping and linking the assembled bundle without rewriting any page's own drawing."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from referral_builder.documents._assembly import STAMP_NAME, add_links, stamp_pages
from tests.builders import simple_pdf


def writer_of(*pdfs: bytes) -> PdfWriter:
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    return writer


def reread(writer: PdfWriter) -> PdfReader:
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(io.BytesIO(out.getvalue()))


def own_streams(page) -> list[bytes]:
    contents = page["/Contents"].get_object()
    refs = list(contents) if isinstance(contents, list) else [page["/Contents"]]
    return [r.get_object()._data for r in refs]


def test_each_page_keeps_its_own_content_streams_byte_for_byte_and_is_stamped():
    writer = writer_of(simple_pdf(2, "Letter"), simple_pdf(1, "Notes", landscape=True))
    before = [own_streams(p) for p in writer.pages]
    stamp_pages(writer, "WAL-2026-0042", draft=False)
    reader = reread(writer)
    for n, page in enumerate(reader.pages, start=1):
        streams = own_streams(page)
        # q, the page's own stream(s) untouched (still compressed), then Q and the stamp.
        assert streams[0].strip() == b"q"
        assert streams[1:-1] == before[n - 1]
        assert streams[-1].startswith(b"Q\n")
        assert f"{STAMP_NAME} Do".encode() in streams[-1]
        text = page.extract_text()
        assert f"Page {n} of 3" in text and "WAL-2026-0042" in text
    assert "Notes page 1" in reader.pages[2].extract_text()


def test_a_page_that_leaves_the_drawing_state_changed_does_not_move_the_stamp():
    writer = writer_of(simple_pdf(1))
    page = writer.pages[0]
    scale = DecodedStreamObject()
    scale.set_data(b"0.5 0 0 0.5 0 0 cm\n")  # never restored by the page
    page[NameObject("/Contents")] = writer._add_object(scale)
    stamp_pages(writer, "X-1", draft=False)
    streams = own_streams(reread(writer).pages[0])
    assert streams[0].strip() == b"q" and streams[-1].startswith(b"Q\n")


def test_pages_sharing_resources_get_each_their_own_stamp():
    writer = writer_of(simple_pdf(2))
    shared = writer.pages[0]["/Resources"]
    writer.pages[1][NameObject("/Resources")] = shared
    stamp_pages(writer, "X-1", draft=False)
    reader = reread(writer)
    assert "Page 1 of 2" in reader.pages[0].extract_text()
    assert "Page 2 of 2" in reader.pages[1].extract_text()


def test_a_page_that_already_uses_the_stamp_name_keeps_its_own_picture():
    writer = writer_of(simple_pdf(1))
    page = writer.pages[0]
    picture = DecodedStreamObject()
    picture.set_data(b"")
    picture.update({NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Form")})
    resources = page["/Resources"].get_object()
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject(STAMP_NAME): writer._add_object(picture)})
    stamp_pages(writer, "X-1", draft=False)
    xobjects = reread(writer).pages[0]["/Resources"]["/XObject"]
    assert set(xobjects) == {STAMP_NAME, STAMP_NAME + "X"}
    assert "Page 1 of 1" in reread(writer).pages[0].extract_text()


def test_links_point_at_their_target_pages_and_impossible_ones_are_dropped():
    writer = writer_of(simple_pdf(3))
    add_links(writer, [(0, (10, 10, 100, 30), 2), (0, (10, 40, 100, 60), 1),
                       (1, (10, 10, 100, 30), 7), (9, (10, 10, 100, 30), 0)])
    reader = reread(writer)
    targets = [reader.get_page_number(a.get_object()["/Dest"][0].get_object())
               for a in reader.pages[0]["/Annots"]]
    assert targets == [2, 1]
    assert "/Annots" not in reader.pages[1]
