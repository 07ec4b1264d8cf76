"""Submissions: the immutable log of data submissions and their original files.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("flow", sa.String(200), nullable=True),
        sa.Column("action", sa.String(20), nullable=True),
        sa.Column("requested_action", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("token_pk", sa.Integer(), nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("load_pk", sa.Integer(), nullable=True),
        sa.Column("release_pk", sa.Integer(), nullable=True),
        sa.Column("registration", sa.String(64), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["token_pk"], ["tokens.pk"], name="fk_submissions_token_pk_tokens"),
        sa.ForeignKeyConstraint(
            ["load_pk"], ["data_loads.pk"], name="fk_submissions_load_pk_data_loads"
        ),
        sa.ForeignKeyConstraint(
            ["release_pk"], ["releases.pk"], name="fk_submissions_release_pk_releases"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["submissions.pk"], name="fk_submissions_duplicate_of_submissions"
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_submissions"),
    )
    op.create_index("ix_submissions_provider", "submissions", ["provider", "flow", "received_at"])
    op.create_index("ix_submissions_received_at", "submissions", ["received_at"])
    op.create_table(
        "submission_files",
        sa.Column("submission_pk", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_pk"],
            ["submissions.pk"],
            name="fk_submission_files_submission_pk_submissions",
        ),
        sa.PrimaryKeyConstraint("submission_pk", "seq", name="pk_submission_files"),
    )


def downgrade() -> None:
    op.drop_table("submission_files")
    op.drop_index("ix_submissions_received_at", table_name="submissions")
    op.drop_index("ix_submissions_provider", table_name="submissions")
    op.drop_table("submissions")
