"""Rejected submissions' files removed after a retention period: when, on the log row.

``submissions.file_removed_at`` says when ``registry.submissions.retention``
deleted a rejected submission's stored chunks (NULL: the file is kept). Two
partial indexes keep its hourly look-up cheap however long the log grows:
the rejected submissions whose file is still kept, by age, and the
duplicates, by the submission whose bytes they serve.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEPT = sa.text("status = 'rejected' AND file_removed_at IS NULL")
DUPLICATES = sa.text("duplicate_of IS NOT NULL")


def upgrade() -> None:
    op.add_column(
        "submissions", sa.Column("file_removed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_submissions_rejected_files",
        "submissions",
        ["received_at", "pk"],
        sqlite_where=KEPT,
        postgresql_where=KEPT,
    )
    op.create_index(
        "ix_submissions_duplicate_of",
        "submissions",
        ["duplicate_of"],
        sqlite_where=DUPLICATES,
        postgresql_where=DUPLICATES,
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_duplicate_of", table_name="submissions")
    op.drop_index("ix_submissions_rejected_files", table_name="submissions")
    op.drop_column("submissions", "file_removed_at")
