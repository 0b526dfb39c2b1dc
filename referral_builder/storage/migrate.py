"""Bring the database schema up to date with Alembic (`referral-builder db upgrade`).

Several workers may start at once, each upgrading: the upgrade runs in one transaction that
first takes a lock (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so the first
worker migrates and the others then find the schema current.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
#: An arbitrary key for pg_advisory_xact_lock, the same in every worker.
_UPGRADE_LOCK = 0x7266_6275_696C_64  # "rfbuild"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision`."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect().execution_options(immediate=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
