"""Recovery codes: ten single-use codes for when the authenticator app is lost.

Each code has 50 random bits (10 characters from a 32-letter alphabet), so a plain SHA-256
is enough to store it: there is nothing to guess from, and sign-in locks after 5 failures.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referral_builder.storage.models import RecoveryCode, utcnow

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper
LENGTH = 10


def _normalise(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode("ascii", "replace")).hexdigest()


def replace_codes(s: Session, user_id: int) -> list[str]:
    """Make a new set for the user (the old set stops working); return the codes to show."""
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        s.add(RecoveryCode(user_id=user_id, code_hash=_hash(raw)))
    s.flush()
    return codes


def use_code(s: Session, user_id: int, code: str) -> bool:
    """Mark a matching unused code as used and return True; else False."""
    if len(_normalise(code)) != LENGTH:
        return False
    wanted = _hash(code)
    for row in s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id,
                                                    RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(row.code_hash, wanted):
            row.used_at = utcnow()
            return True
    return False


def remaining(s: Session, user_id: int) -> int:
    return len(s.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())
