"""work_jobs: slow work asked for in a request, done by a job (issue 16)

Revision ID: 0014_i16_work_jobs
Revises: 0013_i16_scale_job_queue
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_i16_work_jobs"
down_revision = "0013_i16_scale_job_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("requested_by", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("step", sa.String(200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_work_jobs_case_id", "work_jobs", ["case_id"])
    op.create_index("ix_work_jobs_created_at", "work_jobs", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_work_jobs_created_at", "work_jobs")
    op.drop_index("ix_work_jobs_case_id", "work_jobs")
    op.drop_table("work_jobs")
