"""The observation store: dataflows with data, loads, series, attribute sets, observations.

Temporal and append-only: an observation row is one version of a value,
written by one load and replaced (or deleted, by a tombstone version) by a
later one; see ``registry.db.tables``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
DIMENSION_COLUMNS = tuple(f"d{i:02d}" for i in range(20))
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "data_flows",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_data_flows"),
        sa.UniqueConstraint("agency", "id", "version", name="uq_data_flows_identity"),
    )
    op.create_table(
        "data_loads",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flow_pk", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("token_pk", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("checksum", sa.String(64), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_data_loads"),
        sa.ForeignKeyConstraint(
            ["flow_pk"], ["data_flows.pk"], name="fk_data_loads_flow_pk_data_flows"
        ),
        sa.ForeignKeyConstraint(["token_pk"], ["tokens.pk"], name="fk_data_loads_token_pk_tokens"),
    )
    op.create_index("ix_data_loads_flow_pk_at", "data_loads", ["flow_pk", "at"])
    op.create_table(
        "data_series",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flow_pk", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("series_key", sa.String(2000), nullable=False),
        *(sa.Column(name, sa.String(200), nullable=True) for name in DIMENSION_COLUMNS),
        sa.PrimaryKeyConstraint("pk", name="pk_data_series"),
        sa.ForeignKeyConstraint(
            ["flow_pk"], ["data_flows.pk"], name="fk_data_series_flow_pk_data_flows"
        ),
        sa.UniqueConstraint("flow_pk", "provider", "series_key", name="uq_data_series_identity"),
    )
    for name in DIMENSION_COLUMNS:
        used = sa.text(f"{name} IS NOT NULL")
        op.create_index(
            f"ix_data_series_{name}",
            "data_series",
            ["flow_pk", name],
            sqlite_where=used,
            postgresql_where=used,
        )
    op.create_table(
        "data_attrsets",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flow_pk", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_data_attrsets"),
        sa.ForeignKeyConstraint(
            ["flow_pk"], ["data_flows.pk"], name="fk_data_attrsets_flow_pk_data_flows"
        ),
        sa.UniqueConstraint("flow_pk", "digest", name="uq_data_attrsets_digest"),
    )
    op.create_table(
        "data_attr_values",
        sa.Column("attrset_pk", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(200), nullable=False),
        sa.Column("value", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("attrset_pk", "component", name="pk_data_attr_values"),
        sa.ForeignKeyConstraint(
            ["attrset_pk"],
            ["data_attrsets.pk"],
            name="fk_data_attr_values_attrset_pk_data_attrsets",
        ),
    )
    op.create_index("ix_data_attr_values_component", "data_attr_values", ["component", "value"])
    op.create_table(
        "observations",
        sa.Column("pk", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("series_pk", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(60), nullable=False),
        sa.Column("period_start", sa.BigInteger(), nullable=False),
        sa.Column("period_end", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("attrset_pk", sa.Integer(), nullable=True),
        sa.Column("created_load", sa.Integer(), nullable=False),
        sa.Column("replaced_load", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_observations"),
        # no foreign keys: per-row checks would slow bulk loads several times over
    )
    current = sa.text("replaced_load IS NULL")
    op.create_index(
        "uq_observations_current",
        "observations",
        ["series_pk", "period_start", "period"],
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )
    op.create_index("ix_observations_created_load", "observations", ["created_load"])


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_table("data_attr_values")
    op.drop_table("data_attrsets")
    op.drop_table("data_series")
    op.drop_table("data_loads")
    op.drop_table("data_flows")
