"""The task list: one ordered table of the wizard's sections and how each one's status is told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import url_for

from referral_builder.domain.checklist import Checklist, Item
from referral_builder.services.cases import CaseView
from referral_builder.services.referrals import declaration_out_of_date

if TYPE_CHECKING:
    from referral_builder.storage.models import StoredFile

NOT_STARTED, IN_PROGRESS, COMPLETED, CANNOT_START = (
    "Not started", "In progress", "Completed", "Cannot start yet")
OUT_OF_DATE = "Out of date: confirm again"
DECLARATION_RULES = {"declaration"}
REGISTER_RULES = {"certificate_current", "no_unresolved_n", "unauthorised_threshold",
                  "attendance_below", "stage_reached", "return_made", "medical_evidence"}


@dataclass(frozen=True)
class Task:
    title: str
    href: str | None
    status: str
    hint: str = ""
    #: For a task that cannot start yet: why, and the page that unlocks it.
    why: tuple[str, str, str] | None = None  # (reason, link text, href)


def only_declaration_left(view: CaseView) -> bool:
    items = {i.id: i for c in view.checklists for i in c.items}
    return all({r.name for r in items[r.id].rules} & DECLARATION_RULES
               for r in view.report.outstanding if r.id in items)


def tasks(view: CaseView, bundle: StoredFile | None) -> list[Task]:
    case, report, cid = view.case, view.report, view.record.id
    todo = len(report.outstanding)
    pupil_done = bool(case.pupil.first_name)
    carers_done = any(c.in_parent_set for c in case.carers)
    has_register = bool(case.marks)
    ready_but_declaration = only_declaration_left(view)
    bundle_current = bundle is not None and bundle.created_at >= view.record.updated_at
    letters = [e for e in case.events if e.type in ("letter", "email")]
    out = [
        Task("Pupil details", url_for("cases.pupil", case_id=cid),
             COMPLETED if pupil_done else NOT_STARTED),
        Task("Parents and carers", url_for("carers.index", case_id=cid),
             COMPLETED if carers_done else (IN_PROGRESS if case.carers else NOT_STARTED)),
        Task("Register marks", url_for("register.upload", case_id=cid),
             COMPLETED if has_register else NOT_STARTED),
        Task("Chronology", url_for("events.index", case_id=cid),
             IN_PROGRESS if case.events else NOT_STARTED,
             f"{len(case.events)} event{'s' * (len(case.events) != 1)} recorded"),
        Task("Letters", url_for("letters.new", case_id=cid) if carers_done else None,
             (IN_PROGRESS if letters else NOT_STARTED) if carers_done else CANNOT_START,
             why=None if carers_done else (
                 "You need a parent or carer to write to first.", "Add a parent or carer",
                 url_for("carers.index", case_id=cid))),
        Task("Evidence check", url_for("cases.evidence", case_id=cid),
             COMPLETED if report.ready else IN_PROGRESS,
             "All items met" if report.ready
             else f"{todo} item{'s' * (todo != 1)} still to do"),
        Task("Declaration", url_for("submit.declaration", case_id=cid)
             if ready_but_declaration else None,
             (_declared(view) if case.declaration.confirmed else NOT_STARTED)
             if ready_but_declaration else CANNOT_START,
             why=None if ready_but_declaration else (
                 "You can make the declaration when every other evidence item is met.",
                 "See what is still to do", url_for("cases.evidence", case_id=cid))),
        Task("Bundle", url_for("submit.bundle", case_id=cid) if report.ready else None,
             (COMPLETED if bundle_current else NOT_STARTED) if report.ready else CANNOT_START,
             why=None if report.ready else (
                 "You can build the bundle when every evidence item is met.",
                 "See what is still to do", url_for("cases.evidence", case_id=cid))),
    ]
    return out


def _declared(view: CaseView) -> str:
    return OUT_OF_DATE if declaration_out_of_date(view.data) else COMPLETED


def fix_link(item: Item | None, case_id: int) -> tuple[str, str]:
    """The page that fixes an item, and the words of the link."""
    if item is None:
        return url_for("events.index", case_id=case_id), "Go to the chronology"
    names = {r.name for r in item.rules}
    if "csa" in names:
        return url_for("cases.pupil", case_id=case_id), "Check the pupil’s date of birth"
    if names & DECLARATION_RULES:
        return url_for("submit.declaration", case_id=case_id), "Make the declaration"
    if names & REGISTER_RULES and not item.evidence:
        return url_for("register.upload", case_id=case_id), "Upload the latest register"
    if item.evidence and item.evidence.types:
        kind = item.evidence.types[0]
        if kind in ("letter", "email"):
            return (url_for("events.new_details", case_id=case_id, event_type=kind),
                    f"Record the {kind}")
        return (url_for("events.new_details", case_id=case_id, event_type=kind),
                "Record it in the chronology")
    return url_for("events.index", case_id=case_id), "Go to the chronology"


def items_by_id(checklists: list[Checklist]) -> dict[str, Item]:
    return {i.id: i for c in checklists for i in c.items}
