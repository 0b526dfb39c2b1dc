"""Create authorities, schools and users (the CLI and the demo use these)."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from referral_builder.accounts.passwords import WeakPassword, check_password
from referral_builder.checklists import get_checklist
from referral_builder.domain.errors import AccountError
from referral_builder.storage.models import (
    ROLES,
    AuditEntry,
    Authority,
    RecoveryCode,
    School,
    User,
)


def create_authority(s: Session, slug: str, name: str) -> Authority:
    get_checklist(slug)  # raises InvalidChecklist for an authority with no checklist
    if s.scalar(select(Authority).where(Authority.slug == slug)):
        raise AccountError(f"authority {slug!r} already exists")
    a = Authority(slug=slug, name=name)
    s.add(a)
    s.flush()
    return a


def find_authority(s: Session, slug: str) -> Authority:
    a = s.scalar(select(Authority).where(Authority.slug == slug))
    if a is None:
        raise AccountError(f"no authority {slug!r}; create it first with create-authority")
    return a


def create_school(s: Session, name: str, authority_slug: str, *, urn: str = "",
                  head_teacher: str = "", address: str = "") -> School:
    school = School(name=name, urn=urn, authority_id=find_authority(s, authority_slug).id,
                    head_teacher=head_teacher, address=address)
    s.add(school)
    s.flush()
    return school


def create_user(s: Session, email: str, name: str, role: str, password: str, *,
                school: str | None = None, authority: str | None = None,
                temporary: bool = False) -> User:
    """Add a user; with `temporary`, they must choose their own password at first sign-in."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if s.scalar(select(User).where(User.email == email.lower())):
        raise AccountError(f"a user with email {email} already exists")
    try:
        check_password(password, email=email, name=name)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from None
    user = User(email=email.lower(), name=name, role=role,
                password_hash=generate_password_hash(password),
                session_token=secrets.token_hex(32), must_change_password=temporary)
    if role in ("school_staff", "dsl"):
        found = s.scalar(select(School).where(School.name == school)) if school else None
        if found is None:
            raise AccountError("school staff and DSLs need --school with an existing school")
        user.school_id = found.id
    elif role == "la_officer":
        if not authority:
            raise AccountError("LA officers need --authority")
        user.authority_id = find_authority(s, authority).id
    s.add(user)
    s.flush()
    return user


def disable_user(s: Session, email: str) -> None:
    """Stop the user signing in; a new session token ends every session they have."""
    user = s.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise AccountError(f"no user with email {email}")
    user.active = False
    user.session_token = secrets.token_hex(32)


def reset_password(s: Session, email: str, password: str, *,
                   second_factor: bool = False) -> User:
    """An administrator's reset: a temporary password that must be changed at the next
    sign-in; every session ends, the calendar feed's address stops working, the lock-out is
    lifted, and with `second_factor` the authenticator app and recovery codes are cleared so
    the user sets them up again."""
    user = s.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise AccountError(f"no user with email {email}")
    try:
        check_password(password, email=user.email, name=user.name)
    except WeakPassword as exc:
        raise AccountError(str(exc)) from None
    user.password_hash = generate_password_hash(password)
    user.must_change_password = True
    user.session_token = secrets.token_hex(32)
    user.calendar_token = None  # the feed's secret address may be in the wrong hands too
    user.failed_logins = user.failed_codes = 0
    user.locked_until = None
    if second_factor:
        user.totp_secret = user.totp_last_step = None
        s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    s.add(AuditEntry(user_id=None, action="password_reset", outcome="done",
                     detail=f"user {user.id}" + (", second factor cleared" if second_factor
                                                 else ""),
                     endpoint="cli reset-password"))
    s.flush()
    return user
