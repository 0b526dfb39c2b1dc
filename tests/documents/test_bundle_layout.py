"""Bundle layout: no near-empty divider pages, and a documents divider is the section's index."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from referral_builder.documents.bundle import MANIFEST_ATTACHMENT, SECTIONS
from referral_builder.services.bundling import verify_bundle
from tests.builders import ready_case
from tests.documents.test_bundle import build, link_targets, page_texts

#: What the first page of each generated part says beyond its heading.
BODY = {"compliance": "checked as of", "chronology": "Every recorded action in date order (",
        "certificate": "Certificate of attendance at"}


@pytest.fixture(scope="module")
def built():
    bundle, _files = build(ready_case())
    return bundle, PdfReader(io.BytesIO(bundle.pdf))


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_generated_section_starts_with_its_divider_heading_on_its_first_page(built):
    bundle, reader = built
    texts = page_texts(reader)
    for s in bundle.sections:
        if s.key not in BODY:
            continue
        first = words(texts[s.first_page - 1])
        # The heading ("Section A", the title) and the part itself share the page.
        assert f"Section {s.title[0]}" in first and s.title[3:] in first
        assert BODY[s.key] in first, f"{s.key}: page {s.first_page} is only a divider"


def test_no_page_holds_only_a_divider_heading(built):
    _bundle, reader = built
    heads = [words(f"Section {letter} {title} {description}")
             for _key, letter, title, description in SECTIONS]
    for n, text in enumerate(page_texts(reader), start=1):
        left = words(re.sub(r"WAL-2026-0042|Page \d+ of \d+", "", text))
        for head in heads:
            left = left.replace(head, "").strip()
        assert left, f"page {n} is only a divider heading"


def test_a_documents_divider_lists_its_documents_with_their_pages_and_links(built):
    bundle, reader = built
    texts = page_texts(reader)
    for key in ("letters", "evidence"):
        s = next(x for x in bundle.sections if x.key == key)
        page = words(texts[s.first_page - 1])
        assert f"Section {s.title[0]}" in page and "Documents in this section" in page
        docs = [d for d in bundle.documents if d.section == key]
        assert docs
        for d in docs:
            pages = (str(d.first_page) if d.first_page == d.last_page
                     else f"{d.first_page}–{d.last_page}")
            assert re.search(rf"{re.escape(d.title)}\s*{pages}", page), (d.title, pages)
        assert link_targets(reader, s.first_page - 1) == [d.first_page for d in docs]
        # The divider is one page, straight before the section's first document.
        assert docs[0].first_page == s.first_page + 1


def test_bookmarks_index_and_manifest_point_at_each_sections_first_page(built):
    bundle, reader = built
    top = [o for o in reader.outline if not isinstance(o, list)]
    marks = {o.title: reader.get_destination_page_number(o) + 1 for o in top}
    manifest = json.loads(reader.attachments[MANIFEST_ATTACHMENT][0])
    index_links = link_targets(reader, 1)
    for s, entry in zip(bundle.sections, manifest["sections"], strict=True):
        assert marks[s.title] == entry["first_page"] == s.first_page
        assert s.first_page in index_links
    comp = bundle.sections[0]
    assert comp.key == "compliance" and comp.first_page == 3  # cover, index, then section A
    assert verify_bundle(bundle.pdf).complete
