"""`referral-builder register`: the preview from the command line, the pupil in a
whole-class file, and the column mapping as options."""

from __future__ import annotations

import json

from referral_builder.cli import main
from tests.unit.test_register_import_files import SAMPLES, arbor_xlsx
from tests.unit.test_register_import_shapes import GRACE


def test_a_whole_class_file_lists_its_pupils_and_needs_one(capsys):
    assert main(["register", str(SAMPLES / "arbor-class-30.csv")]) == 2
    out, err = capsys.readouterr()
    assert "holds 30 pupils:" in out
    assert "K820123456789  Gray, Grace (K820123456789, 1007)  (60 rows)" in out
    assert "Choose one with --pupil" in err


def test_the_preview_for_one_pupil_of_an_xlsx(tmp_path, capsys):
    (tmp_path / "class.xlsx").write_bytes(arbor_xlsx())
    out_json = tmp_path / "register.json"
    assert main(["register", str(tmp_path / "class.xlsx"), "--pupil", "1007",
                 "--today", "2026-10-20", "-o", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("60 marks (one row per session) from 7 Sep 2026 to 16 Oct 2026: "
                          "29 school days in 6 weeks, 9.7 sessions a week")
    assert "  O   Absent in other or unknown circumstances: 6" in out
    assert "School closed (#): 25 Sep 2026" in out
    marks = json.loads(out_json.read_text())["marks"]
    assert len(marks) == len(GRACE) and marks[0] == {"date": "2026-09-07", "session": "AM",
                                                     "code": "/"}


def test_an_unknown_shape_is_read_with_column_options(capsys):
    path = str(SAMPLES / "unknown-shape.csv")
    assert main(["register", path]) == 2
    assert "needs columns Date, Session and Mark" in capsys.readouterr().err
    assert main(["register", path, "--date-column", "Attendance day", "--session-column",
                 "Half", "--mark-column", "4", "--pupil-column", "Pupil ref",
                 "--today", "2026-10-20"]) == 0
    assert capsys.readouterr().out.startswith("60 marks")


def test_a_refused_file_exits_2_with_the_reason(tmp_path, capsys):
    (tmp_path / "reg.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert main(["register", str(tmp_path / "reg.xls")]) == 2
    assert "old Excel .xls workbook" in capsys.readouterr().err


def test_marks_after_today_are_flagged(capsys):
    assert main(["register", str(SAMPLES / "plain-one-pupil.csv"), "--today",
                 "2026-10-15"]) == 0
    assert "Check: 1 day after today (16 Oct 2026) has marks" in capsys.readouterr().out
