"""The case format's `register: {"file": ..., "pupil": ..., "sheet": ...}` (case-format.md):
a CSV or XLSX export of any shape, whole-class files read for one pupil."""

from __future__ import annotations

import json
import shutil

import pytest
from referral_builder.schemas.case import load_case_file

from referral_builder.domain.errors import InvalidCase
from referral_builder.domain.model import Mark
from tests.samples.registers import make_samples as samples
from tests.unit.test_case_schema import as_json, written_case
from tests.unit.test_register_import_files import SAMPLES, arbor_xlsx

GRACE = tuple(Mark(d, s, c) for (d, s), c in samples.pupil_marks(6).items())


def case_with(tmp_path, register):
    data = as_json(written_case())
    data["register"] = register
    (tmp_path / "case.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path / "case.json"


def test_a_whole_class_xlsx_for_one_pupil_by_upn(tmp_path):
    (tmp_path / "export.xlsx").write_bytes(arbor_xlsx(sheet_first="Read me"))
    path = case_with(tmp_path, {"file": "export.xlsx", "pupil": "K820123456789",
                                "sheet": "Marks"})
    assert load_case_file(path).case.marks == GRACE


def test_a_whole_class_csv_by_mis_id(tmp_path):
    shutil.copy(SAMPLES / "arbor-class-30.csv", tmp_path / "arbor.csv")
    path = case_with(tmp_path, {"file": "arbor.csv", "pupil": "1007"})
    assert load_case_file(path).case.marks == GRACE


def test_csv_still_means_the_same_and_reads_utf16(tmp_path):
    shutil.copy(SAMPLES / "sims-unicode-text.txt", tmp_path / "sims.txt")
    assert load_case_file(case_with(tmp_path, {"csv": "sims.txt"})).case.marks == GRACE


def test_a_whole_class_file_without_a_pupil_is_an_error_naming_the_field(tmp_path):
    shutil.copy(SAMPLES / "arbor-class-30.csv", tmp_path / "arbor.csv")
    with pytest.raises(InvalidCase) as info:
        load_case_file(case_with(tmp_path, {"file": "arbor.csv"}))
    assert str(info.value) == ("register.file: arbor.csv: the file holds 30 pupils: choose "
                               "one by UPN or MIS id")


@pytest.mark.parametrize("register, message", [
    ({"marks": [], "pupil": "1007"}, 'register.pupil: goes with "file" (a register export)'),
    ({"csv": "a.csv", "file": "b.csv"}, 'register: give one of "marks", "csv" or "file", not '
                                        '"csv" and "file"'),
    ({"file": "../x.csv"}, "register.file: must be a path inside the case's folder"),
    ({"file": "export.xlsx", "sheet": "Nope"},
     'register.file: export.xlsx: the workbook has no sheet "Nope" (it has Marks)'),
])
def test_wrong_register_forms(tmp_path, register, message):
    (tmp_path / "export.xlsx").write_bytes(arbor_xlsx())
    with pytest.raises(InvalidCase) as info:
        load_case_file(case_with(tmp_path, register))
    assert str(info.value).startswith(message)
