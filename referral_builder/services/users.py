"""The signed-in user as the session cookie names them, and their calendar feed's secret."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from referral_builder.storage.models import User


def signed_in_user(s: Session, cookie_id: str) -> User | None:
    """The user a session cookie (`<id>:<session token>`) names, while the token is their
    current one and the account is active."""
    uid, _, token = cookie_id.partition(":")
    if not uid.isdigit() or not token:
        return None
    # The header names the user's school or authority: load them now, so that an error page
    # drawn after the request's session has closed (a busy database, a full disk) still can.
    user = s.get(User, int(uid), options=[joinedload(User.school), joinedload(User.authority)])
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_calendar_feed(s: Session, user_id: int) -> bool | None:
    """Whether the user has a calendar feed address; None when there is no such user."""
    user = s.get(User, user_id)
    return None if user is None else bool(user.calendar_token)


def new_calendar_feed(s: Session, user_id: int) -> str:
    """Make a new secret for the user's calendar feed (the old address stops working), commit,
    and return the secret: only its digest is kept."""
    token = secrets.token_urlsafe(32)
    _set_calendar_token(s, user_id, _digest(token))
    return token


def revoke_calendar_feed(s: Session, user_id: int) -> None:
    """End the user's calendar feed address at once."""
    _set_calendar_token(s, user_id, None)


def _set_calendar_token(s: Session, user_id: int, digest: str | None) -> None:
    user = s.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    user.calendar_token = digest
    s.commit()


def calendar_feed_user(s: Session, token: str) -> User | None:
    """The active school user whose calendar feed secret this is, or None."""
    if len(token) > 100:
        return None
    user = s.scalar(select(User).where(User.calendar_token == _digest(token)))
    if user is None or not user.active or user.school_id is None:
        return None
    return user
