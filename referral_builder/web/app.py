"""The Flask app factory: configuration, extensions, templates, assets and security headers."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from referral_builder.config import Config
from referral_builder.domain.errors import ConfigError
from referral_builder.storage.db import Database, sqlite_url
from referral_builder.storage.files import FileStoreError, open_store
from referral_builder.storage.migrate import upgrade

log = logging.getLogger(__name__)
SERVICE_NAME = "Referral builder"
REPO_ROOT = Path(__file__).resolve().parents[2]
csrf = CSRFProtect()

DEFAULTS: dict[str, Any] = {
    "SERVICE_NAME": SERVICE_NAME,
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "MAX_FORM_PARTS": 500,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "IDLE_TIMEOUT_MINUTES": 30,
    "ABSOLUTE_TIMEOUT_HOURS": 10,
    "LOGIN_LOCKOUT_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "AUTO_UPGRADE_DB": True,
    "BUNDLE_IN_BACKGROUND": True,
    "JOBS_IN_BACKGROUND": True,  # the other work jobs (services/work.py)
    "REGISTER_WORK_BYTES": 512 * 1024,  # a bigger register upload is read by a work job
    # RATE_LIMIT_PER_ACCOUNT, RATE_LIMIT_PER_ADDRESS (POSTs to the sign-in and account pages,
    # accounts/rate_limits.py), REQUIRE_TOTP and TRUSTED_PROXIES come from `Config`.
}


def _secret_key(instance: Path, settings: Config, shared: bool = False) -> str:
    if key := settings.secret_key:
        return key
    if shared:
        # Sessions, CSRF tokens and the per-account rate-limit keys are signed with this key:
        # servers behind one load balancer must share it (docs/deploy.md).
        raise ConfigError(
            "REFERRAL_BUILDER_SECRET_KEY is not set. With PostgreSQL or S3 storage the app "
            "may run on several servers, which must all use the same key; a key made on "
            "this machine (instance/secret_key) would differ from the others' and sign users "
            "out at random. Set REFERRAL_BUILDER_SECRET_KEY (64 hex characters: "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) to the same value "
            "on every web server and worker.")
    path = instance / "secret_key"
    if not path.is_file():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def build_app(config: dict[str, Any] | None = None, settings: Config | None = None) -> Flask:
    """The app: `settings` (default: `Config.from_env()`) give the deployment's values and
    `config` overrides any Flask setting (tests, scripts)."""
    settings = settings or Config.from_env()
    instance = (config or {}).get("INSTANCE_PATH") or settings.instance
    app = Flask("referral_builder.web", instance_relative_config=True, static_folder="static",
                template_folder=None, instance_path=str(Path(instance).resolve()) if instance
                else None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.update(settings.flask_settings())
    app.config["DATABASE_URL"] = settings.database_url or sqlite_url(app.instance_path)
    app.config["FILES_DIR"] = settings.files_dir or str(Path(app.instance_path) / "files")
    app.config.update(settings.storage_settings())  # STORAGE=s3://... and the S3 settings
    app.config.update(config or {})
    app.extensions["config"] = settings
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client's address, scheme and host from the
        # X-Forwarded-* headers that this many proxies set (docs/deploy.md).
        proxy = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        app.wsgi_app = proxy  # type: ignore[method-assign]  # Flask's documented way to wrap
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(
            Path(app.instance_path), settings,
            shared=str(app.config["DATABASE_URL"]).startswith("postgresql")
            or bool(app.config.get("STORAGE")))

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(Path(str(resources.files("referral_builder.templates")))),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    csrf.init_app(app)

    db = Database(app.config["DATABASE_URL"])
    app.extensions["db"] = db
    store = open_store(app.config, app.config["FILES_DIR"])
    app.extensions["files"] = store
    store.sweep_temporary()
    if app.config["AUTO_UPGRADE_DB"]:
        upgrade(db.engine)

    from referral_builder.accounts import rate_limits
    from referral_builder.accounts import signin as auth
    from referral_builder.services import declare_jobs
    from referral_builder.web import (
        admin,
        assets,
        carers,
        cases,
        database,
        draft,
        events,
        la,
        letters,
        planning,
        register,
        submit,
        term_dates,
        work,
    )
    from referral_builder.web.filters import register_filters
    from referral_builder.web.security import init_security

    rate_limits.init_app(app)  # first: its counters are written before the request's session
    init_security(app)
    register_filters(app)
    for module in (assets, auth, cases, draft, carers, register, events, letters, submit, la,
                   admin, planning, term_dates, work):
        app.register_blueprint(module.bp)
    declare_jobs()  # every job body and kind of work, before the first job is queued

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.errorhandler(CSRFError)
    def _csrf_error(_e: CSRFError) -> ResponseReturnValue:
        return render_template("web/error.html", title="Your form has expired",
                               message="For your security, forms time out. Go back, refresh "
                                       "the page and try again."), 400

    @app.errorhandler(OperationalError)
    def _database_error(e: OperationalError) -> ResponseReturnValue:
        if database.is_busy(e):
            return database.busy_response()
        log.exception("database error on %s", request.path)
        return render_template("web/error.html", title="Sorry, there is a problem with the "
                               "service", message="Try again later."), 500

    @app.errorhandler(FileStoreError)
    def _file_store_error(_e: FileStoreError) -> ResponseReturnValue:
        log.exception("the file store cannot be written to, on %s", request.path)
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # roll back: the row that would name the file is not saved
        message = FileStoreError.USER_MESSAGE
        return render_template("web/error.html", title="Files cannot be saved at the moment",
                               message=message[0].upper() + message[1:] + "."), 503

    for code, title in ((403, "You do not have access to this page"),
                        (404, "Page not found"),
                        (413, "The file is too big"),
                        (429, "Too many attempts"),
                        (409, "Someone else changed this case"),
                        (500, "Sorry, there is a problem with the service")):
        app.register_error_handler(code, _error_page(code, title))
    return app


def _error_page(code: int, title: str) -> Callable[[Exception], ResponseReturnValue]:
    messages = {
        404: "If you typed the web address, check it is correct.",
        403: "You can only see cases for your own school or authority.",
        413: "Files must be smaller than 20MB.",
        429: "For your security, there is a limit on attempts to sign in and to change your "
             "account. Wait 15 minutes, then try again.",
        409: "Go back to the task list to see the latest version, then make your change again.",
        500: "Try again later.",
    }

    def handler(_e: Exception) -> ResponseReturnValue:
        if code == 413:
            from referral_builder.web.uploads import too_big_redirect

            if (back := too_big_redirect()) is not None:
                return back  # the same page, with the error on its file field
        if code == 500:
            log.exception("unhandled error on %s", request.path)
        return render_template("web/error.html", title=title, message=messages[code]), code

    return handler
