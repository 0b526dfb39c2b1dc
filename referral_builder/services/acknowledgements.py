"""The tick-box "I have read and understand the evidence requirements": ticked before a case
is started (then linked to the case it starts), or for a case imported from elsewhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral_builder.domain.checklist import Checklist
from referral_builder.storage.models import Acknowledgement, CaseRecord, User


def acknowledge(s: Session, user: User, checklist: Checklist,
                case_id: int | None = None) -> int:
    """Record the user's tick for the checklist (and the case, when there is one yet), commit,
    and return the tick's id."""
    ack = Acknowledgement(user_id=user.id, name=user.name, role=user.role_name,
                          checklist_id=checklist.id, checklist_version=checklist.version,
                          case_id=case_id)
    s.add(ack)
    s.commit()
    return ack.id


def own_tick(s: Session, ack_id: int | None, user: User) -> Acknowledgement | None:
    """The tick `ack_id` if this user made it, else None."""
    tick = s.get(Acknowledgement, ack_id) if ack_id is not None else None
    return tick if tick is not None and tick.user_id == user.id else None


def as_declaration(tick: Acknowledgement) -> dict[str, Any]:
    """The case's `declaration`, made by the tick at the start (issue 14.6)."""
    return {"confirmed": True, "name": tick.name, "role": tick.role,
            "at": tick.at.replace(microsecond=0).isoformat()}


def needs_acknowledgement(s: Session, record: CaseRecord) -> bool:
    """An imported case whose evidence requirements nobody has confirmed here yet."""
    if record.imported_at is None:
        return False
    return s.scalar(select(Acknowledgement.id).where(
        Acknowledgement.case_id == record.id).limit(1)) is None
