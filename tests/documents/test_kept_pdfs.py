"""The bundle and kept PDFs (documents.bundle.KeptPdfs): a Word letter whose PDF is kept is
bundled from it, not drawn again; one that is not is drawn and handed back to be kept; an
uploaded PDF is never looked up (it is cleaned at every build)."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader
from referral_builder.schemas.case import LoadedCase

from referral_builder.services.bundling import build_bundle
from tests.builders import simple_pdf
from tests.documents.test_bundle import with_word_letter


class Kept:
    def __init__(self, pdfs: dict[str, bytes] | None = None) -> None:
        self.pdfs = dict(pdfs or {})
        self.asked: list[str] = []
        self.kept: list[str] = []

    def get(self, docx_sha256: str) -> bytes | None:
        self.asked.append(docx_sha256)
        return self.pdfs.get(docx_sha256)

    def keep(self, docx_sha256: str, pdf: bytes) -> None:
        self.kept.append(docx_sha256)
        self.pdfs[docx_sha256] = pdf


def letter_text(bundle) -> str:  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(bundle.pdf))
    d1 = next(d for d in bundle.documents if d.id == "d1")
    return " ".join(reader.pages[n].extract_text() for n in range(d1.first_page - 1,
                                                                  d1.last_page))


def test_a_word_letter_is_drawn_once_and_then_bundled_from_its_kept_pdf() -> None:
    case, files = with_word_letter()
    sha = hashlib.sha256(files["d1"]).hexdigest()
    kept = Kept()
    first = build_bundle(LoadedCase(case), open_document=lambda d: files[d.id], kept=kept)
    assert "attendance is a concern" in letter_text(first)
    assert kept.asked == [sha]  # only the Word document is looked up, not the uploads
    assert kept.kept == [sha]
    assert "attendance is a concern" in PdfReader(io.BytesIO(kept.pdfs[sha])).pages[0] \
        .extract_text()
    # A kept PDF is what the bundle shows: a stand-in proves it was not drawn again.
    kept = Kept({sha: simple_pdf(2, "Kept copy of the letter")})
    again = build_bundle(LoadedCase(case), open_document=lambda d: files[d.id], kept=kept)
    assert "Kept copy of the letter" in letter_text(again)
    assert "attendance is a concern" not in letter_text(again)
    assert kept.kept == []
    d1 = next(d for d in again.documents if d.id == "d1")
    assert (d1.last_page - d1.first_page + 1, d1.sha256) == (2, sha)  # the manifest: the DOCX
