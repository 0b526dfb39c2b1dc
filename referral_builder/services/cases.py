"""Use-cases of the web app: create, load, check and save cases; tasks; export and import.

A case is kept whole as `referral-case/1` JSON. Every save validates the new JSON with the
case loader (so the stored case is always one the CLI can check and bundle) and bumps the
version, refusing the save when the version shown to the user is no longer current.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_builder import safe_json
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import Conflict as Conflict
from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import Case
from referral_builder.domain.results import CheckReport
from referral_builder.schemas.case import LoadedCase, load_case
from referral_builder.services import checking
from referral_builder.services.term_dates import calendar_json, school_calendar
from referral_builder.storage.db import begin_writing
from referral_builder.storage.files import FileStore
from referral_builder.storage.models import Authority, CaseRecord, School, StoredFile, utcnow

EDITABLE = ("draft", "returned")


@dataclass
class CaseView:
    """One case as stored, with its loaded domain case and check report computed on demand."""

    record: CaseRecord

    @cached_property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.record.data)
        return data

    @cached_property
    def _key(self) -> str:
        """The case's content as it is now (routes change `data` before saving it)."""
        return hashlib.sha256(_dump(self.data).encode()).hexdigest()

    @cached_property
    def loaded(self) -> LoadedCase:
        loaded: LoadedCase = _REPORTS.get(("loaded", self._key), lambda: load_case(self.data))
        return loaded

    @property
    def case(self) -> Case:
        case: Case = self.loaded.case
        return case

    @cached_property
    def checklists(self) -> list[Checklist]:
        return checking.checklists_for(self.case)

    @cached_property
    def report(self) -> CheckReport:
        report: CheckReport = _REPORTS.get(("report", self._key, dt.date.today()),
                                           lambda: checking.check(self.loaded, self.checklists))
        return report

    @property
    def editable(self) -> bool:
        return self.record.status in EDITABLE


class _Recent:
    """The last few loaded cases and check reports, by content: every page of a case shows
    its report, and checking is a third of a page's work (found by scripts/load_test.py and
    pyinstrument). Keyed by a hash of the case JSON, so an edited case is never served a
    stale report; shared read-only between requests."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock; an exception is not cached
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_REPORTS = _Recent()


def load_record(s: Session, case_id: int) -> CaseRecord | None:
    """The stored case, or None (`web.access.case_view` decides who may see it)."""
    return s.get(CaseRecord, case_id)


def school_cases(s: Session, school_id: int | None) -> list[CaseView]:
    """The school's cases, the last changed first."""
    return [CaseView(r) for r in s.scalars(
        select(CaseRecord).where(CaseRecord.school_id == school_id)
        .order_by(CaseRecord.updated_at.desc())).all()]


def open_cases(s: Session, school_id: int | None) -> list[CaseView]:
    """The school's cases still being prepared: drafts and returned referrals."""
    return [CaseView(r) for r in s.scalars(
        select(CaseRecord).where(CaseRecord.school_id == school_id,
                                 CaseRecord.status.in_(EDITABLE))).all()]


def latest_bundle(s: Session, case_id: int) -> StoredFile | None:
    """The case's most recently built bundle."""
    return s.scalar(select(StoredFile).where(StoredFile.case_id == case_id,
                                             StoredFile.kind == "bundle")
                    .order_by(StoredFile.id.desc()))


def new_case_data(authority: Authority, school: School, reference: str,
                  pupil: dict[str, Any], referral_date: dt.date) -> dict[str, Any]:
    """The JSON of a new case with its pupil and school, ready for `load_case`."""
    return {
        "format": "referral-case/1",
        "reference": reference,
        "authority": authority.slug,
        "referral_date": referral_date.isoformat(),
        "school": school_json(school),
        "pupil": pupil,
        "carers": [],
        "register": {"marks": []},
        "events": [],
        "documents": [],
    }


def school_json(school: School) -> dict[str, Any]:
    """The case's `school`, always from the school's own record (never from a file)."""
    return {"name": school.name, "urn": school.urn,
            "local_authority": school.authority.name if school.authority else "",
            "head_teacher": school.head_teacher, "address": school.address}


def next_reference(s: Session, authority: Authority, year: int) -> str:
    prefix = f"{authority.slug[:3].upper()}-{year}-"
    refs = s.scalars(select(CaseRecord.reference).where(
        CaseRecord.reference.like(f"{prefix}%"))).all()
    numbers = [int(r.removeprefix(prefix)) for r in refs if r.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


#: Times a new case takes the next reference when another took the one it was given.
RENUMBER_ATTEMPTS = 5


def create_case(s: Session, *, authority: Authority, school: School, created_by: int,
                data: dict[str, Any]) -> CaseRecord:
    """Store a new draft case. Its reference (from `next_reference`) is taken again when
    another case took it in the meantime: two users starting or importing a case at the
    same moment on PostgreSQL both read the same last number (`data["reference"]` is
    updated)."""
    load_case(data)  # raises InvalidCase
    begin_writing(s.connection())  # SQLite: take the write lock before the savepoint
    for attempt in range(RENUMBER_ATTEMPTS):
        record = CaseRecord(reference=data["reference"], school_id=school.id,
                            authority_id=authority.id, status="draft", data=_dump(data),
                            version=1, created_by=created_by)
        try:
            with s.begin_nested():  # a savepoint: a clash undoes this insert alone
                s.add(record)
                s.flush()
            return record
        except IntegrityError as exc:
            if "reference" not in str(exc.orig) or attempt == RENUMBER_ATTEMPTS - 1:
                raise
            year = int(str(data["reference"]).split("-")[-2])
            data["reference"] = next_reference(s, authority, year)
    raise AssertionError("unreachable")


def save_case(s: Session, record: CaseRecord, data: dict[str, Any],
              shown_version: int | str | None) -> None:
    """Validate and store the whole case JSON; raise Conflict or InvalidCase."""
    if record.status not in EDITABLE:
        raise Conflict("this referral has been submitted and cannot be changed")
    if str(shown_version) != str(record.version):
        raise Conflict("the case was changed by someone else")
    load_case(data)
    result = s.execute(
        update(CaseRecord)
        .where(CaseRecord.id == record.id, CaseRecord.version == record.version)
        .values(data=_dump(data), version=record.version + 1, updated_at=utcnow()))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case was changed by someone else")
    s.refresh(record)


def commit_case(s: Session, record: CaseRecord, data: dict[str, Any],
                shown_version: int | str | None) -> None:
    """Save the case (`save_case`) and commit it with whatever else the session holds for
    the same change (a document's row, a form's token). On InvalidCase all of it is rolled
    back; on Conflict nothing was written."""
    try:
        save_case(s, record, data, shown_version)
    except InvalidCase:
        s.rollback()
        raise
    s.commit()


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def next_id(items: list[dict[str, Any]], prefix: str) -> str:
    used = {str(i.get("id")) for i in items}
    n = len(items) + 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def add_document(s: Session, store: FileStore, record: CaseRecord, data: dict[str, Any], *,
                 content: bytes, filename: str, media_type: str, title: str, kind: str,
                 user_id: int) -> str:
    """Store a file for the case and add it to the case's documents; return its id."""
    return add_stored_document(s, record, data, sha256=store.put(content), size=len(content),
                               filename=filename, media_type=media_type, title=title,
                               kind=kind, user_id=user_id)


def add_stored_document(s: Session, record: CaseRecord, data: dict[str, Any], *, sha256: str,
                        size: int, filename: str, media_type: str, title: str, kind: str,
                        user_id: int | None) -> str:
    """Add a file already in the store (put there by a job, outside the transaction) to the
    case's documents; return its id."""
    doc_id = next_id(data.setdefault("documents", []), "d")
    data["documents"].append({"id": doc_id, "file": f"evidence/{doc_id}-{filename}",
                              "title": title})
    s.add(StoredFile(case_id=record.id, kind=kind, doc_id=doc_id, sha256=sha256,
                     filename=filename, media_type=media_type, size=size,
                     uploaded_by=user_id))
    return doc_id


def document_bytes(s: Session, store: FileStore, record: CaseRecord, doc_id: str) -> bytes:
    row = s.scalar(select(StoredFile).where(StoredFile.case_id == record.id,
                                            StoredFile.doc_id == doc_id))
    if row is None:
        raise KeyError(doc_id)
    return store.get(row.sha256)


# ---- export and import: case.json plus the evidence files, in one zip --------------------

MAX_IMPORT_ENTRIES = 500
#: One document (or case.json) unpacked: the same as one upload.
MAX_IMPORT_FILE_BYTES = 25 * 1024 * 1024
#: Everything in the zip unpacked.
MAX_IMPORT_BYTES = 100 * 1024 * 1024
#: Unpacked / packed, for an entry (or the whole zip) bigger than IMPORT_RATIO_MIN_BYTES.
MAX_IMPORT_RATIO = 100
IMPORT_RATIO_MIN_BYTES = 64 * 1024
_CHUNK = 64 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
               ValueError, NotImplementedError, RuntimeError, struct.error)


def export_zip(s: Session, store: FileStore, view: CaseView) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        data = dict(view.data)
        calendar = school_calendar(s, view.record.school_id)  # the school's term dates
        if calendar is not None:
            data["calendar"] = calendar_json(calendar)
        z.writestr("case.json", json.dumps(data, ensure_ascii=False, indent=2))
        for doc in view.data.get("documents", []):
            try:
                z.writestr(doc["file"], document_bytes(s, store, view.record, doc["id"]))
            except (KeyError, FileNotFoundError):
                continue
    return buf.getvalue()


def _mb(n: int) -> str:
    return f"{n / 2**20:g} MB"


def read_import_zip(content: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return the case JSON and its files from an export; raise InvalidCase when unsafe.

    The limits (entries, bytes per entry and in all, compression ratio) are checked from the
    zip's headers first, and again while reading, since headers can lie.
    """
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
        infos = z.infolist()
    except _ZIP_ERRORS as exc:
        raise InvalidCase("", f"the file is not a zip file ({exc})") from None
    if len(infos) > MAX_IMPORT_ENTRIES:
        raise InvalidCase("", f"the zip has {len(infos)} files; at most {MAX_IMPORT_ENTRIES}")
    names: set[str] = set()
    for info in infos:
        name = info.filename
        if (name.startswith("/") or ".." in name.split("/") or "\\" in name or "\0" in name
                or ":" in name.split("/", 1)[0]):
            raise InvalidCase("", f"the zip has an unsafe file name: {name[:200]}")
        if name in names:
            raise InvalidCase("", f"the zip has {name[:200]} twice")
        names.add(name)
        _check_entry_header(info)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_IMPORT_BYTES:
        raise InvalidCase("", f"the zip unpacks to {_mb(total)}; at most "
                              f"{_mb(MAX_IMPORT_BYTES)}")
    if total > IMPORT_RATIO_MIN_BYTES and total > MAX_IMPORT_RATIO * max(packed, 1):
        raise InvalidCase("", f"the zip unpacks to {total // max(packed, 1)} times its size; "
                              f"at most {MAX_IMPORT_RATIO} (a zip bomb?)")
    if "case.json" not in names:
        raise InvalidCase("", "the zip has no case.json")
    budget = [MAX_IMPORT_BYTES]

    def read(name: str) -> bytes:
        return _read_entry(z, z.getinfo(name), budget)

    raw = read("case.json")
    try:
        data = safe_json.loads(raw)
    except ValueError as exc:
        raise InvalidCase("case.json", f"cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidCase("case.json", "is not a referral-case/1 object")
    load_case(data)
    files: dict[str, bytes] = {}
    for doc in data.get("documents", []):
        if doc["file"] not in names:
            raise InvalidCase("documents", f"{doc['file']} is not in the zip")
        files[doc["id"]] = read(doc["file"])
    return data, files


def _check_entry_header(info: zipfile.ZipInfo) -> None:
    name = info.filename[:200]
    if info.flag_bits & 0x1:
        raise InvalidCase("", f"{name} in the zip is encrypted; export it again without a "
                              "password")
    if info.file_size > MAX_IMPORT_FILE_BYTES:
        raise InvalidCase("", f"{name} in the zip unpacks to {_mb(info.file_size)}; each "
                              f"file may be at most {_mb(MAX_IMPORT_FILE_BYTES)}")
    if (info.file_size > IMPORT_RATIO_MIN_BYTES
            and info.file_size > MAX_IMPORT_RATIO * max(info.compress_size, 1)):
        raise InvalidCase("", f"{name} in the zip unpacks to "
                              f"{info.file_size // max(info.compress_size, 1)} times its "
                              f"size; at most {MAX_IMPORT_RATIO} (a zip bomb?)")


def _read_entry(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """Read one entry with the limits applied to the bytes actually unpacked."""
    name = info.filename[:200]
    out = bytearray()
    try:
        with z.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                out += chunk
                budget[0] -= len(chunk)
                if len(out) > MAX_IMPORT_FILE_BYTES:
                    raise InvalidCase("", f"{name} in the zip unpacks to more than "
                                          f"{_mb(MAX_IMPORT_FILE_BYTES)}")
                if budget[0] < 0:
                    raise InvalidCase("", f"the zip unpacks to more than "
                                          f"{_mb(MAX_IMPORT_BYTES)}")
                if (len(out) > IMPORT_RATIO_MIN_BYTES
                        and len(out) > MAX_IMPORT_RATIO * max(info.compress_size, 1)):
                    raise InvalidCase("", f"{name} in the zip unpacks to more than "
                                          f"{MAX_IMPORT_RATIO} times its size (a zip bomb?)")
    except _ZIP_ERRORS as exc:
        raise InvalidCase("", f"{name} in the zip is damaged ({exc}); export the case "
                              "again") from None
    return bytes(out)
