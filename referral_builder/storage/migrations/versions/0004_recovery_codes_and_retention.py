"""recovery codes for the second factor; a retention period per authority

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_codes") as batch:
        batch.create_index(batch.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("authorities") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorities") as batch:
        batch.drop_column("retention_days")
    with op.batch_alter_table("recovery_codes") as batch:
        batch.drop_index(batch.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
