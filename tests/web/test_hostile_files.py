"""A sample of the hostile-file corpus goes through the upload and LA check paths with no
unhandled error, no dead worker and a message for every refusal (`make hostile` runs all)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from scripts import hostile_corpus, hostile_run  # noqa: E402


def sample(folder: Path) -> list[Path]:
    """The first file of every family, plus the empty, over-limit and wrong-type files."""
    paths = []
    for family in hostile_corpus.FAMILIES:
        picked = list(itertools.islice(family(), 1))
        if family is hostile_corpus.sizes:
            picked = [s for s in family() if s[0].startswith(("empty.", "over-", "wrong-"))]
        for name, data in picked:
            path = folder / name
            path.write_bytes(data)
            paths.append(path)
    return paths


def test_the_corpus_has_at_least_200_files_in_every_family() -> None:
    counts = {f.__name__: sum(1 for _ in f()) for f in hostile_corpus.FAMILIES}
    assert all(n >= 3 for n in counts.values()), counts
    assert sum(counts.values()) >= 200


@pytest.mark.slow
def test_a_sample_of_hostile_files_causes_no_unhandled_error(tmp_path: Path) -> None:
    files = sample(tmp_path)
    assert len(files) >= 20
    outcomes = hostile_run.run(files, workers=2)
    fig = hostile_run.figures(outcomes)
    problems = [o for o in outcomes if o.result not in ("accepted", "refused")
                or (o.result == "refused" and not o.message)]
    assert problems == []
    assert fig["runs"] == sum(len(hostile_run.paths_for(f.name)) for f in files)
    assert fig["upload: over limits"] == 0 and fig["la-check: over limits"] == 0
    refused = {(o.file, o.path) for o in outcomes if o.result == "refused"}
    for name in ("empty.pdf", "over-upload-limit-26mb.pdf", "encrypted-0-rc4-40.pdf",
                 "docx-xxe-document.docx", "zipbomb-one-entry-200mb.docx", "zipslip-0.docx",
                 "macro-vbaproject.docx", "docxfield-includepicture-url.docx"):
        assert (name, "upload") in refused, name
        assert (name, "la-check") in refused, name


@pytest.mark.slow
def test_the_issue_11_inputs_are_refused_with_a_message(tmp_path: Path) -> None:
    """Case zips for the import, bundles with a forged manifest, an unwritable file store."""
    files = []
    for family in (hostile_corpus.import_zips, hostile_corpus.bundle_manifests,
                   hostile_corpus.unwritable_store, hostile_corpus.docx_fields):
        for name, data in family():
            if "26" in name or "over-file-limit" in name:
                continue  # big: `make hostile` sends them
            path = tmp_path / name
            path.write_bytes(data)
            files.append(path)
    outcomes = hostile_run.run(files, workers=2)
    bad = [o for o in outcomes if o.result not in ("accepted", "refused")
           or (o.result == "refused" and not o.message)]
    assert bad == []
    result = {(o.file, o.path): o for o in outcomes}
    for name in ("import-valid-control.zip", "import-valid-with-pdf.zip",
                 "import-other-school.zip"):
        assert result[name, "import"].result == "accepted", result[name, "import"]
    expected = {
        "import-bad-crc.zip": "CRC", "import-corrupt-deflate.zip": "damaged",
        "import-deep-json-100000.zip": "nested more than 64 levels deep",
        "import-deep-json-100.zip": "nested more than 64 levels deep",
        "import-zipbomb-ratio.zip": "zip bomb", "import-zipbomb-lying-sizes.zip": "damaged",
        "import-doc-exe.zip": "must be a PDF or a Word document",
        "import-doc-includepicture.zip": "field code INCLUDEPICTURE",
        "unwritable-store-import.zip": "the file store cannot be written to",
    }
    for name, words in expected.items():
        o = result[name, "import"]
        assert o.result == "refused" and words in o.message, o
    for name, words in (("manifest-deep-json-100000.pdf", "nested more than 64 levels"),
                        ("manifest-page-count-text.pdf", 'page_count is "twelve"')):
        o = result[name, "la-check"]
        assert o.result == "refused" and words in o.message, o
    o = result["unwritable-store-upload.pdf", "upload"]
    assert o.status == 503 and "Files cannot be saved" in o.message, o


def test_hostile_register_exports_are_refused_with_a_message_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    files = []
    for name, data in hostile_corpus.register_files():
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    result = {o.file: o for o in hostile_run.run(files, workers=1)}
    assert result["register-utf16-valid.csv"].result == "accepted"
    expected = {
        "register-long-field.csv": "line 2 has a cell longer than 131,072 characters",
        "register-nul.csv": "line 3 has a NUL character",
        "register-control-chars.csv": "line 2 has a control character",
        "register-too-many-rows.csv": "more than 250,000 rows",
        "register-not-a-workbook.xlsx": "not an Excel workbook",
        "register-binary.csv": "NUL character",
    }
    for name, words in expected.items():
        outcome = result[name]
        assert (outcome.path, outcome.result) == ("register", "refused"), outcome
        assert words in outcome.message, outcome
        assert "\x00" not in outcome.message and "\x1b" not in outcome.message
