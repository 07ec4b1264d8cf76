"""Observations found by their load's range of row numbers, not by a created_load index.

The versions one load writes are inserted in one statement run, so their row
numbers form one range (on PostgreSQL, loads of other dataflows running at the
same moment may interleave theirs: the range then also holds rows of other
loads, which ``created_load`` still tells apart). ``data_loads.first_obs`` and
``last_obs`` keep that range; ``updatedAfter`` and publication read a recent
load's rows through the primary key. The ``created_load`` index they used cost
a quarter of SQLite's and half of PostgreSQL's bulk-load time.

Existing loads get their ranges from the rows they wrote (the old index still
serves that look-up) before the index goes.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

BIG = sa.BigInteger()


def upgrade() -> None:
    op.add_column("data_loads", sa.Column("first_obs", BIG, nullable=True))
    op.add_column("data_loads", sa.Column("last_obs", BIG, nullable=True))
    op.execute(
        "UPDATE data_loads SET "
        "first_obs = (SELECT min(o.pk) FROM observations o WHERE o.created_load = data_loads.pk), "
        "last_obs = (SELECT max(o.pk) FROM observations o WHERE o.created_load = data_loads.pk)"
    )
    op.drop_index("ix_observations_created_load", table_name="observations")


def downgrade() -> None:
    op.create_index("ix_observations_created_load", "observations", ["created_load"])
    op.drop_column("data_loads", "last_obs")
    op.drop_column("data_loads", "first_obs")
