"""Letters as PDFs: drawn by a job when a user asks for one, and kept so that each letter is
drawn once rather than at every bundle build.

- "Download as PDF" on the letter's preview (web/letters.py) starts the work kind
  `letter_pdf`: it drafts the letter exactly as the Word download does (`render`), draws it
  as a PDF in a sandboxed child process (`draw`, as the bundle does) and keeps the PDF as a
  file of the case (kind `letter_pdf`), so that retention and a withdrawn draft delete it
  with the case. The nightly pruning (`prune`) removes such downloads once they are as old
  as the work rows it prunes, which are the only way to reach them.
- Recording a letter as sent queues `keep_letter_pdf`, which draws the Word document just
  recorded and keeps its PDF (`keep`, table `letter_pdfs`: the DOCX's SHA-256 and the
  renderer's version -> the PDF's SHA-256 in the file store).
- The bundle build is given `Kept(app)` (services/bundles.py): a Word document whose PDF is
  kept is not converted again, and one the build has to convert (an uploaded Word document,
  a letter recorded before this existed) is kept for the next build.

A kept PDF lives while some case file is its Word document: `storage.retention.remove_unused`
(retention, a withdrawn draft, a replaced file) deletes it with the last one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_builder import jobs
from referral_builder.domain.errors import LetterError, ReferralBuilderError
from referral_builder.jobs import tasks as job_tasks
from referral_builder.services import work
from referral_builder.storage.models import CaseRecord, LetterPdf, StoredFile, utcnow
from referral_builder.storage.retention import remove_unused

if TYPE_CHECKING:
    from flask import Flask

    from referral_builder.documents.letters import LetterResult
    from referral_builder.domain.model import Case
    from referral_builder.storage.files import FileStore

log = logging.getLogger(__name__)

PDF = "application/pdf"
#: The case-file kind of a PDF made for "Download as PDF".
DOWNLOAD_KIND = "letter_pdf"
#: A kept PDF whose Word document no case holds (a build that ran while its case was deleted)
#: is removed by the nightly pruning once it is this old.
ORPHAN_GRACE = dt.timedelta(hours=1)


# ---- drafting and drawing -------------------------------------------------------------------


def render(case: Case, template: str, carer: str, meeting: str | None,
           extra: dict[str, str] | None, on: dt.date) -> LetterResult:
    """Draft letter `template` to `carer` dated `on`: the preview, the Word download and the
    PDF all draft it here, so they say the same."""
    from referral_builder.documents.letters import render_letter

    event = case.event(meeting) if meeting else None
    return render_letter(case, template, carer, on=on, meeting=event, extra=extra or None)


def draw(docx: bytes, title: str, name: str = "The letter") -> bytes:
    """Draw a Word document as a PDF in a sandboxed child process under the bundle's limits
    (a school's own letter template is a file someone uploaded); raise `UnsafeDocument`."""
    from referral_builder.documents.safety import UnsafeDocument
    from referral_builder.documents.sanitise import convert_docx_many

    (result,) = convert_docx_many([(name, docx, title)], workers=1)
    if isinstance(result, UnsafeDocument):
        raise result
    return result


def renderer() -> str:
    from referral_builder.documents.docx_pdf import renderer_version

    return renderer_version()


# ---- "Download as PDF" --------------------------------------------------------------------


def _case(app: Flask, case_id: int | None) -> Case:
    from referral_builder.schemas.case import load_case

    with app.extensions["db"].session() as s:
        record = s.get(CaseRecord, case_id) if case_id is not None else None
        if record is None:
            raise LookupError(f"case {case_id} no longer exists")
        data = json.loads(record.data)
    case: Case = load_case(data).case
    return case


@work.kind("letter_pdf")
def letter_pdf(ctx: work.Context) -> work.Finish:
    """Draft the letter in `ctx.params` (template, carer, meeting, extra, on) and draw it as
    a PDF; the finish keeps it as a file of the case."""
    from pypdf import PdfReader

    p = ctx.params
    on = dt.date.fromisoformat(str(p["on"]))
    case = _case(ctx.app, ctx.case_id)
    ctx.progress("Writing the letter")
    try:
        result = render(case, str(p["template"]), str(p["carer"]), p.get("meeting") or None,
                        dict(p.get("extra") or {}), on)
    except ReferralBuilderError as exc:
        # The message the preview gives (a carer's address, a meeting not chosen).
        raise LetterError(f"This letter cannot be written yet: {exc}") from None
    carer = case.carer(str(p["carer"]))
    to = carer.name if carer else str(p["carer"])
    ctx.progress("Drawing the PDF")
    pdf = draw(result.docx, f"{result.template.title}: {to}")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    sha = ctx.store.put(pdf)  # the file is whole before any row points to it
    filename = f"{result.template.id}-{to}-{on.isoformat()}.pdf"[-255:]

    def finish(s: Session) -> dict[str, Any]:
        row = StoredFile(case_id=ctx.case_id, kind=DOWNLOAD_KIND, doc_id=None, sha256=sha,
                         filename=filename, media_type=PDF, size=len(pdf), page_count=pages,
                         uploaded_by=ctx.user_id)
        s.add(row)
        s.flush()
        return {"file_id": row.id, "filename": filename, "size": len(pdf), "pages": pages,
                "title": result.template.title, "to": to}
    return finish


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes


def download(s: Session, store: FileStore, row: work.Row) -> Download | None:
    """The PDF a done `letter_pdf` job made, if it is still kept (the caller has checked who
    asks); None when there is none."""
    if row.kind != "letter_pdf" or row.state != "done" or row.case_id is None:
        return None
    file_id = work.result_of(row).get("file_id")
    found = s.get(StoredFile, file_id) if isinstance(file_id, int) else None
    if found is None or found.case_id != row.case_id or found.kind != DOWNLOAD_KIND:
        return None
    try:
        content: bytes = store.get(found.sha256)
    except FileNotFoundError:
        return None
    return Download(found.filename, content)


# ---- kept PDFs ------------------------------------------------------------------------------


def kept_pdf(s: Session, docx_sha256: str, version: str) -> str | None:
    """The SHA-256 of the PDF kept for this Word document under renderer `version`."""
    found: str | None = s.scalar(select(LetterPdf.pdf_sha256).where(
        LetterPdf.docx_sha256 == docx_sha256, LetterPdf.renderer == version))
    return found


def keep(app: Flask, docx_sha256: str, pdf: bytes, version: str | None = None) -> bool:
    """Keep `pdf` as the PDF of the Word document `docx_sha256`, once. Returns whether a row
    was added: not when one is there already (its file is mended if it had gone), nor when
    no case holds that Word document any more (its case was deleted meanwhile)."""
    version = version or renderer()
    db, store = app.extensions["db"], app.extensions["files"]
    sha = store.put(pdf)
    added = False
    try:
        with db.writing() as s:
            row = s.scalar(select(LetterPdf).where(LetterPdf.docx_sha256 == docx_sha256,
                                                   LetterPdf.renderer == version))
            held = s.scalar(select(StoredFile.id).where(StoredFile.sha256 == docx_sha256)
                            .limit(1))
            if row is not None and row.pdf_sha256 != sha and not store.exists(row.pdf_sha256):
                row.pdf_sha256, row.size = sha, len(pdf)  # its file had gone: this one now
            elif row is None and held is not None:
                s.add(LetterPdf(docx_sha256=docx_sha256, renderer=version, pdf_sha256=sha,
                                size=len(pdf), created_at=utcnow()))
                added = True
    except IntegrityError:  # kept by another worker in the same instant
        added = False
    with db.session() as s:
        remove_unused(s, store, {sha})  # a copy no row took
    return added


@dataclass
class Kept:
    """The kept PDFs as the bundle asks for them (documents.bundle.KeptPdfs)."""

    app: Flask
    version: str = field(default_factory=renderer)
    used: int = 0
    added: int = 0

    def get(self, docx_sha256: str) -> bytes | None:
        with self.app.extensions["db"].session() as s:
            sha = kept_pdf(s, docx_sha256, self.version)
        if sha is None:
            return None
        try:
            content: bytes = self.app.extensions["files"].get(sha)
        except OSError as exc:  # gone or unreadable: draw it again (and keep that)
            log.warning("kept PDF %s of %s cannot be read, drawing it again: %s", sha[:12],
                        docx_sha256[:12], exc)
            return None
        self.used += 1
        return content

    def keep(self, docx_sha256: str, pdf: bytes) -> None:
        try:
            self.added += keep(self.app, docx_sha256, pdf, self.version)
        except Exception as exc:  # the bundle is built all the same; the next build keeps it
            log.warning("the PDF of %s could not be kept: %s", docx_sha256[:12], exc)


@job_tasks.body("keep_letter_pdf", queue="work")
def keep_job(app: Flask, docx_sha256: str, title: str = "", *, attempt: int = 1,
             final: bool = True) -> None:
    """Draw and keep the PDF of a letter just recorded as sent (idempotent: a PDF already
    kept, or a letter no case holds any more, is left as it is)."""
    from referral_builder.documents.safety import UnsafeDocument

    db, store = app.extensions["db"], app.extensions["files"]
    try:
        version = renderer()
        with db.session() as s:
            if kept_pdf(s, docx_sha256, version) is not None:
                return
            if s.scalar(select(StoredFile.id).where(StoredFile.sha256 == docx_sha256)
                        .limit(1)) is None:
                return
        try:
            docx = store.get(docx_sha256)
        except FileNotFoundError:
            return
        try:
            pdf = draw(docx, title)
        except UnsafeDocument as exc:  # the bundle build will say why, on the case's page
            log.warning("letter %s cannot be drawn as a PDF: %s", docx_sha256[:12], exc)
            return
        keep(app, docx_sha256, pdf, version)
    except Exception as exc:
        if not final and isinstance(exc, job_tasks.TRANSIENT):
            raise  # the queue tries again
        # A letter whose PDF is not kept is drawn at the bundle's build instead.
        log.exception("keeping the PDF of letter %s failed", docx_sha256[:12])


def keep_later(app: Flask, docx: bytes, title: str) -> None:
    """Queue `keep_letter_pdf` for a Word document just stored as a case file."""
    import hashlib

    jobs.defer(app, "keep_letter_pdf", background=bool(app.config.get("JOBS_IN_BACKGROUND", True)),
               docx_sha256=hashlib.sha256(docx).hexdigest(), title=title[:200])


# ---- pruning ------------------------------------------------------------------------------


@job_tasks.pruner
def prune(app: Flask, older_than: dt.timedelta) -> int:
    """Remove the PDFs made for "Download as PDF" as old as the work rows pruned with them,
    and kept PDFs whose Word document no case holds (left by a build that ran while its case
    was deleted). Returns how many rows were deleted."""
    db, store = app.extensions["db"], app.extensions["files"]
    now = utcnow()
    with db.writing() as s:
        downloads = list(s.scalars(select(StoredFile).where(
            StoredFile.kind == DOWNLOAD_KIND, StoredFile.created_at < now - older_than)))
        held = select(StoredFile.sha256)
        orphans = list(s.scalars(select(LetterPdf).where(
            LetterPdf.created_at < now - ORPHAN_GRACE, LetterPdf.docx_sha256.not_in(held))))
        shas = {r.sha256 for r in downloads} | {r.pdf_sha256 for r in orphans}
        s.execute(delete(StoredFile).where(StoredFile.id.in_([r.id for r in downloads])))
        s.execute(delete(LetterPdf).where(LetterPdf.id.in_([r.id for r in orphans])))
    with db.session() as s:
        remove_unused(s, store, shas)
    return len(downloads) + len(orphans)
