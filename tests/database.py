"""Which database the web tests use: SQLite in each test's instance folder, or PostgreSQL.

With TEST_DATABASE_URL set (e.g. `postgresql+psycopg://user:pw@127.0.0.1:5432/db`, as printed
by scripts/ci-postgres.sh), every app a test builds gets a schema of its own in that database,
made empty for it and selected with `search_path`; the schemas are dropped when the run ends.
The engines the tests create are disposed after each test so that idle connections do not
pile up past the server's `max_connections`.
"""

from __future__ import annotations

import atexit
import itertools
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

from referral_builder.storage import db as db_module

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
_counter = itertools.count(1)
_schemas: list[str] = []
#: Kept alive for the whole run: a pool dropped with connections open would warn (an error here).
_engines: list[Engine] = []
_admin: Engine | None = None


def on_postgres() -> bool:
    return TEST_DATABASE_URL is not None


def _admin_engine() -> Engine:
    global _admin
    if _admin is None:
        assert TEST_DATABASE_URL
        _admin = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
        atexit.register(_drop_all)
    return _admin


def url_for_schema(schema: str) -> str:
    """The test server's URL with `schema` first on the search path."""
    assert TEST_DATABASE_URL
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def fresh_database_url() -> str | None:
    """Return the URL of a new, empty schema on PostgreSQL; None when testing on SQLite."""
    if not on_postgres():
        return None
    schema = f"rbt_{os.getpid()}_{next(_counter)}"
    with _admin_engine().begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    _schemas.append(schema)
    return url_for_schema(schema)


_by_instance: dict[Path, str] = {}


def url_for_instance(instance: str | Path) -> str | None:
    """The schema that stands for the SQLite file of `instance`: one per instance folder, so
    that an app and the commands run on the same folder share a database, as they do on
    SQLite. None when testing on SQLite."""
    if not on_postgres():
        return None
    key = Path(instance).resolve()
    if key not in _by_instance:
        _by_instance[key] = fresh_database_url()  # type: ignore[assignment]
    return _by_instance[key]


def dispose_engines() -> None:
    """Close the idle connections of every engine the tests made (they reconnect on use)."""
    for engine in _engines:
        engine.dispose()


def _drop_all() -> None:
    dispose_engines()
    if _admin is None:
        return
    for schema in _schemas:  # one transaction each: a schema's tables take many locks
        with _admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    _admin.dispose()


if on_postgres():
    _make_engine = db_module.make_engine

    def _tracked_make_engine(url: str) -> Engine:
        engine = _make_engine(url)
        _engines.append(engine)
        return engine

    db_module.make_engine = _tracked_make_engine  # type: ignore[assignment]


def move_aside(url: str) -> None:
    """Rename the schema behind `url` out of the way and put an empty one in its place, so a
    restore can go into a clean database under the backed-up schema's name."""
    schema = make_url(url).query["options"].split("=", 1)[1]  # type: ignore[union-attr]
    dispose_engines()
    with _admin_engine().begin() as conn:
        conn.exec_driver_sql(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_before"')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    _schemas.append(f"{schema}_before")
