"""cases.imported_at: when a case came in from an export zip (it must have the evidence
requirements confirmed before it can be sent)

Revision ID: 0009_case_imported_at
Revises: 0008_accounts_rate_limits
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_case_imported_at"
down_revision = "0008_accounts_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("imported_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("imported_at")
