"""New cases: started here after the evidence requirements were read, or imported from an
export made elsewhere (`cases.read_import_zip`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.domain.errors import InvalidCase
from referral_builder.services import acknowledgements, cases
from referral_builder.services.evidence import Refused, accept_upload
from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStore, FileStoreError
from referral_builder.storage.models import Authority, CaseRecord, StoredFile, User, utcnow

__all__ = ["FileStoreError", "authorities", "authority", "import_case", "start_case"]


def authorities(s: Session) -> Sequence[Authority]:
    """The authorities set up here, by name."""
    return s.scalars(select(Authority).order_by(Authority.name)).all()


def authority(s: Session, slug: str) -> Authority | None:
    return s.scalar(select(Authority).where(Authority.slug == slug))


def start_case(s: Session, *, authority: Authority, user: User, pupil: dict[str, Any],
               acknowledgement_id: int | None, declaration_roles: Sequence[str],
               today: dt.date, remember: Callable[[int], None] = lambda case_id: None
               ) -> CaseRecord:
    """Make a new draft for the user's school with its pupil, and commit.

    The user's tick of the evidence requirements is linked to the case, and meets the
    tick-box item at once when the user is one who may make the declaration (issue 14.6).
    `remember(case_id)` adds rows of the caller's to the same transaction (a form's token).
    Raise InvalidCase (nothing is saved).
    """
    Database.begin_writing(s)  # the next reference is read and used in one transaction
    school = user.school
    assert school is not None, "a school user has a school"
    data = cases.new_case_data(authority, school, cases.next_reference(
        s, authority, today.year), pupil, today)
    tick = acknowledgements.own_tick(s, acknowledgement_id, user)
    if tick is not None and user.role in declaration_roles:
        data["declaration"] = acknowledgements.as_declaration(tick)
    record = cases.create_case(s, authority=authority, school=school, created_by=user.id,
                               data=data)
    remember(record.id)
    if tick is not None:
        tick.case_id = record.id
    s.commit()
    return record


def import_case(s: Session, store: FileStore, content: bytes, user: User) -> CaseRecord:
    """Create a new draft for the user's school from an export (a zip), keeping its document
    ids, and commit. Raise InvalidCase or FileStoreError (nothing is saved).

    The slow part (unpacking, cleaning every document, storing the files) comes first,
    without the database's write lock. The school is the user's (the cover and the s.566
    certificate print it), never the one in the zip; the declaration is dropped, and the
    case cannot be sent until someone has confirmed the evidence requirements for it
    (`acknowledgements.needs_acknowledgement`).
    """
    try:
        data, files = cases.read_import_zip(content)
        accepted = _accept_documents(data, files)
        stored = {doc_id: (store.put(body), media, len(body))
                  for doc_id, (body, media) in accepted.items()}
        return _create(s, data, stored, user)
    except (InvalidCase, FileStoreError):
        s.rollback()
        raise


def _accept_documents(data: dict[str, Any], files: dict[str, bytes]
                      ) -> dict[str, tuple[bytes, str]]:
    """Every imported document through the upload's acceptance: type, size, cleaning."""
    accepted = {}
    for doc in data.get("documents", []):
        try:
            accepted[doc["id"]] = accept_upload(files[doc["id"]], doc["file"],
                                                label=f"The document {doc['file']}")
        except Refused as exc:
            raise InvalidCase("", str(exc)) from None
    return accepted


def _create(s: Session, data: dict[str, Any], stored: dict[str, tuple[str, str, int]],
            user: User) -> CaseRecord:
    Database.begin_writing(s)  # the next reference is read and used in one transaction
    found = authority(s, data["authority"])
    if found is None:
        raise InvalidCase("authority", f"no authority {data['authority']!r} is set up here")
    school = user.school
    assert school is not None, "a school user has a school"
    data["reference"] = cases.next_reference(s, found, dt.date.today().year)
    data["school"] = cases.school_json(school)
    data.pop("declaration", None)
    record = cases.create_case(s, authority=found, school=school, created_by=user.id,
                               data=data)
    record.imported_at = utcnow()
    for doc in data.get("documents", []):
        sha, media, size = stored[doc["id"]]
        s.add(StoredFile(case_id=record.id, kind="evidence", doc_id=doc["id"], sha256=sha,
                         filename=doc["file"].rsplit("/", 1)[-1][:255], media_type=media,
                         size=size, uploaded_by=user.id))
    s.commit()
    return record
