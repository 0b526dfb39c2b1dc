"""The bundle: one PDF, numbered pages, a linked index, bookmarks, attachments, refusals."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader
from referral_builder.schemas.case import LoadedCase, load_case
from referral_builder.schemas.report import load_report

from referral_builder.documents.bundle import (
    CASE_ATTACHMENT,
    MANIFEST_ATTACHMENT,
    REPORT_ATTACHMENT,
    DocumentProblem,
)
from referral_builder.documents.safety import UnsafeDocument
from referral_builder.domain.model import Document
from referral_builder.services.bundling import NotReady, build_bundle
from tests.builders import make_case, ready_case, simple_pdf
from tests.documents.test_sanitise import hostile_pdf

PAGES = {"d1": 2, "d2": 1, "d3": 3, "d4": 2, "d5": 1}


def evidence_files(case):
    return {d.id: simple_pdf(PAGES[d.id], d.title, landscape=d.id == "d3")
            for d in case.documents}


def make_bundle(case, *, open_document, as_of=None, **kwargs):
    """Build through the service, as the CLI and web app do (one check, then assemble)."""
    return build_bundle(LoadedCase(case), as_of=as_of, open_document=open_document, **kwargs)


def build(case, **kwargs):
    files = evidence_files(case)
    return make_bundle(case, open_document=lambda d: files[d.id], **kwargs), files


@pytest.fixture(scope="module")
def built():
    bundle, files = build(ready_case())
    return bundle, files, PdfReader(io.BytesIO(bundle.pdf))


def page_texts(reader):
    return [p.extract_text() for p in reader.pages]


def link_targets(reader, page_index):
    targets = []
    for ref in reader.pages[page_index].get("/Annots", []):
        a = ref.get_object()
        if a.get("/Subtype") == "/Link" and "/Dest" in a:
            targets.append(reader.get_page_number(a["/Dest"][0].get_object()) + 1)
    return targets


def test_the_page_count_is_the_sum_of_generated_and_evidence_pages(built):
    bundle, _, reader = built
    assert len(reader.pages) == bundle.page_count == bundle.manifest["page_count"]
    docs = {d.id: d for d in bundle.documents}
    for doc_id, n in PAGES.items():
        assert docs[doc_id].last_page - docs[doc_id].first_page + 1 == n
    assert bundle.sections[-1].last_page == bundle.page_count
    for before, after in zip(bundle.sections, bundle.sections[1:], strict=False):
        assert after.first_page == before.last_page + 1
    letters = next(s for s in bundle.sections if s.key == "letters")
    assert letters.last_page - letters.first_page == PAGES["d1"] + PAGES["d2"] + PAGES[
        "d4"] + PAGES["d5"]  # the divider, then the four letters


def test_every_page_says_page_n_of_m_and_the_case_reference(built):
    bundle, _, reader = built
    for n, text in enumerate(page_texts(reader), start=1):
        assert f"Page {n} of {bundle.page_count}" in text
        assert "WAL-2026-0042" in text


def test_sections_come_in_the_bundle_order_with_a_divider_first(built):
    bundle, _, reader = built
    assert [s.key for s in bundle.sections] == [
        "compliance", "chronology", "certificate", "letters", "evidence"]
    texts = page_texts(reader)
    for s in bundle.sections:
        assert "Section " + s.title[0] in texts[s.first_page - 1]
    assert "Attendance legal intervention referral" in texts[0]
    assert "Index" in texts[1]


def test_every_index_entry_links_to_the_page_it_names(built):
    bundle, _, reader = built
    targets = link_targets(reader, 1)
    expected = [1, 2]
    for s in bundle.sections:
        expected.append(s.first_page)
        expected += [d.first_page for d in bundle.documents if d.section == s.key]
    assert targets == expected
    texts = page_texts(reader)
    for d in bundle.documents:
        assert f"{d.title} page 1" in texts[d.first_page - 1]
        assert f"{d.first_page}–{d.last_page}" in texts[1] or d.first_page == d.last_page


def test_letters_are_in_date_order_in_their_section(built):
    bundle, _, _ = built
    letters = [d.id for d in bundle.documents if d.section == "letters"]
    assert letters == ["d1", "d2", "d4", "d5"]
    assert [d.id for d in bundle.documents if d.section == "evidence"] == ["d3"]


def test_the_chronology_and_compliance_print_the_documents_real_pages(built):
    bundle, _, reader = built
    texts = page_texts(reader)
    chron = next(s for s in bundle.sections if s.key == "chronology")
    chronology = " ".join(texts[chron.first_page - 1:chron.last_page])
    for d in bundle.documents:
        assert f"p. {d.first_page}" in chronology
    comp = next(s for s in bundle.sections if s.key == "compliance")
    compliance = " ".join(texts[comp.first_page - 1:comp.last_page])
    d1 = next(d for d in bundle.documents if d.id == "d1")
    assert re.search(rf"21 Sep\s+2026, p\. {d1.first_page}", compliance)
    pages_with_links = [link_targets(reader, i) for i in range(chron.first_page - 1,
                                                               chron.last_page)]
    assert sorted(t for ts in pages_with_links for t in ts) == sorted(
        d.first_page for d in bundle.documents)


def test_there_is_a_bookmark_for_every_section_and_document(built):
    _, _, reader = built
    top = [o for o in reader.outline if not isinstance(o, list)]
    assert [o.title for o in top] == [
        "Cover and declaration", "Index", "A. Compliance with the evidence checklist",
        "B. Chronology", "C. Attendance certificate", "D. Letters and emails",
        "E. Other evidence"]
    children = [o.title for group in reader.outline if isinstance(group, list) for o in group]
    assert "21 Sep 2026: Attendance concern letter" in children
    assert "12 Oct 2026: Meeting notes" in children
    assert len(children) == 5


def test_the_case_and_report_are_attached_and_round_trip(built):
    bundle, files, reader = built
    attachments = reader.attachments
    assert set(attachments) == {CASE_ATTACHMENT, REPORT_ATTACHMENT, MANIFEST_ATTACHMENT}
    case = load_case(json.loads(attachments[CASE_ATTACHMENT][0])).case
    assert case == ready_case()
    report = load_report(json.loads(attachments[REPORT_ATTACHMENT][0]))
    assert report.ready and report.items == bundle.report.items
    manifest = json.loads(attachments[MANIFEST_ATTACHMENT][0])
    for entry in manifest["documents"]:
        assert entry["sha256"] == hashlib.sha256(files[entry["id"]]).hexdigest()
    assert len(manifest["page_fingerprints"]) == bundle.page_count


def test_the_cover_prints_the_declaration_and_names_with_accents(built):
    _, _, reader = built
    cover = reader.pages[0].extract_text()
    for words in ("Zoë Smith", "Łukasz Nowak", "Confirmed by Sam Patel, DSL",
                  "20 November 2026 at 10:15", "walsall, version 2024-09", "Ready: all"):
        assert words in " ".join(cover.split())


def test_a_case_that_is_not_ready_is_refused_with_the_outstanding_items():
    case = make_case()
    with pytest.raises(NotReady) as caught:
        make_bundle(case, open_document=lambda d: b"")
    assert "wal_meeting_invite_written" in str(caught.value)
    assert "Record the letter or email inviting the parents" in str(caught.value)
    assert all(i.status == "not_met" for i in caught.value.outstanding)


def test_a_draft_bundle_is_stamped_draft_on_every_page():
    bundle = make_bundle(make_case(), open_document=lambda d: b"", draft=True)
    reader = PdfReader(io.BytesIO(bundle.pdf))
    assert not bundle.report.ready
    for text in page_texts(reader):
        assert "DRAFT" in text
    assert "Not ready" in reader.pages[0].extract_text()
    assert json.loads(reader.attachments[MANIFEST_ATTACHMENT][0])["draft"] is True


def test_hostile_evidence_is_cleaned_before_it_is_merged():
    case = ready_case()
    files = evidence_files(case) | {"d3": hostile_pdf()}
    bundle = make_bundle(case, open_document=lambda d: files[d.id])
    for needle in (b"/JavaScript", b"/OpenAction", b"/Launch", b"payload.exe"):
        assert needle not in bundle.pdf


def test_an_unreadable_document_is_refused_naming_it():
    case = ready_case()
    files = evidence_files(case) | {"d2": b"%PDF-1.4 truncated"}
    with pytest.raises(UnsafeDocument, match=r"Document d2 \(evidence/d2.pdf\)"):
        make_bundle(case, open_document=lambda d: files[d.id])


def test_a_missing_document_is_reported_naming_the_file():
    def missing(doc):
        raise FileNotFoundError(2, "No such file or directory", doc.file)

    with pytest.raises(DocumentProblem, match=r"Document d\d \(evidence/d\d.pdf\) cannot be read"):
        make_bundle(ready_case(), open_document=missing)


def with_word_letter():  # type: ignore[no-untyped-def]
    """The ready case with its document d1 a Word letter; (case, files by document id)."""
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Dear Ms Smith, Zoë's attendance is a concern.")
    out = io.BytesIO()
    document.save(out)
    case = ready_case()
    case = replace(case, documents=tuple(
        replace(d, file="letters/d1.docx") if d.id == "d1" else d for d in case.documents))
    return case, evidence_files(case) | {"d1": out.getvalue()}


def test_a_word_letter_is_converted_and_bundled():
    case, files = with_word_letter()
    bundle = make_bundle(case, open_document=lambda d: files[d.id])
    reader = PdfReader(io.BytesIO(bundle.pdf))
    d1 = next(d for d in bundle.documents if d.id == "d1")
    assert "attendance is a concern" in reader.pages[d1.first_page - 1].extract_text()


def test_an_unreferenced_document_goes_last_in_other_evidence():
    case = ready_case()
    case = replace(case, documents=(*case.documents, Document("d9", "x/d9.pdf", "Extra")))
    files = evidence_files(replace(case, documents=case.documents[:-1])) | {
        "d9": simple_pdf(1, "Extra")}
    bundle = make_bundle(case, open_document=lambda d: files[d.id])
    assert [d.id for d in bundle.documents if d.section == "evidence"] == ["d3", "d9"]


# ---- the `bundle` command ----------------------------------------------------------------

def write_case(folder, case):
    from referral_builder.schemas.case import dump_case

    for doc_id, data in evidence_files(case).items():
        doc = next(d for d in case.documents if d.id == doc_id)
        (folder / doc.file).parent.mkdir(parents=True, exist_ok=True)
        (folder / doc.file).write_bytes(data)
    path = folder / "case.json"
    path.write_text(json.dumps(dump_case(case), ensure_ascii=False), encoding="utf-8")
    return path


def test_the_bundle_command_writes_the_pdf(tmp_path, capsys):
    from referral_builder.cli import main

    path = write_case(tmp_path, ready_case())
    out = tmp_path / "bundle.pdf"
    assert main(["bundle", str(path), "-o", str(out)]) == 0
    printed = re.search(r"bundle\.pdf: (\d+) pages, 5 documents", capsys.readouterr().out)
    assert printed and len(PdfReader(out).pages) == int(printed[1])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_bundle_command_refuses_a_case_that_is_not_ready(tmp_path, capsys):
    from referral_builder.cli import main

    path = write_case(tmp_path, make_case())
    out = tmp_path / "bundle.pdf"
    assert main(["bundle", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "The referral is not ready" in err
    assert "Item 2 (wal_meeting_invite_written)" in err
    assert not out.exists()
    assert main(["bundle", str(path), "-o", str(out), "--draft"]) == 0
    assert "DRAFT" in PdfReader(out).pages[0].extract_text()


def test_the_bundle_command_names_a_missing_evidence_file(tmp_path, capsys):
    from referral_builder.cli import main

    path = write_case(tmp_path, ready_case())
    (tmp_path / "evidence" / "d4.pdf").unlink()
    assert main(["bundle", str(path), "-o", str(tmp_path / "b.pdf")]) == 2
    assert "Document d4 (evidence/d4.pdf) cannot be read" in capsys.readouterr().err


def test_the_index_lists_letters_that_meet_an_item_with_no_copy_attached():
    case = ready_case()
    case = replace(case, events=tuple(replace(e, documents=()) if e.id == "e1" else e
                                      for e in case.events),
                   documents=tuple(d for d in case.documents if d.id != "d1"))
    bundle, _files = build(case, draft=True)
    reader = PdfReader(io.BytesIO(bundle.pdf))
    index = " ".join(" ".join(reader.pages[1].extract_text().split()).split())
    assert "Copies not attached" in index
    assert ("No copy attached: letter of 21 September 2026 to Jane Smith and Łukasz Nowak — "
            "the local authority will ask for it.") in index
