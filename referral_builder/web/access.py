"""Who may see what: the one place every route that takes a case id goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import abort, g
from flask_login import current_user, login_required
from werkzeug.exceptions import Conflict

from referral_builder.services import cases
from referral_builder.services.cases import CaseView
from referral_builder.web import database
from referral_builder.web.security import audit

if TYPE_CHECKING:
    from referral_builder.storage.models import CaseRecord, User

SCHOOL_ROLES = ("school_staff", "dsl")


class CaseSent(Conflict):
    """A change to a referral that has been sent (or accepted): told as such, not as a clash."""

    def __init__(self, case_id: int) -> None:
        super().__init__("This referral has been sent")
        self.case_id = case_id

VISIBLE_TO_LA = ("submitted", "accepted", "returned")


def may_see(user: User, record: CaseRecord) -> bool:
    """School users see their school's cases; LA officers see referrals submitted to them."""
    if user.role in SCHOOL_ROLES:
        return user.school_id is not None and record.school_id == user.school_id
    if user.role == "la_officer":
        return (user.authority_id is not None and record.authority_id == user.authority_id
                and record.status in VISIBLE_TO_LA)
    return False  # administrators manage accounts, not children's records


def case_view(case_id: int, *, edit: bool = False, action: str = "view") -> CaseView:
    """Return the case if the signed-in user may see it; else 404 (and an audit row).

    Sets `g.case_checked` so that tests can prove every route taking a case id came here.
    """
    g.case_checked = case_id
    if edit and action == "view":
        action = "change"
    record = cases.load_record(database.session(), case_id)
    if record is None or not may_see(current_user, record):
        audit("denied", case_id, f"{action} refused")
        abort(404)
    if edit and current_user.role not in SCHOOL_ROLES:
        audit("denied", case_id, f"{action} refused: not school staff")
        abort(403)
    view = CaseView(record)
    if edit and not view.editable:
        raise CaseSent(case_id)
    audit(action, case_id)
    return view


def roles(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require sign-in and one of `allowed` roles."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                audit("denied", kwargs.get("case_id"), "role refused")
                abort(403)
            return view(*args, **kwargs)
        wrapper.access_roles = allowed  # type: ignore[attr-defined]  # read by the route test
        return wrapper
    return decorate


school_user = roles(*SCHOOL_ROLES)
la_officer = roles("la_officer")
