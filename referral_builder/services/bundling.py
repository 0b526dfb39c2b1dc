"""Use-cases of the bundle: build it from a checked case, verify one received.

`build_bundle` checks the case once (the verdict `check` and the web app show), refuses a case
that is not ready unless a draft is asked for, and asks `documents` to lay out and assemble
what it is given. `verify_bundle` asks `documents` to read a received PDF and compare it with
its manifest, then loads the attached case and report and re-checks the case here, against
the checklists installed now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from referral_builder import safe_json
from referral_builder.documents.sanitise import DEFAULT_LIMITS, Limits
from referral_builder.documents.verify import (
    BUNDLE_LIMITS,
    BundleContents,
    NotABundle,
    read_bundle,
)
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import NotReady, ReferralBuilderError
from referral_builder.domain.model import Document
from referral_builder.domain.results import CheckReport
from referral_builder.schemas.case import LoadedCase, dump_case, load_case
from referral_builder.schemas.report import dump_report, load_report
from referral_builder.services import checking

if TYPE_CHECKING:  # the layout modules load ReportLab: `verify` does without them
    from referral_builder.documents.bundle import Bundle, KeptPdfs

__all__ = ["NotABundle", "NotReady", "VerifyResult", "assemble", "build_bundle",
           "verify_bundle"]


def build_bundle(loaded: LoadedCase, *, open_document: Callable[[Document], bytes],
                 as_of: dt.date | None = None, draft: bool = False,
                 case_json: dict[str, Any] | None = None,
                 progress: Callable[[str], None] | None = None,
                 limits: Limits = DEFAULT_LIMITS, kept: KeptPdfs | None = None) -> Bundle:
    """Check `loaded` once and build its bundle; raise `NotReady` unless it is ready or this
    is a `draft`.

    `case_json` is the case file as stored, attached as it is (default: the loaded case
    written out again). `open_document` returns a document's bytes (PDF or DOCX). `kept`
    gives the PDFs already drawn from Word documents and keeps those drawn now
    (`letter_pdfs.Kept`, which the bundle job passes); without it every one is drawn.
    """
    checklists, report = checking.check_case(loaded, as_of)
    if not report.ready and not draft:
        raise NotReady(report)
    return assemble(loaded, report, checklists, open_document=open_document, draft=draft,
                    case_json=case_json, progress=progress, limits=limits, kept=kept)


def assemble(loaded: LoadedCase, report: CheckReport, checklists: Sequence[Checklist], *,
             open_document: Callable[[Document], bytes], draft: bool = False,
             case_json: dict[str, Any] | None = None,
             progress: Callable[[str], None] | None = None,
             limits: Limits = DEFAULT_LIMITS, kept: KeptPdfs | None = None) -> Bundle:
    """Assemble the bundle of a case already checked into `report` (no second check)."""
    from referral_builder.documents.bundle import assemble_bundle

    return assemble_bundle(loaded.case, report=report, checklists=checklists,
                           open_document=open_document,
                           case_json=case_json if case_json is not None
                           else dump_case(loaded.case),
                           report_json=dump_report(report), draft=draft, progress=progress,
                           limits=limits, kept=kept)


@dataclass(frozen=True)
class VerifyResult:
    complete: bool
    reference: str
    page_count: int
    report: CheckReport | None  # the local re-check
    bundle_report: CheckReport | None  # the check embedded when the bundle was made
    missing: tuple[str, ...]  # checklist items not met, with reasons
    problems: tuple[str, ...]  # the bundle itself: changed, removed or missing pages and files
    notes: tuple[str, ...] = ()


def verify_bundle(pdf: bytes, authority: str | None = None, *,
                  limits: Limits = BUNDLE_LIMITS) -> VerifyResult:
    """Verify a bundle; `authority` re-checks against that authority's checklist only.

    Without `authority` the case is re-checked against the checklists it names (authority
    and school process). Complete means: not a draft, every page and attachment as made,
    every document present, and every item met or not applicable under the local checklist.

    Raise `NotABundle` for a file that is not a readable PDF or has no
    bundle manifest.
    """
    contents = read_bundle(pdf, limits=limits)
    problems = list(contents.problems)
    notes: list[str] = []
    loaded = _case(contents, problems)
    bundle_report = _bundle_report(contents, problems)
    report = None
    missing: list[str] = []
    if loaded is not None:
        case = loaded.case
        report = _recheck(loaded, contents.manifest, authority, bundle_report, notes)
        missing = [f"{i.number} ({i.id}): " + " ".join(i.reasons) for i in report.outstanding]
        listed = contents.listed_documents
        problems += [f"Document {d.id} ({d.title or d.file}) is listed in the case but is not "
                     "in the bundle." for d in case.documents if d.id not in listed]
    complete = not problems and report is not None and report.ready
    return VerifyResult(complete, contents.reference, contents.page_count, report,
                        bundle_report, tuple(missing), tuple(problems), tuple(notes))


def _case(contents: BundleContents, problems: list[str]) -> LoadedCase | None:
    if contents.case_json is None:
        return None
    try:
        return load_case(safe_json.loads(contents.case_json))
    except (ValueError, ReferralBuilderError) as exc:
        problems.append(f"The attached case file cannot be read: {exc}")
        return None


def _bundle_report(contents: BundleContents, problems: list[str]) -> CheckReport | None:
    if contents.report_json is None:
        return None
    try:
        report: CheckReport = load_report(safe_json.loads(contents.report_json))
        return report
    except (ValueError, ReferralBuilderError) as exc:
        problems.append(f"The attached check report cannot be read: {exc}")
        return None


def _recheck(loaded: LoadedCase, manifest: dict[str, Any], authority: str | None,
             bundle_report: CheckReport | None, notes: list[str]) -> CheckReport:
    """Re-check as `check` and the web app do (loader warnings too)."""
    case = loaded.case
    if authority:
        # The officer's question is whether their own authority's checklist is met; a
        # school's internal process is the school's business.
        if authority != case.authority:
            notes.append(f"The bundle was made for the {case.authority!r} checklist; it is "
                         f"checked here against {authority!r}.")
        if case.school_process:
            notes.append(f"The school's own process ({case.school_process}) is not checked.")
        case = replace(case, authority=authority, school_process=None)
    try:
        as_of = dt.date.fromisoformat(str(manifest.get("as_of")))
    except ValueError:
        as_of = case.referral_date
    loaded = replace(loaded, case=case)
    report = checking.check(loaded, checking.checklists_for(case), as_of)
    made = {c.get("id"): c.get("version") for c in manifest.get("checklists", [])}
    for c in report.checklists:
        if c.id in made and made[c.id] != c.version:
            notes.append(f"The bundle was made with {c.id} version {made[c.id]}; the version "
                         f"here is {c.version}.")
    if bundle_report is not None:
        before = {i.id: i.status for i in bundle_report.items}
        for i in report.items:
            if i.id in before and before[i.id] != i.status:
                notes.append(f"Item {i.number} ({i.id}) was {before[i.id].replace('_', ' ')} "
                             f"when the bundle was made and is {i.status.replace('_', ' ')} "
                             "now.")
    return report
