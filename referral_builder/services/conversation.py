"""A referral's history with the local authority as the school sees it: what was sent,
accepted and returned, and the school's replies to a return."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.storage.models import Submission, User


def history(s: Session, case_id: int) -> Sequence[Submission]:
    """Every step, oldest first."""
    return s.scalars(select(Submission).where(Submission.case_id == case_id)
                     .order_by(Submission.at, Submission.id)).all()


def last_return(s: Session, case_id: int) -> Submission | None:
    """The local authority's latest return of the referral, with its reason."""
    return s.scalar(select(Submission).where(
        Submission.case_id == case_id, Submission.action == "returned")
        .order_by(Submission.at.desc()))


def ever_sent(s: Session, case_id: int) -> bool:
    """Whether the referral has any history: a referral once sent is never deleted."""
    return s.scalar(select(Submission.id).where(Submission.case_id == case_id)
                    .limit(1)) is not None


def reply(s: Session, case_id: int, user: User, message: str) -> None:
    """Keep the school's answer to a return in the referral's history, and commit."""
    s.add(Submission(case_id=case_id, action="replied", user_id=user.id, name=user.name,
                     reason=message))
    s.commit()
