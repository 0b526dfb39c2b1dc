"""Delete finished referrals once their authority's retention period has passed.

A case is finished when the LA accepted or returned it; its age is measured from its last
change (a save, a submission or a decision). Each deletion removes the case, its history and
its file rows (evidence, letters, bundles and the uploaded register export), then the stored
files no other case uses (with the PDFs kept for its Word documents), and leaves one audit
row. Authorities
without a period (`retention_days` is None) keep everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from referral_builder.storage.files import FileStore
from referral_builder.storage.models import (
    Acknowledgement,
    AuditEntry,
    Authority,
    CaseRecord,
    LetterPdf,
    StoredFile,
    Submission,
    WorkJob,
    utcnow,
)

FINISHED = ("accepted", "returned")


@dataclass(frozen=True)
class Expired:
    case_id: int
    reference: str
    authority: str
    last_change: dt.datetime
    files: tuple[str, ...] = field(default=())  # sha256 of its stored files


def last_change(s: Session, record: CaseRecord) -> dt.datetime:
    latest = s.scalar(select(func.max(Submission.at)).where(Submission.case_id == record.id))
    return max(t for t in (record.updated_at, record.submitted_at, latest) if t is not None)


def find_expired(s: Session, now: dt.datetime) -> list[Expired]:
    """The finished cases whose authority's period has passed since their last change."""
    found = []
    for authority in s.scalars(select(Authority).where(Authority.retention_days.is_not(None))):
        cutoff = now - dt.timedelta(days=authority.retention_days or 0)
        for record in s.scalars(select(CaseRecord).where(
                CaseRecord.authority_id == authority.id, CaseRecord.status.in_(FINISHED))
                .order_by(CaseRecord.id)):
            changed = last_change(s, record)
            if changed < cutoff:
                shas = s.scalars(select(StoredFile.sha256).where(
                    StoredFile.case_id == record.id)).all()
                found.append(Expired(record.id, record.reference, authority.slug, changed,
                                     tuple(sorted(set(shas)))))
    return found


def purge(s: Session, store: FileStore, expired: list[Expired]) -> int:
    """Delete the cases and their rows, commit, then remove the files no case uses.

    Returns how many stored files were removed. Files go after the commit so that a crash
    can leave an unused file behind but never a row that points to a missing one.
    """
    ids = [e.case_id for e in expired]
    if not ids:
        return 0
    for table in (Submission, Acknowledgement, StoredFile):
        s.execute(delete(table).where(table.case_id.in_(ids)))
    s.execute(delete(CaseRecord).where(CaseRecord.id.in_(ids)))
    for e in expired:
        s.add(AuditEntry(user_id=None, action="retention_delete", case_id=e.case_id,
                         outcome="done", endpoint="retention", at=utcnow(),
                         detail=f"reference {e.reference}; authority {e.authority}; last "
                                f"changed {e.last_change:%Y-%m-%d}; {len(e.files)} files"))
    s.commit()
    return remove_unused(s, store, {sha for e in expired for sha in e.files})


def remove_unused(s: Session, store: FileStore, candidates: set[str]) -> int:
    """Remove the stored files among `candidates` that no row refers to any more (call after
    the commit that dropped the rows). Returns how many were removed.

    The PDF kept for a Word document (`LetterPdf`) goes with the last case file that is that
    document: its row is deleted (and committed) and its PDF removed unless a case file, or
    the kept PDF of a Word document still held, is the same file."""
    if not candidates:
        return 0
    in_files = set(s.scalars(select(StoredFile.sha256).where(
        StoredFile.sha256.in_(candidates))).all())
    kept = s.execute(select(LetterPdf.id, LetterPdf.pdf_sha256).where(
        LetterPdf.docx_sha256.in_(candidates - in_files))).all()
    if kept:
        s.execute(delete(LetterPdf).where(LetterPdf.id.in_([row.id for row in kept])))
        s.commit()
        candidates = candidates | {row.pdf_sha256 for row in kept}
    still_used = set(s.scalars(select(StoredFile.sha256).where(
        StoredFile.sha256.in_(candidates))).all())
    still_used |= set(s.scalars(select(LetterPdf.pdf_sha256).where(
        LetterPdf.pdf_sha256.in_(candidates))).all())
    still_used |= set(s.scalars(select(WorkJob.input_sha256).where(  # an upload being checked
        WorkJob.input_sha256.in_(candidates), WorkJob.state.in_(("queued", "running")))))
    removed = 0
    for sha in sorted(candidates - still_used):
        if store.delete(sha):
            removed += 1
    return removed


def replace_register_file(s: Session, case_id: int, row: StoredFile) -> set[str]:
    """Keep one uploaded register file per case, referenced by a `register` row so that
    retention deletes it with the case (issue 11.11). Adds `row`, drops the case's earlier
    register rows and returns their files, to pass to `remove_unused` after the commit."""
    old = s.scalars(select(StoredFile).where(StoredFile.case_id == case_id,
                                             StoredFile.kind == "register")).all()
    shas = {r.sha256 for r in old} - {row.sha256}
    for r in old:
        s.delete(r)
    s.add(row)
    return shas
