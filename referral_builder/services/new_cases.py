"""New cases: started here after the evidence requirements were read, or imported from an
export made elsewhere (`cases.read_import_zip`), as a work job that checks every document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.domain.errors import InvalidCase
from referral_builder.services import acknowledgements, cases, work
from referral_builder.services.evidence import Refused, accept_upload
from referral_builder.storage.db import Database
from referral_builder.storage.files import FileStoreError
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


IMPORT = "case_import"


@work.kind(IMPORT)
def import_case(ctx: work.Context) -> work.Finish:
    """Create a new draft for the asker's school from an export (a zip), keeping its
    document ids: the work of a job of kind "case_import". Raise InvalidCase or
    FileStoreError (nothing is saved).

    The slow part (unpacking, cleaning every document, storing the files) comes first,
    outside any transaction; the case is created in the transaction that marks the job done
    (all or nothing). The school is the user's (the cover and the s.566 certificate print
    it), never the one in the zip; the declaration is dropped, and the case cannot be sent
    until someone has confirmed the evidence requirements for it
    (`acknowledgements.needs_acknowledgement`).
    """
    data, files = cases.read_import_zip(ctx.input())
    accepted = _accept_documents(data, files, ctx.progress)
    ctx.progress("Saving the case")
    try:
        stored = {doc_id: (ctx.store.put(body), media, len(body))
                  for doc_id, (body, media) in accepted.items()}
    except FileStoreError as exc:
        raise FileStoreError(FileStoreError.USER_MESSAGE) from exc

    def finish(s: Session) -> dict[str, Any]:
        try:
            user = s.get(User, ctx.user_id)
            if user is None or user.school is None:
                raise InvalidCase("", "only a school's staff can import a case")
            record = _create(s, data, stored, user)
        except BaseException:
            with ctx.app.extensions["db"].session() as other:  # the clean copies, unless used
                for sha, _media, _size in stored.values():
                    work.drop_input(other, ctx.store, sha)
            raise
        return {"case_id": record.id, "reference": record.reference}
    return finish


def _accept_documents(data: dict[str, Any], files: dict[str, bytes],
                      progress: Callable[[str], None] = lambda _step: None
                      ) -> dict[str, tuple[bytes, str]]:
    """Every imported document through the upload's acceptance: type, size, cleaning."""
    accepted = {}
    documents = data.get("documents", [])
    for n, doc in enumerate(documents, 1):
        progress(f"Checking document {n} of {len(documents)}: {doc['file']}")
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
    return record
