"""bundle_jobs: bundle builds tracked in the database, so that any worker can report them

Revision ID: 0005_jobs
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_jobs"
down_revision = "0004"
branch_labels = None
depends_on = None

LIVE = "state IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "bundle_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("result_sha256", sa.String(length=64), nullable=True),
        sa.Column("result_file_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["result_file_id"], ["case_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bundle_jobs_case_id", "bundle_jobs", ["case_id"])
    op.create_index("uq_bundle_jobs_live_case", "bundle_jobs", ["case_id"], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index("uq_bundle_jobs_live_case", table_name="bundle_jobs")
    op.drop_index("ix_bundle_jobs_case_id", table_name="bundle_jobs")
    op.drop_table("bundle_jobs")
