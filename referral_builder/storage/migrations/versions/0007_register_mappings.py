"""register_mappings: a school's column mapping for a register export of an unknown shape

Register files uploaded for a case are kept as case_files rows of kind "register" (no schema
change), so retention deletes them with the case.

Revision ID: 0007_register_mappings
Revises: 0006_calendar_token
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_register_mappings"
down_revision = "0006_calendar_token"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("header_key", sa.String(length=64), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["saved_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "header_key"),
    )
    op.create_index("ix_register_mappings_school_id", "register_mappings", ["school_id"])


def downgrade() -> None:
    op.drop_index("ix_register_mappings_school_id", table_name="register_mappings")
    op.drop_table("register_mappings")
