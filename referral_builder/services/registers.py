"""Register files as uploaded: CSV in the encodings Excel and MIS tools write, and XLSX.

This module turns bytes into rows of text cells for `referral_builder.domain.register_import`
(which knows the shapes and the marks). It decides what a file is from its bytes, never its
name: UTF-8 with or without a byte order mark, UTF-16 ("Unicode text" from Excel, usually
tab-separated) or Windows-1252 text, comma/semicolon/tab separated; or an XLSX workbook read
with openpyxl in read-only, values-only mode (formulas give the value Excel saved, never
evaluated; macros and external links are not loaded). An old `.xls`, a PDF, a zip that is
not a workbook, or anything else is refused with a message saying what to export instead.
Limits: 20 MB, 250,000 rows, and text without NUL or control characters (so none can ever
be shown back in a page).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from referral_builder.domain import register_import as ri
from referral_builder.domain.errors import RegisterFileError as RegisterFileError
from referral_builder.domain.errors import RegisterImportError
from referral_builder.domain.model import Mark

MAX_BYTES = 20 * 1024 * 1024
#: A whole-class export of two school years: ~300 pupils x 800 sessions.
MAX_ROWS = 250_000
MAX_FIELD = 131_072  # the csv module's own limit; a longer cell is refused by name
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RegisterFile:
    rows: list[ri.Row]
    kind: str  # "csv" or "xlsx"
    sheet: str | None = None
    sheets: tuple[str, ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return self.rows[0].cells if self.rows else ()


def read_file(data: bytes, *, sheet: str | None = None) -> RegisterFile:
    """Read a register file's rows. Raise RegisterFileError for anything not readable."""
    if len(data) > MAX_BYTES:
        raise RegisterFileError(f"the file is larger than {MAX_BYTES / 1048576:.0f} MB: "
                                "export one or two school years")
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise RegisterFileError("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, sheet)
    if data.startswith(_XLS):
        raise RegisterFileError("this is an old Excel .xls workbook: save it as .xlsx or CSV "
                                "and upload that")
    if data.startswith(b"%PDF"):
        raise RegisterFileError("this is a PDF: export the register from the MIS as CSV or "
                                "XLSX")
    if sheet:
        raise RegisterFileError("a sheet can only be chosen in an XLSX workbook")
    return RegisterFile(_read_csv(decode_text(data)), "csv")


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (BOM or not), UTF-16 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16")
    elif data.startswith(b"\xef\xbb\xbf"):
        text = _decode(data[3:], "utf-8")
    elif len(data) >= 4 and data.count(b"\x00") * 3 >= len(data):
        # UTF-16 without a byte order mark: every other byte of ASCII text is NUL
        text = _decode(data, "utf-16-le" if data[1] == 0 else "utf-16-be")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    text = text.removeprefix("\ufeff")
    if m := _CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        what = "a NUL character" if m.group() == "\x00" else "a control character"
        raise RegisterFileError(f"line {line} has {what}: this is not a text export; save the "
                                "register from the MIS or Excel as CSV or XLSX")
    return text


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise RegisterFileError("the file is not readable text (it looks like UTF-16 but is "
                                "damaged): export it again") from None


def _read_csv(text: str) -> list[ri.Row]:
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=ri.DELIMITERS).delimiter
    except csv.Error:
        first = sample.partition("\n")[0]
        delimiter = (max(ri.DELIMITERS, key=first.count)
                     if any(d in first for d in ri.DELIMITERS) else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ri.clean_rows(_limited(_csv_rows(reader)))


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            if "field larger than field limit" in str(exc):
                raise RegisterFileError(f"line {line} has a cell longer than {MAX_FIELD:,} "
                                        "characters: this is not a register export") from None
            raise RegisterFileError(f"line {line} cannot be read as CSV ({exc})") from None
        yield getattr(reader, "line_num", 0), cells


def _limited(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS:
            raise RegisterFileError(f"the file has more than {MAX_ROWS:,} rows: export one or "
                                    "two school years (a school year is under 400 sessions "
                                    "a pupil)")
        yield row


# ---- XLSX -------------------------------------------------------------------------------

def _read_xlsx(data: bytes, sheet: str | None) -> RegisterFile:
    from openpyxl import load_workbook  # only when a workbook arrives

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RegisterFileError("the file is damaged: it is not a readable XLSX workbook") from None
    if "xl/workbook.xml" not in names:
        raise RegisterFileError("this zip file is not an Excel workbook: upload an XLSX or "
                                "CSV export")
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED or unzipped > MAX_RATIO * max(len(data), 1) + 1_000_000:
        raise RegisterFileError("the workbook expands to too much data to be a register")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                             keep_links=False, keep_vba=False)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise RegisterFileError("the workbook cannot be read: open it in Excel, save it as "
                                "XLSX (or CSV) and upload it again") from None
    try:
        sheets = tuple(book.sheetnames)
        if sheet:
            if sheet not in sheets:
                raise RegisterFileError(f'the workbook has no sheet "{printable(sheet)}" '
                                        f"(it has {', '.join(sheets)})")
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        try:
            rows = ri.clean_rows(_limited(
                (n, [_cell_text(v) for v in values])
                for n, values in enumerate(ws.iter_rows(values_only=True), start=1)))
        except RegisterFileError:
            raise
        except Exception:
            raise RegisterFileError("the workbook's sheet cannot be read: save it again as "
                                    "XLSX or CSV") from None
        return RegisterFile(rows, "xlsx", ws.title, sheets)
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if len(text) > MAX_FIELD:
        raise RegisterFileError(f"a cell is longer than {MAX_FIELD:,} characters: this is not "
                                "a register export")
    return printable(text)


def printable(text: str) -> str:
    """Text without NUL or control characters, safe to show back in a page."""
    return _CONTROL.sub("", text)


# ---- whole imports -------------------------------------------------------------------------

def mapping_for(file: RegisterFile, names: dict[str, str] | None = None) -> ri.Mapping:
    """The file's shape: `names` (role -> column heading or 1-based number) if given, else
    detected. Raise RegisterImportError when neither works."""
    if not file.rows:
        raise RegisterImportError([(0, "the file has no register marks")])
    if names:
        header = file.header
        columns: dict[str, int] = {}
        for role, name in names.items():
            if name.isdigit() and 1 <= int(name) <= len(header):
                columns[role] = int(name) - 1
                continue
            found = [i for i, h in enumerate(header)
                     if ri.normalise_header(h) == ri.normalise_header(name)]
            if not found:
                raise RegisterImportError([(file.rows[0].line, f'no column "{name}" for the '
                                            f"{ri.ROLE_NAMES.get(role, role)} in the header "
                                            "row")])
            columns[role] = found[0]
        try:
            return ri.Mapping.manual(columns)
        except ValueError as exc:
            raise RegisterImportError([(0, str(exc))]) from None
    mapping = ri.detect(file.rows)
    if mapping is None:
        raise RegisterImportError([ri.header_problem(file.rows)])
    return mapping


def import_marks(data: bytes, *, pupil: str | None = None, sheet: str | None = None,
                 columns: dict[str, str] | None = None,
                 within: tuple[dt.date, dt.date] | None = None) -> list[Mark]:
    """Read one pupil's marks from a register file. Raise RegisterFileError or
    RegisterImportError."""
    file = read_file(data, sheet=sheet)
    return ri.read_marks(file.rows, mapping_for(file, columns), pupil=pupil, within=within)


def header_key(header: tuple[str, ...]) -> str:
    """A stable key for a header row, to find a school's saved mapping for the same export."""
    import hashlib

    joined = "\x1f".join(ri.normalise_header(h) for h in header)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
