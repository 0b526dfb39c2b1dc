"""Use-cases of a referral's life cycle: the DSL sends it, the LA officer decides on it.

Each step asks the state machine (`domain.lifecycle`) whether the person may take it now,
then sets the case's status and writes the `Submission` row of its history, in one commit.
The queries the submission and LA pages need are here too, so no view touches a model.

A declaration goes out of date when the case changes after it: confirming it records the
SHA-256 of the case as declared (`declaration.case_sha256`: the `referral-case/1` JSON
without its declaration, keys sorted). Any later change to the case makes the two differ;
the task list and the declaration page then say "confirm again", and the referral cannot be
sent until it is confirmed again. A declaration without `case_sha256` (made before this rule,
or in a file from elsewhere) is taken as current.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral_builder.domain import lifecycle
from referral_builder.domain.errors import NotAllowed, StaleVersion
from referral_builder.domain.model import Case
from referral_builder.domain.results import CheckReport
from referral_builder.storage.models import (
    ROLE_NAMES,
    CaseRecord,
    School,
    StoredFile,
    Submission,
    utcnow,
)

__all__ = ["ROLE_NAMES", "Actor", "DashboardPage", "NotAllowed", "StaleVersion",
           "case_fingerprint", "decide", "declaration_out_of_date", "declare", "frozen_report",
           "history", "last_submission", "latest_bundle", "submit", "submitted_bundle"]

OUT_OF_DATE = ("The declaration was made before the referral last changed: confirm it again, "
               "then build the bundle again.")


class Actor(Protocol):
    """The signed-in person taking a step (a `User`)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...


def submit(s: Session, record: CaseRecord, *, by: Actor, version: int | str,
           case: Case, report: CheckReport, bundle: StoredFile | None) -> Submission:
    """Send the referral (first time or again after a return) with its current bundle.

    Raise `NotAllowed` for a person or status the life cycle refuses, a case that is not
    ready, or a bundle missing or older than the case; `StaleVersion` when the case changed
    since the page was shown. The check report is frozen into the row (issue 10).
    """
    status = lifecycle.transition(record.status, "submit", by.role)
    if str(version) != str(record.version):
        raise StaleVersion(record.id)
    if not report.ready:
        raise NotAllowed(f"The referral cannot be sent: {len(report.outstanding)} checklist "
                         "item(s) are not met.", action="submit", status=record.status,
                         role=by.role)
    if declaration_out_of_date(json.loads(record.data)):
        raise NotAllowed(OUT_OF_DATE, action="submit", status=record.status, role=by.role)
    if bundle is None or not is_current(bundle, record):
        raise NotAllowed("The referral cannot be sent: build its bundle first (the case has "
                         "changed since the last one).", action="submit",
                         status=record.status, role=by.role)
    record.status = status
    record.submitted_at = utcnow()
    record.return_reason = ""
    row = Submission(case_id=record.id, action="submitted", user_id=by.id, name=by.name,
                     bundle_file_id=bundle.id, **frozen_report(case, report))
    s.add(row)
    s.commit()
    return row


def decide(s: Session, record: CaseRecord, *, by: Actor, decision: str,
           reason: str = "") -> Submission:
    """The LA officer accepts the referral, or returns it to the school with reasons.

    Raise `NotAllowed` for a decision the life cycle refuses (not submitted, not an officer,
    a return without reasons).
    """
    action = {"accept": "accept", "return": "return"}.get(decision, decision)
    status = lifecycle.transition(record.status, action, by.role, reason=reason)
    record.status = status
    record.return_reason = reason if status == lifecycle.RETURNED else ""
    row = Submission(case_id=record.id, action=status, user_id=by.id, name=by.name,
                     reason=reason or "")
    s.add(row)
    s.commit()
    return row


def case_fingerprint(data: dict[str, Any]) -> str:
    """The SHA-256 of the case JSON without its declaration (keys sorted, compact)."""
    rest = {k: v for k, v in data.items() if k != "declaration"}
    text = json.dumps(rest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def declare(data: dict[str, Any], *, name: str, role: str, at: dt.datetime) -> None:
    """Record the declaration in the case JSON `data`, made now by `name` as `role`, for the
    case exactly as it is (its fingerprint). The caller saves `data`."""
    data["declaration"] = {"confirmed": True, "name": name, "role": role,
                           "at": at.replace(microsecond=0).isoformat(),
                           "case_sha256": case_fingerprint(data)}


def declaration_out_of_date(data: dict[str, Any]) -> bool:
    """Whether the case changed after its declaration was confirmed."""
    made = data.get("declaration")
    if not isinstance(made, dict) or not made.get("confirmed") or "case_sha256" not in made:
        return False
    return bool(made["case_sha256"] != case_fingerprint(data))


def frozen_report(case: Case, report: CheckReport) -> dict[str, Any]:
    """The columns of a `Submission` that freeze its check report (issue 10): the LA
    dashboard lists from these and never re-loads or re-checks a submitted case."""
    from referral_builder.schemas.report import dump_report

    return {"pupil_name": case.pupil.full_name[:200], "ready": report.ready,
            "outstanding": len(report.outstanding),
            "attendance_pct": report.attendance.attendance_pct,
            "report": json.dumps(dump_report(report), ensure_ascii=False)}


# ---- queries -----------------------------------------------------------------------------


def latest_bundle(s: Session, case_id: int) -> StoredFile | None:
    """The case's most recently built bundle, current or not."""
    found: StoredFile | None = s.scalar(
        select(StoredFile).where(StoredFile.case_id == case_id, StoredFile.kind == "bundle")
        .order_by(StoredFile.id.desc()))
    return found


def is_current(bundle: StoredFile, record: CaseRecord) -> bool:
    """Whether the bundle was built after the case's last change."""
    return bundle.created_at >= record.updated_at


def current_bundle(s: Session, record: CaseRecord) -> StoredFile | None:
    """The latest bundle if it was built after the case's last change, else None."""
    latest = latest_bundle(s, record.id)
    return latest if latest is not None and is_current(latest, record) else None


def last_submission(s: Session, case_id: int) -> Submission | None:
    found: Submission | None = s.scalar(select(Submission).where(
        Submission.case_id == case_id, Submission.action == "submitted")
        .order_by(Submission.at.desc(), Submission.id.desc()))
    return found


def submitted_bundle(s: Session, case_id: int) -> StoredFile | None:
    """The bundle file of the latest submission: frozen, whatever was rebuilt since. A case
    with no recorded submission bundle (made before submissions kept one) gets its latest."""
    sub = last_submission(s, case_id)
    if sub is not None and sub.bundle_file_id is not None:
        return s.get(StoredFile, sub.bundle_file_id)
    return latest_bundle(s, case_id)


def sent_with(s: Session, case_id: int) -> tuple[Submission | None, StoredFile | None]:
    """The latest submission and the bundle it sent (the confirmation page)."""
    sub = last_submission(s, case_id)
    bundle = s.get(StoredFile, sub.bundle_file_id) if sub and sub.bundle_file_id else None
    return sub, bundle


def history(s: Session, case_id: int) -> list[Submission]:
    """Every step of the referral's history, oldest first."""
    return list(s.scalars(select(Submission).where(Submission.case_id == case_id)
                          .order_by(Submission.at)))


#: The orders an officer can choose on the dashboard.
SORTS = {"newest": "Newest first", "school": "School", "status": "Status"}


@dataclass(frozen=True)
class DashboardPage:
    rows: list[Any]  # (CaseRecord, School, Submission | None) rows
    total: int
    page: int
    pages: int


def dashboard(s: Session, authority_id: int, *, sort: str, page: int,
              page_size: int) -> DashboardPage:
    """Referrals sent to the authority, listed from the report frozen at submission: one
    query with the schools joined, a page at a time, so the page costs the same for 5 or
    5,000 referrals."""
    latest = (select(Submission.case_id, func.max(Submission.id).label("sub_id"))
              .where(Submission.action == "submitted").group_by(Submission.case_id)
              .subquery())
    visible = (CaseRecord.authority_id == authority_id,
               CaseRecord.status.in_(lifecycle.SENT))
    order = {"newest": (CaseRecord.submitted_at.desc(), CaseRecord.id.desc()),
             "school": (School.name, CaseRecord.submitted_at.desc(), CaseRecord.id.desc()),
             "status": (CaseRecord.status, CaseRecord.submitted_at.desc(),
                        CaseRecord.id.desc())}[sort]
    total = s.scalar(select(func.count()).select_from(CaseRecord).where(*visible)) or 0
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(page, pages)
    rows = s.execute(
        select(CaseRecord, School, Submission)
        .join(School, School.id == CaseRecord.school_id)
        .outerjoin(latest, latest.c.case_id == CaseRecord.id)
        .outerjoin(Submission, Submission.id == latest.c.sub_id)
        .where(*visible).order_by(*order)
        .limit(page_size).offset((page - 1) * page_size)).all()
    return DashboardPage(list(rows), total, page, pages)
