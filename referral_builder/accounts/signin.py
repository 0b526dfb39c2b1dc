"""Sign in and sign out, with one vague message for every failure and a lock-out."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from referral_builder.accounts import recovery, totp
from referral_builder.accounts.passwords import WeakPassword, check_password
from referral_builder.forms.auth import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    NewRecoveryCodesForm,
    RecoveryCodeForm,
    SignInForm,
)
from referral_builder.storage.models import User, utcnow
from referral_builder.web import database
from referral_builder.web.security import audit

bp = Blueprint("auth", __name__)
FAILED = "Enter a correct email address and password"
PENDING_SECONDS = 300  # between the password and the code
#: Compared against when the email is unknown, so that a guess takes as long either way.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
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
    """The whole sign-in succeeded: only now do both failure counts go back to 0."""
    user.failed_logins = user.failed_codes = 0
    user.locked_until = None
    user.session_token = secrets.token_hex(32)
    database.session().commit()
    session.clear()  # a new session on sign-in (no fixation)
    login_user(user)
    session["started"] = session["seen"] = _now()
    session.permanent = False


def _finish_sign_in(user: User):
    _start_session(user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(url_for("cases.home"))


def _pending_user() -> tuple[dict, User | None]:
    """The user who gave a right password in the last few minutes, if any."""
    pending = session.get("pending") or {}
    user = database.session().get(User, pending.get("user", 0)) if pending else None
    if user is None or not user.active or _now() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("pending", None)
        return pending, None
    return pending, user


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():
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
        if not _locked(user):
            step = totp.verify(secret, form.code.data or "", last_step=user.totp_last_step)
        if step is not None:
            user.totp_secret, user.totp_last_step = secret, step
            if not setting_up:
                return _finish_sign_in(user)
            _start_session(user)
            return _show_new_codes(user)
        _count_failure(user, "failed_codes")
        database.session().commit()
        audit("second_factor_failed", detail=f"user {user.id}")
        form.code.errors = ["Enter the code your authenticator app shows now"]
    return render_template("web/second_factor.html", form=form, setting_up=setting_up,
                           secret=totp.grouped(secret),
                           uri=totp.provisioning_uri(secret, user.email,
                                                     current_app.config["SERVICE_NAME"]),
                           title="Set up your authenticator app" if setting_up
                           else "Enter the code from your authenticator app")


def _show_new_codes(user: User):
    """Make a new set of recovery codes and show them, this once (only hashes are kept)."""
    codes = recovery.replace_codes(database.session(), user.id)
    database.session().commit()
    audit("recovery_codes_created", detail=f"user {user.id}")
    return render_template("web/recovery_codes.html", codes=codes,
                           title="Save your recovery codes")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code():
    """Sign in with a recovery code instead of the authenticator app; each code works once."""
    _, user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("auth.sign_in"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if not _locked(user) and recovery.use_code(database.session(), user.id,
                                                   form.code.data or ""):
            audit("recovery_code_used", detail=f"user {user.id}")
            return _finish_sign_in(user)
        _count_failure(user, "failed_codes")
        database.session().commit()
        audit("recovery_code_failed", detail=f"user {user.id}")
        form.code.errors = ["Enter a recovery code that you have not used before"]
    return render_template("web/recovery_code.html", form=form, title="Use a recovery code",
                           back_url=url_for("auth.second_factor"))


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """How many codes are left, and a button to make a new set (which ends the old one)."""
    user = database.session().get_one(User, current_user.id)
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        if _proves_identity(user, form.password.data or "", form.code.data or ""):
            return _show_new_codes(user)
        database.session().commit()  # a code's step, if one was used
        audit("recovery_codes_refused", detail=f"user {user.id}")
        form.password.errors = [CONFIRM_FAILED]
    return render_template("web/recovery_codes_status.html", form=form,
                           left=recovery.remaining(database.session(), user.id),
                           button="Make new recovery codes", title="Recovery codes")


CONFIRM_FAILED = "Enter your password, or the code your authenticator app shows now"


def _proves_identity(user: User, password: str, code: str) -> bool:
    """The password, or a fresh code from the authenticator app (each code still works once)."""
    if password and check_password_hash(user.password_hash, password):
        return True
    if code and user.totp_secret:
        step = totp.verify(user.totp_secret, code, last_step=user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return True
    return False


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password: the current one first; the new one follows the NCSC rules."""
    user = database.session().get_one(User, current_user.id)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        current, new = form.current_password.data or "", form.new_password.data or ""
        if not check_password_hash(user.password_hash, current):
            audit("password_change_refused", detail=f"user {user.id}")
            form.current_password.errors = ["Your current password is not right"]
        elif new == current:
            form.new_password.errors = ["The new password must be different from your "
                                        "current one"]
        else:
            try:
                check_password(new, email=user.email, name=user.name)
            except WeakPassword as exc:
                form.new_password.errors = [str(exc)]
            else:
                user.password_hash = hash_password(new)
                user.must_change_password = False
                _start_session(user)  # a new session; every other session of theirs ends
                audit("password_changed", detail=f"user {user.id}")
                flash("Your password has been changed", "success")
                return redirect(url_for("cases.home"))
    return render_template("web/change_password.html", form=form,
                           forced=user.must_change_password, button="Change password",
                           title="Change your password")


#: Pages a user who must choose a new password can still reach.
_WHILE_CHANGING = {"auth.change_password", "auth.sign_out", "assets.asset", "static"}


@bp.before_app_request
def _must_change_password():
    """After an administrator's reset, nothing else until a new password is chosen."""
    if request.endpoint in _WHILE_CHANGING or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


def _locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def _count_failure(user: User, counter: str = "failed_logins") -> None:
    """Count a wrong password ("failed_logins") or a wrong code ("failed_codes"); either
    count reaching the limit locks the account."""
    setattr(user, counter, (getattr(user, counter) or 0) + 1)
    if getattr(user, counter) >= current_app.config["LOGIN_LOCKOUT_FAILURES"]:
        user.locked_until = utcnow() + dt.timedelta(
            minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = user.failed_codes = 0


def _authenticate(email: str, password: str) -> User | None:
    s = database.session()
    user = s.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit("sign_in_failed", detail="unknown email")
        return None
    # The hash is worked out in every branch, so that a locked or disabled account answers
    # in the same time as an unknown email or a wrong password.
    right = check_password_hash(user.password_hash, password)
    if _locked(user):
        audit("sign_in_failed", detail=f"user {user.id} locked")
        return None
    if not user.active or not right:
        _count_failure(user, "failed_logins")
        s.commit()
        audit("sign_in_failed", detail=f"user {user.id}")
        return None
    return user  # the counts are reset only when the whole sign-in succeeds


@bp.get("/sign-out")
def sign_out_page():
    """A GET never signs anyone out (a link or image on another site could send one): it
    shows the button that does."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return render_template("web/sign_out.html", form=ConfirmForm(), button="Sign out",
                           title="Sign out")


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        s = database.session()
        user = s.get(User, current_user.id)
        if user is not None:
            user.session_token = secrets.token_hex(32)  # ends copies of the old cookie too
            s.commit()
    logout_user()
    session.clear()
    return render_template("web/signed_out.html", title="You have signed out")
