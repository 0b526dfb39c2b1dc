"""An LA officer's check of a received bundle: complete, changed, cut short, or not a bundle."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from referral_builder.domain.errors import InvalidCase
from referral_builder.services.bundling import NotABundle, verify_bundle
from tests.builders import make_case, ready_case, simple_pdf
from tests.documents.test_bundle import evidence_files, make_bundle


@pytest.fixture(scope="module")
def bundle():
    case = ready_case()
    files = evidence_files(case)
    return make_bundle(case, open_document=lambda d: files[d.id])


def edited(pdf: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_bundle_as_made_is_complete(bundle):
    result = verify_bundle(bundle.pdf)
    assert result.complete
    assert result.problems == () and result.missing == ()
    assert result.reference == "WAL-2026-0042"
    assert result.page_count == bundle.page_count
    assert result.report is not None and result.report.ready
    assert result.bundle_report is not None and result.bundle_report.items == bundle.report.items


def test_a_changed_letter_is_found_and_named(bundle):
    d1 = next(d for d in bundle.documents if d.id == "d1")
    forged = PdfReader(io.BytesIO(simple_pdf(1, "Forged"))).pages[0]
    result = verify_bundle(edited(bundle.pdf, lambda w: w.pages[d1.first_page - 1].merge_page(
        forged)))
    assert not result.complete
    assert result.problems == (
        f"Page {d1.first_page} (document d1, Attendance concern letter) is missing or changed "
        "since the bundle was made.",)


def test_a_removed_page_is_found(bundle):
    def remove(writer):
        del writer.pages[bundle.page_count - 1]

    result = verify_bundle(edited(bundle.pdf, remove))
    assert not result.complete
    assert any(f"has {bundle.page_count - 1} pages but was made with {bundle.page_count}" in p
               for p in result.problems)
    assert any(f"Page {bundle.page_count} (document d3, Meeting notes)" in p
               for p in result.problems)


def test_removed_pages_of_one_document_are_reported_as_one_range(bundle):
    d3 = next(d for d in bundle.documents if d.id == "d3")

    def remove(writer):
        for _ in range(d3.first_page, d3.last_page + 1):
            del writer.pages[d3.first_page - 1]

    result = verify_bundle(edited(bundle.pdf, remove))
    assert (f"Pages {d3.first_page}–{d3.last_page} (document d3, Meeting notes) are missing "
            "or changed since the bundle was made.") in result.problems


def test_a_draft_bundle_is_not_complete():
    draft = make_bundle(make_case(), open_document=lambda d: b"", draft=True)
    result = verify_bundle(draft.pdf)
    assert not result.complete
    assert "This is a draft bundle, made before the referral was ready." in result.problems
    assert any(m.startswith("2 (wal_meeting_invite_written)") for m in result.missing)


def test_an_ordinary_pdf_is_not_a_bundle():
    with pytest.raises(NotABundle, match="not a referral bundle"):
        verify_bundle(simple_pdf(2))


@pytest.mark.parametrize("data", [b"", b"hello", simple_pdf(1)[:-300]],
                         ids=["empty", "text", "truncated"])
def test_an_unreadable_file_is_not_a_bundle(data):
    with pytest.raises(NotABundle, match="The bundle: "):
        verify_bundle(data)


def test_checking_against_another_authority_names_both(bundle):
    with pytest.raises(InvalidCase, match="no checklist 'nowhere'"):
        verify_bundle(bundle.pdf, authority="nowhere")


# ---- the `verify` command ----------------------------------------------------------------

def test_the_verify_command_exits_0_for_a_complete_bundle(bundle, tmp_path, capsys):
    from referral_builder.cli import main

    path = tmp_path / "b.pdf"
    path.write_bytes(bundle.pdf)
    assert main(["verify", str(path), "--authority", "walsall"]) == 0
    out = capsys.readouterr().out
    assert f"Bundle WAL-2026-0042: {bundle.page_count} pages, complete" in out


def test_the_verify_command_exits_1_for_a_changed_bundle(bundle, tmp_path, capsys):
    from referral_builder.cli import main

    def remove(writer):
        del writer.pages[3]

    path = tmp_path / "b.pdf"
    path.write_bytes(edited(bundle.pdf, remove))
    assert main(["verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "Page 4 (section A. Compliance" in out


def test_the_verify_command_exits_2_for_a_pdf_that_is_not_a_bundle(tmp_path, capsys):
    from referral_builder.cli import main

    path = tmp_path / "other.pdf"
    path.write_bytes(simple_pdf(1))
    assert main(["verify", str(path)]) == 2
    assert "not a referral bundle" in capsys.readouterr().err
