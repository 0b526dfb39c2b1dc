"""Put the finishing touches on the assembled bundle without re-reading any page's drawing.

pypdf's `merge_page` parses every operator of both content streams to rename resources and
wrap them, which cost most of the bundle's assembly time. The stamp ("Page N of M", the case
reference, DRAFT) is instead drawn once per page by ReportLab and attached to each page as a
form XObject of its own, called from two tiny content streams added around the page's
existing ones (`q` before, `Q ... Do` after): the page's own streams are never decoded.
Links are written as plain link annotations pointing at the target page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from referral_builder.documents import pages as P

#: The stamp's name in each page's /XObject resources (another is chosen if a page has it).
STAMP_NAME = "/RBStamp"


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _form(writer: PdfWriter, overlay_page: DictionaryObject, width: float,
          height: float) -> IndirectObject:
    """Turn one page of the overlay into a form XObject in `writer` (its stream bytes as
    they are, still compressed)."""
    source = overlay_page["/Contents"].get_object()
    if isinstance(source, ArrayObject):  # ReportLab writes one stream; be safe anyway
        data = b"\n".join(s.get_object().get_data() for s in source)
        form: StreamObject = DecodedStreamObject()
        form.set_data(data)
    else:
        # The encoded bytes are copied, not decoded.
        form = cast(StreamObject, cast(StreamObject, source).clone(writer))
        for key in ("/Length",):
            form.pop(NameObject(key), None)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width),
                                             FloatObject(height)])
    resources = overlay_page.get("/Resources")
    if resources is not None:
        form[NameObject("/Resources")] = resources.get_object().clone(writer)
    return writer._add_object(form)


def stamp_pages(writer: PdfWriter, reference: str, draft: bool) -> None:
    """Stamp every page of `writer` with "Page N of M", `reference` and, for a draft, DRAFT."""
    pages = list(writer.pages)
    boxes = [p.cropbox for p in pages]
    sizes = [(float(b.width), float(b.height)) for b in boxes]
    overlay = PdfReader(io.BytesIO(P.stamp_pdf(sizes, reference, draft=draft)))
    push = _stream(writer, b"q\n")
    pops: dict[tuple[str, str, str], IndirectObject] = {}
    for page, box, (width, height), stamp in zip(pages, boxes, sizes, overlay.pages,
                                                 strict=True):
        form = _form(writer, stamp, width, height)
        resources = page.get("/Resources")
        copy = DictionaryObject(resources.get_object() if resources is not None else {})
        xobjects = copy.get("/XObject")
        names = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
        name = STAMP_NAME
        while name in names:
            name += "X"
        names[NameObject(name)] = form
        copy[NameObject("/XObject")] = names
        page[NameObject("/Resources")] = copy  # this page's own: others may share the old one
        left, bottom = _number(float(box.left)), _number(float(box.bottom))
        key = (left, bottom, name)
        if key not in pops:
            pops[key] = _stream(writer, f"Q\nq 1 0 0 1 {left} {bottom} cm {name} Do Q\n"
                                .encode("ascii"))
        contents = page.get("/Contents")
        existing: list[PdfObject] = []
        if contents is not None:
            resolved = contents.get_object()
            if isinstance(resolved, ArrayObject):
                existing = list(resolved)
            elif isinstance(contents, IndirectObject):
                existing = [contents]
            else:  # a direct stream: give it a number so an array can point at it
                existing = [writer._add_object(resolved)]
        page[NameObject("/Contents")] = ArrayObject([push, *existing, pops[key]])


def add_links(writer: PdfWriter, links: Iterable[tuple[int, Sequence[float], int]]) -> None:
    """Add (page index, rectangle, target page index) links as plain link annotations."""
    pages = list(writer.pages)
    for index, rect, target in links:
        if not (0 <= index < len(pages) and 0 <= target < len(pages)):
            continue
        page = pages[index]
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/P"): page.indirect_reference,
            NameObject("/Dest"): ArrayObject([pages[target].indirect_reference,
                                              NameObject("/Fit")]),
        })
        annots = page.get("/Annots")
        if annots is None:
            annots = page[NameObject("/Annots")] = ArrayObject()
        cast(ArrayObject, annots.get_object()).append(writer._add_object(annotation))


def attach(writer: PdfWriter, name: str, data: bytes) -> None:
    """Embed `data` as a Flate-compressed file (pypdf stores attachments uncompressed; the
    case of a year's work is megabytes of JSON). Digests are of the uncompressed bytes."""
    embedded = writer.add_attachment(name, data)
    try:
        files = cast(DictionaryObject, embedded.pdf_object["/EF"])
        ref = cast(IndirectObject, files.raw_get("/F"))
        writer._replace_object(ref, cast(StreamObject, ref.get_object()).flate_encode())
    except (AttributeError, KeyError):  # another pypdf: keep it uncompressed, still valid
        pass
