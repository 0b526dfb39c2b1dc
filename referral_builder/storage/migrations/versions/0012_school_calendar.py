"""school_calendars: each school's term dates and closure days, for planning (issue 15)

Revision ID: 0012_school_calendar
Revises: 0011_submission_report
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_school_calendar"
down_revision = "0011_submission_report"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school_calendars",
        sa.Column("school_id", sa.Integer(),
                  sa.ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("calendar", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("school_calendars")
