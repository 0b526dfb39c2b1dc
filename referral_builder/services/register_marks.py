"""Register marks from an uploaded MIS export: the file kept for the case, the shape read
(detected, the school's saved mapping, or one the person just made), the pupil chosen in a
whole-class file, and the marks read within the period a referral may use.

The web keeps the upload's progress (`state`: the file's digest, sheet, pupil and columns
chosen so far) in the user's session; every step reads the file again from the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.domain import register_import as ri
from referral_builder.domain import stats
from referral_builder.domain.calendar import school_year_start
from referral_builder.domain.model import Case, Mark
from referral_builder.services.registers import RegisterFile, header_key, printable, read_file
from referral_builder.storage.files import FileStore
from referral_builder.storage.models import RegisterMapping, StoredFile, utcnow
from referral_builder.storage.retention import remove_unused, replace_register_file

MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def period(case: Case, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Marks are accepted from the start of the previous school year to the referral date
    (or today, when that is later)."""
    start = school_year_start(case.referral_date)
    return (start.replace(year=start.year - 1),
            max(case.referral_date, today or dt.date.today()))


def summary(case: Case) -> dict[str, object] | None:
    """The case's attendance figures from its marks, or None when it has none."""
    if not case.marks:
        return None
    s = stats.compute(case, min(case.referral_date, case.marks[-1].date)
                      if case.referral_date < case.marks[-1].date else case.referral_date)
    return {"stats": s, "attendance": s.summary()}


def read_best(data: bytes) -> RegisterFile:
    """The file's first sheet, or in a workbook the first sheet with a register shape.
    Raise RegisterFileError."""
    file = read_file(data)
    if file.kind == "xlsx" and ri.detect(file.rows) is None:
        for name in file.sheets:
            if name != file.sheet:
                other = read_file(data, sheet=name)
                if ri.detect(other.rows) is not None:
                    return other
    return file


def keep_upload(s: Session, store: FileStore, *, case_id: int, data: bytes, file: RegisterFile,
                filename: str, user_id: int) -> dict[str, Any]:
    """Keep the uploaded file as the case's one register file (the earlier one goes), commit,
    and return the upload's first `state`."""
    sha = store.put(data)
    name = printable(filename)[-200:] or "register"
    old = replace_register_file(s, case_id, StoredFile(
        case_id=case_id, kind="register", doc_id=None, sha256=sha, filename=name,
        media_type=MEDIA_TYPES[file.kind], size=len(data), uploaded_by=user_id))
    s.commit()
    remove_unused(s, store, old)
    return {"case": case_id, "sha": sha, "name": name,
            "sheet": file.sheet if file.kind == "xlsx" else None, "pupil": None,
            "columns": None}


@dataclasses.dataclass
class Pending:
    """The uploaded file and what is known so far about reading it."""

    state: dict[str, Any]
    file: RegisterFile
    mapping: ri.Mapping | None
    how: str  # "detected", "saved" (the school's mapping) or "mapped" (just now)
    pupils: list[ri.PupilFound]

    @property
    def pupil(self) -> ri.PupilFound | None:
        return next((p for p in self.pupils if p.key == self.state.get("pupil")), None)


def saved_mapping(s: Session, school_id: int | None, header: tuple[str, ...]
                  ) -> RegisterMapping | None:
    """The school's mapping for an export with this header row, if one was saved."""
    if school_id is None:
        return None
    return s.scalar(select(RegisterMapping).where(
        RegisterMapping.school_id == school_id,
        RegisterMapping.header_key == header_key(header)))


def pending(s: Session, store: FileStore, school_id: int | None, state: dict[str, Any]
            ) -> Pending | None:
    """The upload that `state` describes, read again; None when its file cannot be read."""
    try:
        file = read_file(store.get(state["sha"]), sheet=state.get("sheet"))
    except (OSError, KeyError, ValueError):
        return None
    mapping, how = None, "detected"
    if state.get("columns"):
        mapping, how = ri.Mapping.from_names(file.header, state["columns"]), "mapped"
    if mapping is None:
        mapping = ri.detect(file.rows)
        if mapping is None and (saved := saved_mapping(s, school_id, file.header)) is not None:
            mapping, how = ri.Mapping.from_names(file.header, json.loads(saved.columns)), "saved"
    pupils = ri.pupils(file.rows, mapping) if mapping is not None else []
    return Pending(state, file, mapping, how, pupils)


def read_marks(p: Pending, case: Case, today: dt.date | None = None) -> list[Mark]:
    """The chosen pupil's marks within the case's `period`. Raise RegisterImportError."""
    assert p.mapping is not None, "read only once the shape is known"
    return ri.read_marks(p.file.rows, p.mapping, pupil=p.state.get("pupil"),
                         within=period(case, today))


def preview(p: Pending, marks: list[Mark], today: dt.date | None = None) -> ri.Preview:
    """What the marks hold and anything odd, before they are saved."""
    assert p.mapping is not None, "a preview once the shape is known"
    return ri.preview(marks, today=today or dt.date.today(),
                      closures=ri.closed_sessions(p.file.rows, p.mapping))


def save_mapping(s: Session, p: Pending, school_id: int | None, user_id: int) -> None:
    """Keep a mapping the person made for the school, for its next upload of this shape
    (added to the session: committed with the marks)."""
    if school_id is None or p.mapping is None:
        return
    header = p.file.header
    columns = json.dumps(p.mapping.names(header))
    row = saved_mapping(s, school_id, header)
    if row is None:
        s.add(RegisterMapping(
            school_id=school_id, header_key=header_key(header), header=json.dumps(list(header)),
            columns=columns, saved_by=user_id, updated_at=utcnow()))
    else:
        row.columns, row.saved_by, row.updated_at = columns, user_id, utcnow()
