"""A draft withdrawn by its designated safeguarding lead: the case, its rows and the files
no other case uses are deleted. A referral that was ever sent is never withdrawn."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referral_builder.storage.files import FileStore
from referral_builder.storage.models import (
    Acknowledgement,
    BundleJob,
    CaseRecord,
    StoredFile,
    WorkJob,
)
from referral_builder.storage.retention import remove_unused


def delete_draft(s: Session, case_id: int) -> set[str]:
    """Delete the case and its rows in the session (not committed) and return its files, for
    `finish_withdrawal` after the caller has recorded why."""
    shas = set(s.scalars(select(StoredFile.sha256).where(StoredFile.case_id == case_id)))
    for table in (BundleJob, WorkJob, Acknowledgement, StoredFile):
        s.execute(delete(table).where(table.case_id == case_id))
    s.execute(delete(CaseRecord).where(CaseRecord.id == case_id))
    return shas


def finish_withdrawal(s: Session, store: FileStore, shas: set[str]) -> int:
    """Commit the deletion, then remove the files no row refers to any more (after the
    commit, so that a crash leaves an unused file, never a row without its file)."""
    s.commit()
    return remove_unused(s, store, shas)
