"""Sign in and sign out, with one vague message for every failure and a lock-out."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from referral_builder.forms.auth import CodeForm, ConfirmForm, RecoveryCodeForm, SignInForm
from referral_builder.storage.models import User, utcnow
from referral_builder.web import database, recovery, totp
from referral_builder.web.security import audit

bp = Blueprint("auth", __name__)
FAILED = "Enter a correct email address and password"
PENDING_SECONDS = 300  # between the password and the code
#: Compared against when the email is unknown, so that a guess takes as long either way.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():  # type: ignore[no-untyped-def]
    form = SignInForm()
    problems = []
    if form.validate_on_submit():
        user = _authenticate(form.email.data or "", form.password.data or "")
        if user is not None and current_app.config["REQUIRE_TOTP"]:
            database.session().commit()
            session.clear()
            session["pending"] = {"user": user.id, "at": _now()}
            return redirect(url_for("auth.second_factor"))
        if user is not None:
            return _finish_sign_in(user)
        problems = [{"text": FAILED, "href": "#email"}]
        form.email.errors = [FAILED]
    elif request.args.get("timeout"):
        problems = []
    return render_template("web/sign_in.html", form=form, problems=problems, title="Sign in",
                           timed_out=bool(request.args.get("timeout")))


def _now() -> float:
    return dt.datetime.now(dt.UTC).timestamp()


def _start_session(user: User) -> None:
    user.session_token = secrets.token_hex(32)
    database.session().commit()
    session.clear()  # a new session on sign-in (no fixation)
    login_user(user)
    session["started"] = session["seen"] = _now()
    session.permanent = False


def _finish_sign_in(user: User):  # type: ignore[no-untyped-def]
    _start_session(user)
    return redirect(url_for("cases.home"))


def _pending_user() -> tuple[dict, User | None]:  # type: ignore[type-arg]
    """The user who gave a right password in the last few minutes, if any."""
    pending = session.get("pending") or {}
    user = database.session().get(User, pending.get("user", 0)) if pending else None
    if user is None or not user.active or _now() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("pending", None)
        return pending, None
    return pending, user


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():  # type: ignore[no-untyped-def]
    """The second factor: set up an authenticator app the first time, then a code each time."""
    pending, user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    setting_up = not user.totp_secret
    if setting_up and "secret" not in pending:
        pending["secret"] = totp.new_secret()
        session["pending"] = pending
    secret = user.totp_secret or pending["secret"]
    form = CodeForm()
    if form.validate_on_submit():
        step = None
        if not (user.locked_until and user.locked_until > utcnow()):
            step = totp.verify(secret, form.code.data or "", last_step=user.totp_last_step)
        if step is not None:
            user.totp_secret, user.totp_last_step = secret, step
            user.failed_logins = 0
            if not setting_up:
                return _finish_sign_in(user)
            _start_session(user)
            return _show_new_codes(user)
        _count_failure(user)
        database.session().commit()
        audit("second_factor_failed", detail=f"user {user.id}")
        form.code.errors = ["Enter the code your authenticator app shows now"]
    return render_template("web/second_factor.html", form=form, setting_up=setting_up,
                           secret=totp.grouped(secret),
                           uri=totp.provisioning_uri(secret, user.email,
                                                     current_app.config["SERVICE_NAME"]),
                           title="Set up your authenticator app" if setting_up
                           else "Enter the code from your authenticator app")


def _show_new_codes(user: User):  # type: ignore[no-untyped-def]
    """Make a new set of recovery codes and show them, this once (only hashes are kept)."""
    codes = recovery.replace_codes(database.session(), user.id)
    database.session().commit()
    audit("recovery_codes_created", detail=f"user {user.id}")
    return render_template("web/recovery_codes.html", codes=codes,
                           title="Save your recovery codes")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code():  # type: ignore[no-untyped-def]
    """Sign in with a recovery code instead of the authenticator app; each code works once."""
    _, user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("auth.sign_in"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        locked = user.locked_until and user.locked_until > utcnow()
        if not locked and recovery.use_code(database.session(), user.id, form.code.data or ""):
            user.failed_logins = 0
            audit("recovery_code_used", detail=f"user {user.id}")
            return _finish_sign_in(user)
        _count_failure(user)
        database.session().commit()
        audit("recovery_code_failed", detail=f"user {user.id}")
        form.code.errors = ["Enter a recovery code that you have not used before"]
    return render_template("web/recovery_code.html", form=form, title="Use a recovery code",
                           back_url=url_for("auth.second_factor"))


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():  # type: ignore[no-untyped-def]
    """How many codes are left, and a button to make a new set (which ends the old one)."""
    user = database.session().get(User, current_user.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _show_new_codes(user)
    return render_template("web/recovery_codes_status.html", form=form,
                           left=recovery.remaining(database.session(), user.id),
                           button="Make new recovery codes", title="Recovery codes")


def _count_failure(user: User) -> None:
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_LOCKOUT_FAILURES"]:
        user.locked_until = utcnow() + dt.timedelta(
            minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = 0


def _authenticate(email: str, password: str) -> User | None:
    s = database.session()
    user = s.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit("sign_in_failed", detail="unknown email")
        return None
    if user.locked_until and user.locked_until > utcnow():
        audit("sign_in_failed", detail=f"user {user.id} locked")
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        _count_failure(user)
        s.commit()
        audit("sign_in_failed", detail=f"user {user.id}")
        return None
    user.failed_logins = 0
    user.locked_until = None
    return user


@bp.route("/sign-out")
def sign_out():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        s = database.session()
        user = s.get(User, current_user.id)
        if user is not None:
            user.session_token = secrets.token_hex(32)  # ends copies of the old cookie too
            s.commit()
    logout_user()
    session.clear()
    return render_template("web/signed_out.html", title="You have signed out")
