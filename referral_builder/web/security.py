"""Sign-in sessions, timeouts, security headers and the access audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from referral_builder.services import audit as audit_log
from referral_builder.services import users
from referral_builder.web import database

if TYPE_CHECKING:
    from referral_builder.storage.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Accept the cookie only while its session token is the user's current one."""
    return users.signed_in_user(database.session(), user_id)


def _check_timeouts() -> WerkzeugResponse | None:
    if request.endpoint in (None, "assets.asset", "static") or not current_user.is_authenticated:
        return None
    now = dt.datetime.now(dt.UTC).timestamp()
    cfg = current_app.config
    idle = cfg["IDLE_TIMEOUT_MINUTES"] * 60
    absolute = cfg["ABSOLUTE_TIMEOUT_HOURS"] * 3600
    last, started = session.get("seen", now), session.get("started", now)
    if now - last > idle or now - started > absolute:
        logout_user()
        session.clear()
        return redirect(url_for("auth.sign_in", timeout=1))
    session["seen"] = now
    session.setdefault("started", now)
    return None


def _limit_urlencoded() -> None:
    """Apply MAX_FORM_MEMORY_SIZE to url-encoded bodies too.

    Werkzeug 3.1 applies it to multipart text parts only and reads a url-encoded body whole,
    so without this a 25 MB form field (MAX_CONTENT_LENGTH) would be held in memory.
    """
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if (limit and request.mimetype == "application/x-www-form-urlencoded"
            and (request.content_length or 0) > limit):
        abort(413)


_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _check_origin() -> None:
    """Refuse a state-changing request whose Origin header names another site.

    Browsers send Origin with every POST; with the CSRF token (Flask-WTF, which also checks
    the Referer over HTTPS) and SameSite cookies this is a third, independent check. An
    absent Origin (an old browser, a command-line client) leaves the other two to decide; a
    "null" Origin (a sandboxed frame, a data: page) is refused. Behind a proxy the host and
    scheme come from X-Forwarded-* (REFERRAL_BUILDER_TRUSTED_PROXIES), so they are the ones
    the browser used.
    """
    if request.method in _SAFE_METHODS or not current_app.config.get("CHECK_ORIGIN", True):
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return
    parts = urlsplit(origin) if origin != "null" else None
    if (parts is None or parts.netloc.lower() != request.host.lower()
            or parts.scheme not in ("http", "https")
            or (request.is_secure and parts.scheme != "https")):
        raise CSRFError("The request came from another site.")


def _nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _headers(resp: Response) -> Response:
    nonce = g.get("csp_nonce", "")
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'")
    resp.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    # Same-origin requests carry the Referer (and a real Origin) that the CSRF checks need
    # over HTTPS; no other site is ever sent our addresses (they can hold case ids).
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if resp.headers.pop("X-Cache-Control-Set", None) is None:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def audit(action: str, case_id: int | None = None, detail: str = "") -> None:
    """Record who viewed, downloaded, exported or was refused a child's record.

    Entries are written after the response is made, in a write transaction of their own,
    so that a refused request (rolled back) still leaves its row. `detail` must never hold
    special-category data: ids and reasons only.
    """
    user_id = current_user.id if current_user.is_authenticated else None
    g.setdefault("audit", []).append(audit_log.entry(
        user_id=user_id, action=action, case_id=case_id, detail=detail,
        endpoint=request.endpoint or request.path))


def _write_audit(resp: Response) -> Response:
    entries = g.pop("audit", [])
    if entries:
        request_session = g.pop("db_session", None)
        if request_session is not None:
            request_session.close()  # end its transaction before writing on another
        try:
            audit_log.write(database.db(), entries)  # short: the rows of this request only
        except OperationalError as exc:
            if not database.is_busy(exc):
                raise
            # No audit row, no record shown: answer "busy" instead of the page.
            body, status, headers = database.busy_response()
            return current_app.make_response((body, status, headers))
    return resp


def init_security(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_check_origin)
    app.before_request(_nonce)
    app.before_request(_limit_urlencoded)
    app.before_request(_check_timeouts)
    app.after_request(_headers)
    app.after_request(_write_audit)

    @app.context_processor
    def _template_globals() -> dict[str, object]:
        return {"cspNonce": g.get("csp_nonce", ""), "service_name": app.config["SERVICE_NAME"]}
