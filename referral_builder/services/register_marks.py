"""Register marks from an uploaded MIS export: the file kept for the case, the shape read
(detected, the school's saved mapping, or one the person just made), the pupil chosen in a
whole-class file, and the marks read within the period a referral may use.

The web keeps the upload's progress (`state`: the file's digest, sheet, pupil and columns
chosen so far) in the user's session. A small file is read again from the store at every
step. A big one (over the app's REGISTER_WORK_BYTES) is read by a work job (`read_job`, kind
"register_read"), once for each choice made: the job keeps the file, finds its shape and its
pupils and, once the pupil is known, checks that pupil's marks and keeps in its result the
file's first rows, the pupils, that pupil's rows (with their line numbers in the file) and the
sessions the school was closed. The state then names the job (`state["work"]`) and the
following pages read its result (`pending_read`), never the whole file again."""

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
from referral_builder.domain.errors import RegisterImportError, RegisterRefused
from referral_builder.domain.model import Case, Mark
from referral_builder.domain.register_columns import is_pupil
from referral_builder.services import work
from referral_builder.services.registers import (
    RegisterFile,
    RegisterFileError,
    header_key,
    printable,
    read_file,
)
from referral_builder.storage.files import FileStore
from referral_builder.storage.models import RegisterMapping, StoredFile, utcnow
from referral_builder.storage.retention import remove_unused, replace_register_file

MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: The kind of work job that reads a big register file (services/work.py).
READ_KIND = "register_read"
#: A file larger than this (bytes) is read by a job (the app's REGISTER_WORK_BYTES).
WORK_BYTES = 512 * 1024
#: The problems listed on the upload page (the message says how many more there are).
MAX_PROBLEMS_SHOWN = 20
#: The header and the first rows of a file, shown on the columns page.
HEAD_ROWS = 6


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


def refusal(exc: RegisterImportError) -> RegisterRefused:
    """The file's problems as the upload page says them: how many, and the first few."""
    count = len(exc.problems)
    shown = exc.problems[:MAX_PROBLEMS_SHOWN]
    more = count - len(shown)
    return RegisterRefused(
        f"The file has {count} problem{'s' * (count != 1)}: fix "
        f"{'them' if count != 1 else 'it'} and upload it again"
        + (f" ({more} more not shown)" if more else ""), shown)


def unusable(exc: RegisterFileError) -> RegisterRefused:
    """A file that cannot be read as a register, as the upload page says it."""
    return RegisterRefused(f"The file cannot be used: {exc}")


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
    return keep_file(s, store, case_id=case_id, sha=store.put(data), size=len(data),
                     file=file, filename=filename, user_id=user_id)


def keep_file(s: Session, store: FileStore, *, case_id: int, sha: str, size: int,
              file: RegisterFile, filename: str, user_id: int | None) -> dict[str, Any]:
    """`keep_upload` for a file already in the store (a job's input)."""
    name = printable(filename)[-200:] or "register"
    old = replace_register_file(s, case_id, StoredFile(
        case_id=case_id, kind="register", doc_id=None, sha256=sha, filename=name,
        media_type=MEDIA_TYPES[file.kind], size=size, uploaded_by=user_id))
    s.commit()
    remove_unused(s, store, old)
    return {"case": case_id, "sha": sha, "name": name,
            "sheet": file.sheet if file.kind == "xlsx" else None, "pupil": None,
            "columns": None}


@dataclasses.dataclass
class Pending:
    """The uploaded file and what is known so far about reading it.

    A big file read by a job (`pending_read`) holds only the rows needed: `file.rows` are the
    header and the chosen pupil's rows (or, before the pupil is known, the file's first rows),
    `head` the file's first rows and `closures` the sessions the school was closed, found over
    the whole file by the job."""

    state: dict[str, Any]
    file: RegisterFile
    mapping: ri.Mapping | None
    how: str  # "detected", "saved" (the school's mapping) or "mapped" (just now)
    pupils: list[ri.PupilFound]
    closures: set[tuple[dt.date, str]] | None = None
    head: list[ri.Row] | None = None

    @property
    def pupil(self) -> ri.PupilFound | None:
        return next((p for p in self.pupils if p.key == self.state.get("pupil")), None)

    @property
    def first_rows(self) -> list[ri.Row]:
        """The file's header (or first row) and the rows after it, for the columns page."""
        return self.head if self.head is not None else self.file.rows[:HEAD_ROWS]


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
    mapping, how = shape(s, school_id, file, state)
    pupils = ri.pupils(file.rows, mapping) if mapping is not None else []
    return Pending(state, file, mapping, how, pupils)


def shape(s: Session, school_id: int | None, file: RegisterFile, state: dict[str, Any]
          ) -> tuple[ri.Mapping | None, str]:
    """The file's mapping and how it was found: the columns chosen in `state`, else detected,
    else the school's saved mapping for this header."""
    mapping, how = None, "detected"
    if state.get("columns"):
        mapping, how = ri.Mapping.from_names(file.header, state["columns"]), "mapped"
    if mapping is None:
        mapping = ri.detect(file.rows)
        if mapping is None and (saved := saved_mapping(s, school_id, file.header)) is not None:
            mapping, how = ri.Mapping.from_names(file.header, json.loads(saved.columns)), "saved"
    return mapping, how


def read_marks(p: Pending, case: Case, today: dt.date | None = None) -> list[Mark]:
    """The chosen pupil's marks within the case's `period`. Raise RegisterImportError."""
    assert p.mapping is not None, "read only once the shape is known"
    return ri.read_marks(p.file.rows, p.mapping, pupil=p.state.get("pupil"),
                         within=period(case, today))


def preview(p: Pending, marks: list[Mark], today: dt.date | None = None) -> ri.Preview:
    """What the marks hold and anything odd, before they are saved."""
    assert p.mapping is not None, "a preview once the shape is known"
    closures = p.closures if p.closures is not None else ri.closed_sessions(p.file.rows,
                                                                            p.mapping)
    return ri.preview(marks, today=today or dt.date.today(), closures=closures)


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


# ---- a big file, read by a job -------------------------------------------------------------

def _rows_json(rows: list[ri.Row]) -> list[list[Any]]:
    return [[r.line, list(r.cells)] for r in rows]


def _rows_of(found: list[list[Any]]) -> list[ri.Row]:
    return [ri.Row(int(line), tuple(str(c) for c in cells)) for line, cells in found]


@work.kind(READ_KIND)
def read_job(ctx: work.Context) -> work.Finish:
    """Read a big register file as the upload's pages would, once.

    params: `state` (the upload's state so far: its name and, for a file already kept, its
    sha, sheet, columns and pupil), `school_id` (for the school's saved mappings) and `within`
    (the case's `period`, ISO dates). The job's input, when it has one, is a new upload: it
    becomes the case's register file as soon as it is found readable, as a small upload does.
    Raise RegisterRefused when the file cannot be used or, with its shape and pupil known,
    has problems."""
    state = {k: v for k, v in dict(ctx.params["state"]).items() if k != "work"}
    first, last = (dt.date.fromisoformat(d) for d in ctx.params["within"])
    db = ctx.app.extensions["db"]
    ctx.progress("Reading the file")
    sha = ctx.input_sha256
    data = ctx.input() if sha is not None else ctx.store.get(state["sha"])
    try:
        file = read_best(data) if sha is not None else read_file(data, sheet=state.get("sheet"))
    except RegisterFileError as exc:
        raise unusable(exc) from None
    if sha is not None and ctx.case_id is not None:
        with db.session(write=True) as s:  # a retried job keeps the same file again: no change
            state.update(keep_file(s, ctx.store, case_id=ctx.case_id, sha=sha, size=len(data),
                                   file=file, filename=str(state.get("name") or ""),
                                   user_id=ctx.user_id))
    ctx.progress("Finding the pupils")
    with db.session() as s:
        mapping, how = shape(s, ctx.params.get("school_id"), file, state)
    pupils = ri.pupils(file.rows, mapping) if mapping is not None else []
    result: dict[str, Any] = {
        "state": state, "how": how, "head": _rows_json(file.rows[:HEAD_ROWS]),
        "file": {"kind": file.kind, "sheet": file.sheet, "sheets": list(file.sheets)},
        "mapping": None if mapping is None else {"shape": mapping.shape,
                                                 "columns": mapping.columns,
                                                 "has_header": mapping.has_header},
        "pupils": [[p.key, p.label, list(p.ids), p.rows] for p in pupils],
        "rows": None, "closures": None}
    pupil = state.get("pupil")
    if mapping is not None and (len(pupils) <= 1 or pupil):
        ctx.progress("Checking the marks")
        header = file.rows[:1] if mapping.has_header else []
        body = file.rows[1:] if mapping.has_header else file.rows
        if pupil and mapping.has_pupil:
            body = [r for r in body if is_pupil(r, mapping, pupil)]
        try:  # the shape and the pupil are known: the file's problems are listed now
            # (in the pupil's rows, which keep their line numbers; the whole file when the
            # pupil is not in it, for the message that says how many pupils it holds)
            ri.read_marks(header + body if body else file.rows, mapping, pupil=pupil,
                          within=(first, last))
        except RegisterImportError as exc:
            raise refusal(exc) from None
        result["rows"] = _rows_json(header + body)
        result["closures"] = sorted([d.isoformat(), s]
                                    for d, s in ri.closed_sessions(file.rows, mapping))
    return lambda _s: result


def pending_read(state: dict[str, Any], result: dict[str, Any]) -> Pending:
    """The upload a `read_job` read, from its result (the whole file is not read again)."""
    head = _rows_of(result["head"])
    found = result["file"]
    rows = _rows_of(result["rows"]) if result.get("rows") is not None else head
    file = RegisterFile(rows, str(found["kind"]), found["sheet"], tuple(found["sheets"]))
    m = result.get("mapping")
    mapping = None if m is None else ri.Mapping(
        str(m["shape"]), {str(k): int(v) for k, v in m["columns"].items()},
        bool(m["has_header"]))
    pupils = [ri.PupilFound(key, label, tuple(ids), int(n))
              for key, label, ids, n in result["pupils"]]
    closures = None if result.get("closures") is None else {
        (dt.date.fromisoformat(d), str(s)) for d, s in result["closures"]}
    return Pending(state, file, mapping, str(result["how"]), pupils, closures, head)
