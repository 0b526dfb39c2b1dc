"""Register files as uploaded (referral_builder/registers.py): CSV in UTF-8 (with or without a
byte order mark), UTF-16 "Unicode text" from Excel, Windows-1252; XLSX with Excel date cells,
the first or a named sheet; and clear refusals (issue 17, 11.3, 11.9, 11.13)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from referral_builder.domain import register_import as ri
from referral_builder.domain.errors import RegisterImportError
from referral_builder.domain.model import Mark
from referral_builder.services import registers
from referral_builder.services.registers import RegisterFileError, import_marks, read_file
from tests.samples.registers import make_samples as samples

SAMPLES = Path(samples.__file__).parent
GRACE = [Mark(d, s, c) for (d, s), c in samples.pupil_marks(6).items()]
PLAIN = (SAMPLES / "plain-one-pupil.csv").read_bytes()


def arbor_xlsx(*, sheet_first: str | None = None, date_cells: bool = True) -> bytes:
    """The 30-pupil Arbor export saved from Excel: DATE as real date cells."""
    book = Workbook()
    ws = book.active
    if sheet_first:
        ws.title = sheet_first
        ws.append(["Notes"])
        ws = book.create_sheet("Marks")
    else:
        ws.title = "Marks"
    for n, line in enumerate((SAMPLES / "arbor-class-30.csv").read_text().splitlines()):
        cells: list[object] = line.split(",")
        if n and date_cells:
            cells[4] = dt.datetime.fromisoformat(str(cells[4]))
            cells[0] = int(str(cells[0]))  # Excel turns ids into numbers
            cells[8] = int(str(cells[8]))
        ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestSameMarksFromEveryFileType:
    def test_plain_csv(self):
        assert import_marks(PLAIN) == GRACE

    def test_utf16_tab_separated_unicode_text(self):
        data = (SAMPLES / "sims-unicode-text.txt").read_bytes()
        assert data[:2] == b"\xff\xfe"
        assert read_file(data).header == ("Student ID", "Date", "Session Name", "Mark")
        assert import_marks(data) == GRACE

    def test_utf16_without_a_byte_order_mark(self):
        data = (SAMPLES / "sims-unicode-text.txt").read_bytes()[2:]
        assert import_marks(data) == GRACE

    def test_utf8_with_a_byte_order_mark_and_semicolons(self):
        data = (SAMPLES / "per-day-semicolon.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert import_marks(data) == GRACE

    def test_windows_1252_text(self):
        data = "Legal surname,Forename,Date,Session,Mark\nGray,Zoë,07/09/2026,AM,/\n".encode(
            "cp1252")
        assert import_marks(data) == [Mark(dt.date(2026, 9, 7), "AM", "/")]
        assert read_file(data).rows[1].cells[1] == "Zoë"

    def test_the_30_pupil_arbor_workbook_with_excel_date_cells(self):
        data = arbor_xlsx()
        file = read_file(data)
        assert (file.kind, file.sheet) == ("xlsx", "Marks")
        assert file.rows[1].cells[:5] == ("1001", "K820123456000", "Archer", "Amelia",
                                          "2026-09-07")
        assert import_marks(data, pupil="K820123456789") == GRACE
        assert import_marks(data, pupil="1007") == GRACE

    def test_a_named_sheet(self):
        data = arbor_xlsx(sheet_first="Read me")
        assert import_marks(data, pupil="1007", sheet="Marks") == GRACE
        with pytest.raises(RegisterImportError):  # the first sheet has no register
            import_marks(data, pupil="1007")

    def test_a_missing_sheet_names_those_there_are(self):
        with pytest.raises(RegisterFileError, match=r'no sheet "Attendance" \(it has Marks\)'):
            read_file(arbor_xlsx(), sheet="Attendance")

    def test_a_cli_style_mapping_reads_an_unknown_shape(self):
        data = (SAMPLES / "unknown-shape.csv").read_bytes()
        with pytest.raises(RegisterImportError):
            import_marks(data)
        assert import_marks(data, columns={"date": "Attendance day", "session": "half",
                                           "mark": "4"}) == GRACE

    def test_a_formula_is_never_evaluated(self):
        book = Workbook()
        ws = book.active
        ws.append(["Date", "Session", "Mark"])
        ws.append([dt.date(2026, 9, 7), "AM", '=IF(1=1,"O","/")'])
        out = io.BytesIO()
        book.save(out)
        # openpyxl saves no cached value: the cell is empty, never computed to "O"
        with pytest.raises(RegisterImportError) as caught:
            import_marks(out.getvalue())
        assert caught.value.problems == [(2, "2026-09-07 AM has no mark")]


class TestRefusals:
    @pytest.mark.parametrize("data, message", [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old Excel .xls workbook"),
        (b"%PDF-1.7\n...", "this is a PDF"),
        (b"", "the file is empty"),
        (b"PK\x03\x04garbage", "damaged"),
    ])
    def test_files_that_are_not_registers(self, data, message):
        with pytest.raises(RegisterFileError, match=message):
            read_file(data)

    def test_a_zip_that_is_not_a_workbook(self):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("register.csv", "Date,Session,Mark\n")
        with pytest.raises(RegisterFileError, match="not an Excel workbook"):
            read_file(out.getvalue())

    def test_a_nul_character_is_refused_and_never_echoed(self):
        with pytest.raises(RegisterFileError) as caught:
            read_file(b"Date,Session,Mark\n2026-09-07,AM,/\n2026-09-08,A\x00M,/\n")
        assert str(caught.value) == ("line 3 has a NUL character: this is not a text export; "
                                     "save the register from the MIS or Excel as CSV or XLSX")

    def test_a_control_character_is_refused(self):
        with pytest.raises(RegisterFileError, match="line 2 has a control character"):
            read_file(b"Date,Session,Mark\n2026-09-07,AM,\x1b[31m/\n")

    def test_a_field_over_131072_characters_is_a_message_not_a_crash(self):
        data = b'Date,Session,Mark\n2026-09-07,AM,"' + b"x" * 131_073 + b'"\n'
        with pytest.raises(RegisterFileError, match="line 2 has a cell longer than 131,072 "
                                                    "characters"):
            read_file(data)

    def test_too_many_rows(self, monkeypatch):
        monkeypatch.setattr(registers, "MAX_ROWS", 50)
        with pytest.raises(RegisterFileError, match="more than 50 rows"):
            read_file((SAMPLES / "arbor-class-30.csv").read_bytes())

    def test_too_many_rows_in_a_workbook(self, monkeypatch):
        monkeypatch.setattr(registers, "MAX_ROWS", 50)
        with pytest.raises(RegisterFileError, match="more than 50 rows"):
            read_file(arbor_xlsx())

    def test_too_large(self, monkeypatch):
        monkeypatch.setattr(registers, "MAX_BYTES", 500)
        with pytest.raises(RegisterFileError, match="larger than"):
            read_file(PLAIN)


def test_header_key_ignores_case_and_underscores():
    assert registers.header_key(("STUDENT_ID", "Date")) == registers.header_key(
        ("student id", "DATE"))
    assert registers.header_key(("A",)) != registers.header_key(("B",))


def test_rows_keep_excel_line_numbers():
    file = read_file(arbor_xlsx())
    assert [r.line for r in file.rows[:3]] == [1, 2, 3]
    assert isinstance(file.rows[0], ri.Row)
