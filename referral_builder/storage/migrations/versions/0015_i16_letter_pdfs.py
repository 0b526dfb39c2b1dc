"""letter_pdfs: a Word document's PDF, kept so that it is drawn once (issue 16)

Revision ID: 0015_i16_letter_pdfs
Revises: 0014_i16_work_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_i16_letter_pdfs"
down_revision = "0014_i16_work_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_pdfs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("docx_sha256", sa.String(64), nullable=False),
        sa.Column("renderer", sa.String(60), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("docx_sha256", "renderer", name="uq_letter_pdfs_docx_renderer"),
    )
    op.create_index("ix_letter_pdfs_pdf_sha256", "letter_pdfs", ["pdf_sha256"])


def downgrade() -> None:
    op.drop_index("ix_letter_pdfs_pdf_sha256", "letter_pdfs")
    op.drop_table("letter_pdfs")
