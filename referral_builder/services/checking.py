"""Use-cases shared by the command line and the web app: load, check, build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from referral_builder.checklists import get_checklist
from referral_builder.domain import engine
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import InvalidCase, InvalidChecklist
from referral_builder.domain.model import Case
from referral_builder.domain.results import CheckReport
from referral_builder.schemas.case import LoadedCase, load_case_file


def load_case(path: Path) -> LoadedCase:
    """Load a case file; warn about evidence files that are not beside it."""
    loaded = load_case_file(path)
    for n, doc in enumerate(loaded.case.documents):
        if not (path.parent / doc.file).is_file():
            loaded.warnings.append(f"documents[{n}].file: {doc.file} is not found beside the "
                                   "case file; the bundle will need it")
    return loaded


def checklists_for(case: Case) -> list[Checklist]:
    """Return the authority's checklist and, if the case names one, the school's process."""
    found = []
    for field, checklist_id in (("authority", case.authority),
                                ("school_process", case.school_process)):
        if not checklist_id:
            continue
        try:
            checklist = get_checklist(checklist_id)
        except InvalidChecklist as exc:
            raise InvalidCase(field, str(exc)) from None
        if field == "authority" and checklist.kind != "authority":
            raise InvalidCase(field, f"{checklist_id!r} is a school's own process, not a local "
                                     "authority; put it in school_process")
        if checklist not in found:  # an alias of the authority's own checklist adds nothing
            found.append(checklist)
    return found


def check(loaded: LoadedCase, checklists: list[Checklist], as_of: dt.date | None = None,
          ) -> CheckReport:
    """Check a loaded case; the loader's warnings come first in the report."""
    report = engine.check(loaded.case, checklists, as_of)
    if not loaded.warnings:
        return report
    return CheckReport(report.case, report.as_of, report.checklists, report.items,
                       report.attendance, tuple(loaded.warnings) + report.warnings)


def check_case(loaded: LoadedCase, as_of: dt.date | None = None,
               ) -> tuple[list[Checklist], CheckReport]:
    """Check a loaded case against the checklists it names: the one verdict that `check`,
    the web app and the bundle all show (the bundle is given this report, never re-checks)."""
    checklists = checklists_for(loaded.case)
    return checklists, check(loaded, checklists, as_of)
