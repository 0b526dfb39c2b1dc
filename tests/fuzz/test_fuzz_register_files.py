"""Fuzzing register files as uploaded (referral_builder/registers.py and the new shapes):
whatever the bytes, the only failures are RegisterFileError or RegisterImportError, every
message is free of NUL and control characters, and the preview never crashes."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from referral_builder.domain import register_import as ri
from referral_builder.domain.errors import RegisterImportError
from referral_builder.services.registers import RegisterFileError, mapping_for, read_file
from tests.fuzz.profile import count, fuzz_settings
from tests.samples.registers import make_samples as samples

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SEEDS = [samples.arbor().encode()[:4000], samples.plain().encode(), samples.sims_utf16(),
         samples.per_day().encode(), samples.weekly_grid().encode()]
HEADERS = ["Week beginning", "Mon AM", "Fri PM", "UPN", "STUDENT_ID", "Legal surname",
           "Forename", "MARK_CODE", "MINUTES_LATE", "RAW_MARK", "PERIOD", "DATE", "MORNING",
           "PRESENT_AM", "12", "-5", "1e9", "2024-08-19", "19/08/2024", "H", "#", "O", "/"]


def check(data: bytes) -> None:
    try:
        file = read_file(data)
        mapping = mapping_for(file)
        pupils = ri.pupils(file.rows, mapping)
        marks = ri.read_marks(file.rows, mapping, pupil=pupils[0].key if pupils else None)
    except RegisterFileError as exc:
        assert str(exc) and not CONTROL.search(str(exc))
    except RegisterImportError as exc:
        assert exc.problems
        for line, message in exc.problems:
            assert line >= 0 and message and not CONTROL.search(message)
    else:
        ri.preview(marks, today=dt.date(2026, 11, 20),
                   closures=ri.closed_sessions(file.rows, mapping))


@fuzz_settings
@given(st.binary(max_size=400))
def test_any_bytes(data: bytes) -> None:
    count("register file: any bytes")
    check(data)


@fuzz_settings
@given(st.sampled_from(SEEDS), st.data())
def test_a_sample_export_mutated(seed: bytes, data) -> None:  # type: ignore[no-untyped-def]
    count("register file: mutated sample")
    out = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(out)))
        piece = data.draw(st.sampled_from(HEADERS).map(str.encode) | st.binary(max_size=4))
        how = data.draw(st.sampled_from(["insert", "replace", "truncate"]))
        if how == "insert":
            out[at:at] = piece
        elif how == "replace":
            out[at:at + len(piece)] = piece
        else:
            del out[at:]
    check(bytes(out))
