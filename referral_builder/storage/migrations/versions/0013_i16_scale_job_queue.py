"""procrastinate's job queue (tables, types, functions, triggers) on PostgreSQL (issue 16)

The queue lives in the app's own database and schema, so `db upgrade` is all a deployment
runs; SQLite (the embedded default) runs its jobs in-process and gets nothing here.

Revision ID: 0013_i16_scale_job_queue
Revises: 0012_school_calendar
"""

import re

from alembic import op

revision = "0013_i16_scale_job_queue"
down_revision = "0012_school_calendar"
branch_labels = None
depends_on = None


def _schema_sql() -> str:
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Through the driver's own cursor: the script is many statements, with `%` and `:` that
    # SQLAlchemy's text() and parameter styles would misread.
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_schema_sql())
    finally:
        cursor.close()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    sql = _schema_sql()
    for table in re.findall(r"CREATE (?:UNLOGGED )?TABLE (\w+)", sql):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    for function in sorted(set(re.findall(r"CREATE FUNCTION (\w+)\(", sql))):
        op.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    for kind in re.findall(r"CREATE TYPE (\w+)", sql):
        op.execute(f"DROP TYPE IF EXISTS {kind} CASCADE")
