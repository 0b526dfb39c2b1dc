"""Fixtures for the web app: an app on a temporary instance folder with demo accounts."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from pathlib import Path

import pytest

from referral_builder import accounts
from referral_builder.services import demo
from referral_builder.web import create_app
from tests import database, object_store

PASSWORD = demo.PASSWORD
_slow_hash = accounts.generate_password_hash
# Tests create many users: a cheap hash keeps them quick (production uses werkzeug's default).
accounts.generate_password_hash = lambda pw: _slow_hash(pw, method="pbkdf2:sha256:1000")  # type: ignore[assignment]


def make_app(tmp_path: Path, **config):  # type: ignore[no-untyped-def]
    if database.on_postgres():
        config.setdefault("DATABASE_URL", database.url_for_instance(tmp_path / "instance"))
    if object_store.on_s3():
        config = {**object_store.config_of(object_store.env_for_instance(  # type: ignore[arg-type]
            tmp_path / "instance")), **config}
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
            "TESTING": True,
            "BUNDLE_IN_BACKGROUND": False,
            "JOBS_IN_BACKGROUND": False,
            "REQUIRE_TOTP": False,  # test_second_factor.py turns it on
            **config,
        }
    )
    with app.extensions["db"].writing() as s:
        demo.create(s, app.extensions["files"], today=dt.date(2026, 11, 20))
        accounts.create_school(s, "Other School", "walsall")
        accounts.create_user(
            s, "b@other.example", "Bea Other", "dsl", PASSWORD, school="Other School"
        )
    return app


@pytest.fixture(autouse=True)
def _database(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """On PostgreSQL, point DATABASE_URL (read by the commands) at the test's own schema."""
    if database.on_postgres():
        monkeypatch.setenv("DATABASE_URL", database.url_for_instance(tmp_path / "instance"))
    for name, value in (object_store.env_for_instance(tmp_path / "instance") or {}).items():
        monkeypatch.setenv(name, value)  # the commands use the test's own S3 prefix
    if database.on_postgres() or object_store.on_s3():
        # A shared deployment refuses a per-machine key (web/app.py); the commands get one.
        monkeypatch.setenv("REFERRAL_BUILDER_SECRET_KEY", "test")
    yield
    database.dispose_engines()


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_app(tmp_path, WTF_CSRF_ENABLED=False)


class Client:
    """A test client over https (the session cookie is Secure) with small helpers."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.c = app.test_client()
        self.c.environ_base["wsgi.url_scheme"] = "https"
        self.c.environ_base["HTTP_HOST"] = "localhost"

    def sign_in(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.c.post("/sign-in", data={"email": email, "password": password})

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.c.get(url, **kw)

    def post(self, url: str, data=None, **kw):  # type: ignore[no-untyped-def]
        return self.c.post(url, data=data or {}, **kw)


@pytest.fixture
def client(app) -> Client:  # type: ignore[no-untyped-def]
    return Client(app)


def version_of(html: str) -> str:
    m = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="version"', html
    )
    assert m, "no version field on the page"
    return m.group(1)


def error_summary(html: str) -> list[str]:
    block = html.split("govuk-error-summary__list", 1)
    if len(block) < 2:
        return []
    body = block[1].split("</ul>", 1)[0]
    return [
        html_lib.unescape(re.sub(r"\s+", " ", t).strip())
        for t in re.findall(r"<a [^>]*>(.*?)</a>", body, re.S)
    ]


def field_errors(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s+", " ", t).replace("Error:", "").strip()
        for t in re.findall(r'class="govuk-error-message"[^>]*>(.*?)</p>', html, re.S)
    ]


#: govuk-frontend-wtf still builds choices as tuples (deprecated in WTForms 3.3, removed in
#: 3.4, hence the `wtforms<3.4` pin); the warning is theirs, not ours.
TUPLE_CHOICES = "ignore:Passing SelectField choices as tuples is deprecated:DeprecationWarning"


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        item.add_marker(pytest.mark.filterwarnings(TUPLE_CHOICES))
