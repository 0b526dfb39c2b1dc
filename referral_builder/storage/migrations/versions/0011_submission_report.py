"""submissions: the check report frozen at submission, for the LA dashboard (issue 10)

Revision ID: 0011_submission_report
Revises: 0010_form_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_submission_report"
down_revision = "0010_form_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("pupil_name", sa.String(length=200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("ready", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("outstanding", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attendance_pct", sa.Float(), nullable=True))
        batch.add_column(sa.Column("report", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        for name in ("report", "attendance_pct", "outstanding", "ready", "pupil_name"):
            batch.drop_column(name)
