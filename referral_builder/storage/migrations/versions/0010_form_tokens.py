"""form_tokens: one-time tokens of saved create forms, so Back then Save never duplicates

Revision ID: 0010_form_tokens
Revises: 0009_case_imported_at
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_form_tokens"
down_revision = "0009_case_imported_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("redirect_to", sa.String(length=300), nullable=False),
        sa.Column("content", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_form_tokens_case_id", "form_tokens", ["case_id"])
    op.create_index("ix_form_tokens_content", "form_tokens", ["content"])


def downgrade() -> None:
    op.drop_index("ix_form_tokens_content", table_name="form_tokens")
    op.drop_index("ix_form_tokens_case_id", table_name="form_tokens")
    op.drop_table("form_tokens")
