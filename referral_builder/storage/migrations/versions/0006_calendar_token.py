"""users: the calendar feed's secret (its SHA-256), revocable by setting it to NULL

Revision ID: 0006_calendar_token
Revises: 0005_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_calendar_token"
down_revision = "0005_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch.create_index("ix_users_calendar_token", ["calendar_token"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_calendar_token")
        batch.drop_column("calendar_token")
