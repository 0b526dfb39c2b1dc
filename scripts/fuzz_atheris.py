#!/usr/bin/env python3
"""Coverage-guided fuzzing (atheris, libFuzzer) of the register CSV import and the case-file
reader. Run by `make fuzz` (scripts/fuzz.py) when atheris is installed.

    scripts/fuzz_atheris.py csv  -max_total_time=60 CORPUS_DIR
    scripts/fuzz_atheris.py case -max_total_time=60 CORPUS_DIR

A crash (any exception other than the documented one) stops the run, prints the traceback
and leaves the input in crash-<sha1>; it must become a regression test.
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports():
    from referral_builder.schemas.case import dump_case, load_case

    from referral_builder.domain.errors import InvalidCase, RegisterImportError
    from referral_builder.domain.register_import import parse_register_csv


def fuzz_csv(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    text = fdp.ConsumeUnicodeNoSurrogates(len(data))
    try:
        marks = parse_register_csv(text)
    except RegisterImportError as exc:
        assert exc.problems
        return
    keys = [(m.date, m.session) for m in marks]
    assert len(keys) == len(set(keys))


def fuzz_case(data: bytes) -> None:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return  # not JSON: the file reader says so before load_case sees it
    try:
        loaded = load_case(value)
    except InvalidCase:
        return
    again = load_case(json.loads(json.dumps(dump_case(loaded.case)))).case
    assert again == loaded.case, "dump then load changed the case"


TARGETS = {"csv": fuzz_csv, "case": fuzz_case}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
