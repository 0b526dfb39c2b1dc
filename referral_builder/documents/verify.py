"""Read a received bundle: prove its pages and attachments are as made.

The bundle is untrusted (it arrives from another organisation), so it is read in a child
process (`sanitise.inspect_pdf`); only its attachments, page count, outline titles and page
fingerprints come back. This module only reads and validates the PDF; the service
(`referral_builder.services.bundling.verify_bundle`) loads the attached case and report and
re-checks the case against the checklist installed here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from referral_builder import safe_json
from referral_builder.documents.formats import (
    CASE_ATTACHMENT,
    MANIFEST_ATTACHMENT,
    MANIFEST_FORMAT,
    REPORT_ATTACHMENT,
)
from referral_builder.documents.safety import UnsafeDocument
from referral_builder.documents.sanitise import Limits, inspect_pdf
from referral_builder.domain.errors import NotABundle

#: Bundles are bigger than single uploads; the limits still bound a hostile file.
BUNDLE_LIMITS = Limits(max_bytes=300 * 1024 * 1024, max_pages=5000, memory_bytes=2 << 30,
                       cpu_seconds=240, wall_seconds=300.0, strict=True)


@dataclass(frozen=True)
class BundleContents:
    """What a received bundle holds, read and checked against its own manifest."""

    manifest: dict[str, Any]
    page_count: int
    case_json: bytes | None  # the attached case file, unparsed
    report_json: bytes | None  # the attached check report, unparsed
    problems: tuple[str, ...]  # a draft; changed, removed or missing pages and attachments

    @property
    def reference(self) -> str:
        return str(self.manifest.get("case", ""))

    @property
    def listed_documents(self) -> set[Any]:
        """The ids of the documents the bundle was made with."""
        return {d.get("id") for d in self.manifest.get("documents", []) if isinstance(d, dict)}


def read_bundle(pdf: bytes, *, limits: Limits = BUNDLE_LIMITS) -> BundleContents:
    """Read a bundle and compare its pages and attachments with its manifest.

    Raise `NotABundle` for a file that is not a readable PDF or has no bundle manifest.
    """
    try:
        info = inspect_pdf(pdf, limits=limits, name="The bundle")
    except UnsafeDocument as exc:
        raise NotABundle(str(exc)) from None
    attachments = {k: base64.b64decode(v) for k, v in info.get("attachments", {}).items()}
    manifest = _manifest(attachments)
    problems: list[str] = []
    if manifest.get("draft"):
        problems.append("This is a draft bundle, made before the referral was ready.")
    _check_attachments(manifest, attachments, problems)
    _check_pages(manifest, info, problems)
    return BundleContents(manifest, int(info["pages"]), attachments.get(CASE_ATTACHMENT),
                          attachments.get(REPORT_ATTACHMENT), tuple(problems))


def _manifest(attachments: dict[str, bytes]) -> dict[str, Any]:
    raw = attachments.get(MANIFEST_ATTACHMENT)
    if raw is None:
        raise NotABundle("This PDF is not a referral bundle made by referral-builder: it has "
                         f"no {MANIFEST_ATTACHMENT} attachment.")
    try:
        manifest = safe_json.loads(raw)
    except ValueError as exc:
        raise NotABundle(f"The bundle's {MANIFEST_ATTACHMENT} cannot be read: {exc}.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise NotABundle(f"The bundle's {MANIFEST_ATTACHMENT} is not in the "
                         f"{MANIFEST_FORMAT} format.")
    _check_manifest_shape(manifest)
    return manifest


def _check_manifest_shape(manifest: dict[str, Any]) -> None:
    """Refuse a manifest whose fields are of the wrong type (a changed or forged bundle),
    naming the field, rather than failing somewhere while it is read."""
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def wrong(field: str, value: Any, what: str) -> NotABundle:
        shown = json.dumps(value)[:60] if not isinstance(value, (dict, list)) else \
            type(value).__name__.replace("dict", "an object").replace("list", "a list")
        return NotABundle(f"The bundle's {MANIFEST_ATTACHMENT} is damaged: {field} is "
                          f"{shown}, not {what}.")

    if "page_count" in manifest and not whole(manifest["page_count"]):
        raise wrong("page_count", manifest["page_count"], "a whole number of pages")
    attachments = manifest.get("attachments")
    if attachments is not None and not (isinstance(attachments, dict) and all(
            isinstance(v, str) for v in attachments.values())):
        raise wrong("attachments", attachments, "an object of SHA-256 digests")
    fingerprints = manifest.get("page_fingerprints")
    if fingerprints is not None and not (isinstance(fingerprints, list) and all(
            isinstance(v, str) for v in fingerprints)):
        raise wrong("page_fingerprints", fingerprints, "a list of fingerprints")
    for key in ("documents", "sections", "checklists"):
        entries = manifest.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise wrong(key, entries, "a list")
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise wrong(f"{key}[{n}]", entry, "an object")
            for page in ("first_page", "last_page"):
                if page in entry and not whole(entry[page]):
                    raise wrong(f"{key}[{n}].{page}", entry[page], "a page number")


def _check_attachments(manifest: dict[str, Any], attachments: dict[str, bytes],
                       problems: list[str]) -> None:
    for name, digest in (manifest.get("attachments") or {}).items():
        data = attachments.get(name)
        if data is None:
            problems.append(f"The attached {name} is missing.")
        elif hashlib.sha256(data).hexdigest() != digest:
            problems.append(f"The attached {name} has been changed since the bundle was made.")


def _check_pages(manifest: dict[str, Any], info: dict[str, Any], problems: list[str]) -> None:
    expected = int(manifest.get("page_count", 0))
    actual = int(info["pages"])
    if actual != expected:
        problems.append(f"The bundle has {actual} pages but was made with {expected}: pages "
                        "have been removed or added.")
    made = list(manifest.get("page_fingerprints") or [])
    present = set(info.get("fingerprints") or [])
    bad = [n for n, f in enumerate(made, start=1) if f not in present]
    # One line per run of pages in the same document or section, not one per page.
    runs: list[tuple[int, int, str]] = []
    for n in bad:
        where = _where(manifest, n)
        if runs and runs[-1][1] == n - 1 and runs[-1][2] == where:
            runs[-1] = (runs[-1][0], n, where)
        else:
            runs.append((n, n, where))
    for first, last, where in runs:
        pages = f"Page {first}" if first == last else f"Pages {first}–{last}"
        verb = "is" if first == last else "are"
        problems.append(f"{pages} ({where}) {verb} missing or changed since the bundle was "
                        "made.")


def _where(manifest: dict[str, Any], page: int) -> str:
    for d in manifest.get("documents", []):
        if d.get("first_page", 0) <= page <= d.get("last_page", -1):
            return f"document {d.get('id')}, {d.get('title')}"
    for s in manifest.get("sections", []):
        if s.get("first_page", 0) <= page <= s.get("last_page", -1):
            return f"section {s.get('title')}"
    return "cover and index" if page <= 2 else "unknown section"
