"""Issue 11.9: deeply nested JSON and a page_count that is not a number, in a received
bundle's manifest.json or a backup's manifest, give a message naming what is wrong."""

from __future__ import annotations

import html
import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

from referral_builder import safe_json
from referral_builder.storage.backup import BackupError, read_manifest
from tests.web.conftest import Client, field_errors

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from scripts.hostile_corpus import bundle_with  # noqa: E402

DEEP = b'{"format": "referral-bundle/1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def manifest(**fields: object) -> bytes:
    return json.dumps({"format": "referral-bundle/1", "page_count": 1, **fields}).encode()


@pytest.mark.parametrize(("attachments", "message"), [
    ({"manifest.json": DEEP}, "manifest.json cannot be read: it is nested more than 64 levels"),
    ({"manifest.json": manifest(page_count="twelve")},
     'manifest.json is damaged: page_count is "twelve", not a whole number of pages'),
    ({"manifest.json": manifest(documents=[{"id": "d1", "first_page": "one"}])},
     'documents[0].first_page is "one", not a page number'),
    ({"manifest.json": manifest(attachments=["case.json"])},
     "attachments is a list, not an object"),
])
def test_a_forged_bundle_manifest_gets_a_message(client: Client, attachments, message) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("officer@walsall.example")
    r = client.post("/la/check-a-bundle", {"bundle": (io.BytesIO(bundle_with(attachments)),
                                                      "bundle.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    errors = [html.unescape(e) for e in field_errors(r.get_data(as_text=True))]
    assert errors and message in errors[0], errors


def test_a_deeply_nested_case_in_a_bundle_is_a_problem_not_a_crash(client: Client) -> None:
    client.sign_in("officer@walsall.example")
    pdf = bundle_with({"manifest.json": manifest(), "case.json": b"[" * 100_000 + b"]" * 100_000})
    r = client.post("/la/check-a-bundle", {"bundle": (io.BytesIO(pdf), "bundle.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert "The attached case file cannot be read: it is nested more than 64 levels deep" in \
        r.get_data(as_text=True)


def test_a_backup_with_a_deeply_nested_manifest_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        data = b'{"format": "referral-builder-backup/1", "x": ' + b"[" * 100_000 + \
            b"]" * 100_000 + b"}"
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=r"manifest\.json cannot be read: it is nested"):
        read_manifest(archive)


def test_safe_json_refuses_what_is_nested_too_deeply() -> None:
    with pytest.raises(ValueError, match="nested more than 2 levels"):
        safe_json.loads('{"a": [[1]]}', max_depth=2)
    assert safe_json.loads('{"a": [1]}', max_depth=2) == {"a": [1]}


def test_the_nesting_is_measured_on_the_text_before_parsing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Brackets inside strings (escaped quotes too) do not nest; a text too deep is refused
    without the parser ever seeing it, so no RecursionError is raised and caught."""
    assert safe_json.text_depth(b'{"a": [1, "[[[", {"b": []}]}') == 4
    assert safe_json.text_depth('["say \\"[[\\" twice", "é]]"]') == 1
    assert safe_json.text_depth(b"[" * 100_000, stop=65) == 65

    def parser_not_reached(_raw):  # type: ignore[no-untyped-def]
        raise AssertionError("the parser was given text nested too deeply")

    monkeypatch.setattr(safe_json.json, "loads", parser_not_reached)
    with pytest.raises(ValueError, match="nested more than 64 levels deep"):
        safe_json.loads(DEEP)
