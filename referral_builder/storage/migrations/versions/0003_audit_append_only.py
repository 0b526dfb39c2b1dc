"""audit_log: outcome and endpoint columns; rows can be added but never changed or deleted

Revision ID: 0003
Revises: 0002

The application's own database user could otherwise rewrite history, so the database refuses
it: SQLite triggers that RAISE on UPDATE and DELETE, and on PostgreSQL a trigger function on
UPDATE, DELETE and TRUNCATE. Removing the protection needs a migration (a deliberate act by
whoever runs the schema, recorded in version control), not a line of application code.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "audit_log is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_log_no_update",
               "DROP TRIGGER IF EXISTS audit_log_no_delete"]

POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]
POSTGRES_DOWN = ["DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                 "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
                 "DROP FUNCTION IF EXISTS audit_log_append_only()"]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=20), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("endpoint", sa.String(length=80), nullable=False,
                                   server_default=""))
        batch.create_index("ix_audit_log_at", ["at"])
        batch.create_index("ix_audit_log_user_id", ["user_id"])
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN if dialect == "postgresql"
         else [])
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_user_id")
        batch.drop_index("ix_audit_log_at")
        batch.drop_column("endpoint")
        batch.drop_column("outcome")
