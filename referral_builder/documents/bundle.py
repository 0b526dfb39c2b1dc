"""Assemble the one-PDF evidence bundle: cover, index, sections, documents, attachments.

Follows the judiciary's e-bundle conventions (product.md): pages numbered from 1 on the cover
so the printed number is the PDF page number, an index whose entries link to their pages, a
bookmark per section and document, documents in date order. A generated section (compliance,
chronology, certificate) begins with its divider heading on its own first page; a section of
uploaded documents begins with a divider page that lists them with their pages. Page numbers
printed inside the bundle (index, chronology, compliance) come from a layout repeated until
the page count no longer changes. The case, the check report and a manifest (SHA-256 and page
range of every source document, a fingerprint of every page) are attached so that an LA
officer's copy of the tool can re-check the bundle (`verify.py`).

This module only lays out and assembles what it is given: the service
(`referral_builder.services.bundling`) checks the case once, refuses a case that is not
ready, and serialises the case and the report for the attachments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pypdf import PdfWriter

from referral_builder.documents import _layout as L
from referral_builder.documents import pages as P
from referral_builder.documents._assembly import add_links, attach, stamp_pages
from referral_builder.documents._pdf_worker import page_fingerprint
from referral_builder.documents.certificate import certificate_part
from referral_builder.documents.chronology import chronology_part, sorted_events
from referral_builder.documents.compliance import compliance_part
from referral_builder.documents.formats import (
    CASE_ATTACHMENT,
    MANIFEST_ATTACHMENT,
    MANIFEST_FORMAT,
    REPORT_ATTACHMENT,
)
from referral_builder.documents.safety import UnsafeDocument
from referral_builder.documents.sanitise import (
    DEFAULT_LIMITS,
    Limits,
    prepare_many,
)
from referral_builder.documents.wording import missing_copies
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import DocumentProblem
from referral_builder.domain.model import Case, Document
from referral_builder.domain.results import CheckReport

LETTER_TYPES = ("letter", "email")
#: Sections of uploaded documents (which we cannot draw on): each has a divider page that
#: lists its documents. The other sections are generated and begin with their own heading.
DOCUMENT_SECTIONS = ("letters", "evidence")
#: (key, letter, title, divider description) in bundle order.
SECTIONS = (
    ("compliance", "A", "Compliance with the evidence checklist",
     "Each item of the local authority's checklist in its own words, whether it is met, why, "
     "and the pages of the evidence."),
    ("chronology", "B", "Chronology",
     "Every recorded action in date order: letters, calls, meetings, support and agencies."),
    ("certificate", "C", "Attendance certificate",
     "The head teacher's certificate of attendance (Education Act 1996 s.566), with the "
     "register week by week."),
    ("letters", "D", "Letters and emails",
     "Letters and emails sent to the parents and carers, in date order."),
    ("evidence", "E", "Other evidence",
     "Meeting notes, records of calls and visits, referrals, agency correspondence and other "
     "documents, in date order."),
)


__all__ = ["CASE_ATTACHMENT", "MANIFEST_ATTACHMENT", "MANIFEST_FORMAT", "REPORT_ATTACHMENT",
           "Bundle", "DocumentProblem", "KeptPdfs", "assemble_bundle"]


class KeptPdfs(Protocol):
    """PDFs already drawn from Word documents, found by the DOCX's SHA-256 (the service keeps
    them: services/letter_pdfs.py). A letter's PDF is drawn by `docx_to_pdf` in a sandboxed
    child, here or when the letter was recorded, and is used as it is either way; uploaded PDFs
    are never looked up here (they are cleaned at every build)."""

    def get(self, docx_sha256: str) -> bytes | None:
        """The PDF drawn from this DOCX by the current renderer, or None."""

    def keep(self, docx_sha256: str, pdf: bytes) -> None:
        """Keep the PDF just drawn from this DOCX (must not raise)."""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    first_page: int
    last_page: int


@dataclass(frozen=True)
class BundledDocument:
    id: str
    title: str
    file: str
    section: str
    date: dt.date | None
    sha256: str
    first_page: int
    last_page: int


@dataclass
class Bundle:
    pdf: bytes
    report: CheckReport
    page_count: int
    sections: tuple[Section, ...]
    documents: tuple[BundledDocument, ...] = ()
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Doc:
    doc: Document
    section: str
    date: dt.date | None
    sha256: str = ""
    part: L.Part | None = None

    @property
    def title(self) -> str:
        return self.doc.title or self.doc.file.rsplit("/", 1)[-1]


@dataclass
class _Block:
    """A run of pages in the bundle: `part` pages `first..first+count-1` (0-based)."""

    key: str
    part: L.Part
    first: int = 0
    count: int = 0
    start: int = 0  # 1-based bundle page, set by _place


def assemble_bundle(case: Case, *, report: CheckReport, checklists: Sequence[Checklist],
                    open_document: Callable[[Document], bytes], case_json: dict[str, Any],
                    report_json: dict[str, Any], draft: bool = False,
                    progress: Callable[[str], None] | None = None,
                    limits: Limits = DEFAULT_LIMITS, kept: KeptPdfs | None = None) -> Bundle:
    """Lay out and assemble the bundle of `case` with the check `report` it is given.

    The caller (`referral_builder.services.bundling.build_bundle`) checks the case once and
    refuses one that is not ready unless this is a `draft`, so the bundle, the web app and
    `check` show one verdict; `case_json` and `report_json` are the case and the report as
    published (`referral-case/1`, `referral-check/1`), attached as they are. `checklists` are
    those the report was made with (the cover quotes the declaration wording).
    `open_document` returns a document's bytes (PDF or DOCX). Uploaded PDFs are cleaned in
    child processes under `limits` (raising `UnsafeDocument`); DOCX letters are converted,
    unless `kept` has their PDF (and what is converted is given to `kept`).
    Raise `DocumentProblem` for a document that cannot be read.
    """
    say = progress or (lambda _msg: None)
    as_of = report.as_of
    docs = _classify(case)
    say(f"Preparing {len(docs)} documents")
    _prepare(docs, open_document, limits, kept)
    say("Laying out the generated pages")
    cover = P.cover_part(case, report, checklists, draft=draft)
    present = [s for s in SECTIONS if s[0] not in DOCUMENT_SECTIONS
               or any(d.section == s[0] for d in docs)]
    head = {key: (letter, title, desc) for key, letter, title, desc in present}
    certificate = certificate_part(case, as_of, section=head["certificate"])
    targets: dict[str, int] = {}
    memo: dict[object, object] = {}  # text that prints no page number: parsed once
    missing = missing_copies(case, report, {d.doc.id for d in docs if d.part is not None})

    def lay_out() -> list[_Block]:
        page_of = {d.doc.id: targets.get(f"doc:{d.doc.id}", 999) for d in docs}
        parts = {
            "index": P.index_part(_index_entries(docs, present, targets), memo=memo,
                                  missing=missing),
            "compliance": compliance_part(case, report, page_of, memo=memo,
                                          section=head["compliance"]),
            "chronology": chronology_part(case, page_of, memo=memo,
                                          section=head["chronology"]),
            "certificate": certificate,
        }
        for key in DOCUMENT_SECTIONS:
            if key in head:
                parts[key] = P.divider_part(head[key], _doc_entries(docs, key, targets))
        return _blocks(cover, parts, present, docs)

    # Page numbers settle in two or three passes that only count pages; then each part is
    # drawn once, with the numbers it prints. Links always follow the final layout.
    with L.measuring():
        for _attempt in range(6):
            new_targets = _place(lay_out())
            if new_targets == targets:
                break
            targets = new_targets
    blocks = lay_out()
    targets = _place(blocks)
    say("Assembling the PDF")
    return _assemble(case, report, blocks, targets, docs, present, case_json, report_json,
                     draft, as_of)


# ---- documents ---------------------------------------------------------------------------


def _classify(case: Case) -> list[_Doc]:
    """Put each document in the letters or evidence section, dated by its first event."""
    found: dict[str, _Doc] = {}
    by_id = {d.id: d for d in case.documents}
    for e in sorted_events(case):
        for doc_id in e.documents:
            if doc_id in by_id and doc_id not in found:
                section = "letters" if e.type in LETTER_TYPES else "evidence"
                found[doc_id] = _Doc(by_id[doc_id], section, e.date)
    for d in case.documents:
        found.setdefault(d.id, _Doc(d, "evidence", None))
    return sorted(found.values(), key=lambda d: (d.section, d.date is None,
                                                 d.date or dt.date.min))


def _prepare(docs: list[_Doc], open_document: Callable[[Document], bytes],
             limits: Limits, kept: KeptPdfs | None = None) -> None:
    raw: dict[str, bytes] = {}
    for d in docs:
        try:
            raw[d.doc.id] = data = open_document(d.doc)
        except OSError as exc:
            raise DocumentProblem(f"Document {d.doc.id} ({d.doc.file}) cannot be read: "
                                  f"{exc.strerror or exc}") from None
        d.sha256 = hashlib.sha256(data).hexdigest()
    pdfs = [d for d in docs if _is_pdf(d.doc, raw[d.doc.id])]
    pdf_ids = {d.doc.id for d in pdfs}
    words = [d for d in docs if d.doc.id not in pdf_ids]
    for d in words:
        if not (raw[d.doc.id][:2] == b"PK" or d.doc.file.lower().endswith(".docx")):
            raise DocumentProblem(f"Document {d.doc.id} ({d.doc.file}) is neither a PDF nor "
                                  "a Word (.docx) file.")
    # A Word document drawn before (when it was recorded, or at an earlier build) is not
    # drawn again: its PDF is the renderer's own output, as a conversion here would be.
    found = {d.doc.id: pdf for d in words if kept is not None
             and (pdf := kept.get(d.sha256)) is not None}
    words = [d for d in words if d.doc.id not in found]
    # Uploads are cleaned and Word letters converted (untrusted zips of XML) in the same
    # child processes, under `limits`.
    clean, converted = prepare_many(
        [(f"Document {d.doc.id} ({d.doc.file})", raw[d.doc.id]) for d in pdfs],
        [(f"Document {d.doc.id} ({d.doc.file})", raw[d.doc.id], d.title) for d in words],
        limits=limits)
    for d, result in zip([*words, *pdfs], [*converted, *clean], strict=True):
        if isinstance(result, UnsafeDocument):
            raise result
        d.part = L.Part.of(result)
    for d in docs:
        if d.doc.id in found:
            d.part = L.Part.of(found[d.doc.id])
    if kept is not None:
        for d, result in zip(words, converted, strict=True):
            if isinstance(result, bytes):
                kept.keep(d.sha256, result)


def _is_pdf(doc: Document, data: bytes) -> bool:
    return b"%PDF-" in data[:1024] or doc.file.lower().endswith(".pdf")


# ---- layout ------------------------------------------------------------------------------


def _blocks(cover: L.Part, parts: dict[str, L.Part],
            present: list[tuple[str, str, str, str]], docs: list[_Doc]) -> list[_Block]:
    """The bundle's runs of pages; a section starts at its generated part, or at the divider
    of its documents (either is the block `section:<key>`)."""
    blocks = [_Block("cover", cover, 0, cover.page_count),
              _Block("index", parts["index"], 0, parts["index"].page_count)]
    for key, *_rest in present:
        blocks.append(_Block(f"section:{key}", parts[key], 0, parts[key].page_count))
        for d in docs:
            if d.section == key and d.part is not None:
                blocks.append(_Block(f"doc:{d.doc.id}", d.part, 0, d.part.page_count))
    return blocks


def _place(blocks: list[_Block]) -> dict[str, int]:
    """Give each block its first bundle page; return target -> page."""
    page = 1
    targets: dict[str, int] = {}
    for b in blocks:
        b.start = page
        targets[b.key] = page
        page += b.count
    targets["end"] = page - 1
    return targets


def _range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _section_last(key: str, targets: dict[str, int], present: list[Any]) -> int:
    keys = [s[0] for s in present]
    i = keys.index(key)
    nxt = targets.get(f"section:{keys[i + 1]}") if i + 1 < len(keys) else None
    return (nxt - 1) if nxt else targets.get("end", 999)


def _index_entries(docs: list[_Doc], present: list[Any],
                   targets: dict[str, int]) -> list[P.IndexEntry]:
    def at(key: str) -> int:
        return targets.get(key, 999)

    entries = [P.IndexEntry("Cover and declaration", _range(1, at("index") - 1), "cover"),
               P.IndexEntry("Index", _range(at("index"), at("section:compliance") - 1
                                            if "section:compliance" in targets else 999),
                            "index")]
    for key, letter, title, _desc in present:
        first = at(f"section:{key}")
        entries.append(P.IndexEntry(f"{letter}  {title}",
                                    _range(first, _section_last(key, targets, present)
                                           if targets else 999), f"section:{key}"))
        entries += _doc_entries(docs, key, targets)
    return entries


def _doc_entries(docs: list[_Doc], key: str, targets: dict[str, int]) -> list[P.IndexEntry]:
    """The documents of section `key`, each with its pages (999 until they are placed)."""
    entries = []
    for d in docs:
        if d.section != key:
            continue
        start = targets.get(f"doc:{d.doc.id}", 999)
        count = d.part.page_count if d.part else 1
        when = L.short_date(d.date) if d.date else "undated"
        entries.append(P.IndexEntry(f"{when}  {d.title}", _range(start, start + count - 1),
                                    f"doc:{d.doc.id}", level=1))
    return entries


# ---- assembly ----------------------------------------------------------------------------


def _assemble(case: Case, report: CheckReport, blocks: list[_Block], targets: dict[str, int],
              docs: list[_Doc], present: list[Any], case_json: dict[str, Any],
              report_json: dict[str, Any], draft: bool, as_of: dt.date) -> Bundle:
    writer = PdfWriter()
    for b in blocks:
        reader = b.part.reader()
        for i in range(b.first, b.first + b.count):
            writer.add_page(reader.pages[i])
    total = len(writer.pages)
    stamp_pages(writer, case.reference, draft)
    _links(writer, blocks, targets)
    sections = tuple(Section(key, f"{letter}. {title}", targets[f"section:{key}"],
                             _section_last(key, targets, present))
                     for key, letter, title, _d in present)
    _outline(writer, sections, docs, targets)
    writer.add_metadata({"/Title": f"Referral bundle {case.reference}: {case.pupil.full_name}",
                         "/Subject": "Attendance legal intervention referral: evidence bundle",
                         "/Creator": "referral-builder"})
    writer.page_mode = "/UseOutlines"

    case_bytes = _json(case_json)
    report_bytes = _json(report_json)
    attach(writer, CASE_ATTACHMENT, case_bytes)
    attach(writer, REPORT_ATTACHMENT, report_bytes)
    # Every part embeds its own copy of the fonts and the stamp: keep one of each.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    # Of the pages as they will be written: content and XObject bytes are written unchanged.
    fingerprints = [page_fingerprint(p) for p in writer.pages]
    bundled = tuple(BundledDocument(d.doc.id, d.title, d.doc.file, d.section, d.date, d.sha256,
                                    targets[f"doc:{d.doc.id}"],
                                    targets[f"doc:{d.doc.id}"] + (d.part.page_count
                                                                 if d.part else 1) - 1)
                    for d in docs)
    manifest = {
        "format": MANIFEST_FORMAT, "case": case.reference, "authority": case.authority,
        "as_of": as_of.isoformat(), "draft": draft, "ready": report.ready,
        "checklists": [{"id": c.id, "version": c.version} for c in report.checklists],
        "page_count": total,
        "sections": [{"key": s.key, "title": s.title, "first_page": s.first_page,
                      "last_page": s.last_page} for s in sections],
        "documents": [{"id": d.id, "title": d.title, "file": d.file, "section": d.section,
                       "date": d.date.isoformat() if d.date else None, "sha256": d.sha256,
                       "first_page": d.first_page, "last_page": d.last_page} for d in bundled],
        "attachments": {CASE_ATTACHMENT: hashlib.sha256(case_bytes).hexdigest(),
                        REPORT_ATTACHMENT: hashlib.sha256(report_bytes).hexdigest()},
        "page_fingerprints": fingerprints,
    }
    attach(writer, MANIFEST_ATTACHMENT, _json(manifest))
    out = io.BytesIO()
    writer.write(out)
    return Bundle(out.getvalue(), report, total, sections, bundled, manifest)


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def _links(writer: PdfWriter, blocks: list[_Block], targets: dict[str, int]) -> None:
    links = []
    for b in blocks:
        for spot in b.part.spots:
            if not b.first <= spot.page < b.first + b.count:
                continue
            if spot.target.startswith("page:"):
                target: int | None = int(spot.target[5:])
            else:
                target = targets.get(spot.target)
            if target is not None:
                links.append((b.start - 1 + spot.page - b.first, spot.rect, target - 1))
    add_links(writer, links)


def _outline(writer: PdfWriter, sections: tuple[Section, ...], docs: list[_Doc],
             targets: dict[str, int]) -> None:
    writer.add_outline_item(title="Cover and declaration", page_number=0)
    writer.add_outline_item(title="Index", page_number=targets["index"] - 1)
    for s in sections:
        parent = writer.add_outline_item(title=s.title, page_number=s.first_page - 1)
        for d in docs:
            if d.section == s.key:
                when = L.short_date(d.date) if d.date else "undated"
                writer.add_outline_item(title=f"{when}: {d.title}", parent=parent,
                                        page_number=targets[f"doc:{d.doc.id}"] - 1)
