"""Publication: releases (an outbox of loads to publish), the disclosure audit,
subscriptions and their notifications, data registrations.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flow_pk", sa.Integer(), nullable=False),
        sa.Column("load_pk", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("published_at", TZ, nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("submission", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["flow_pk"], ["data_flows.pk"], name="fk_releases_flow_pk_data_flows"
        ),
        sa.ForeignKeyConstraint(
            ["load_pk"], ["data_loads.pk"], name="fk_releases_load_pk_data_loads"
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_releases"),
        sa.UniqueConstraint("load_pk", name="uq_releases_load_pk"),
    )
    op.create_index("ix_releases_status", "releases", ["status", "pk"])
    op.create_index("ix_releases_published_at", "releases", ["published_at"])
    op.create_table(
        "disclosure_audit",
        sa.Column("pk", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("release_pk", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("table_key", sa.String(2000), nullable=False),
        sa.Column("series_key", sa.String(2000), nullable=False),
        sa.Column("period", sa.String(60), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("raw_value", sa.Float(), nullable=True),
        sa.Column("public_value", sa.Float(), nullable=True),
        sa.Column("obs_status", sa.String(20), nullable=True),
        sa.Column("conf_status", sa.String(20), nullable=True),
        sa.Column("protected_low", sa.Float(), nullable=True),
        sa.Column("protected_high", sa.Float(), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_pk"], ["releases.pk"], name="fk_disclosure_audit_release_pk_releases"
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_disclosure_audit"),
    )
    op.create_index("ix_disclosure_audit_flow", "disclosure_audit", ["flow", "provider"])
    op.create_index("ix_disclosure_audit_release_pk", "disclosure_audit", ["release_pk"])
    op.create_table(
        "subscriptions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(40), nullable=False),
        sa.Column("token_pk", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("dataflow", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.String(100), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("deleted_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["token_pk"], ["tokens.pk"], name="fk_subscriptions_token_pk_tokens"
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_subscriptions"),
        sa.UniqueConstraint("uid", name="uq_subscriptions_uid"),
    )
    op.create_table(
        "registrations",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=True),
        sa.Column("agreement_agency", sa.String(200), nullable=False),
        sa.Column("agreement_id", sa.String(200), nullable=False),
        sa.Column("agreement_version", sa.String(60), nullable=False),
        sa.Column("flow_agency", sa.String(200), nullable=False),
        sa.Column("flow_id", sa.String(200), nullable=False),
        sa.Column("flow_version", sa.String(60), nullable=False),
        sa.Column("structure_agency", sa.String(200), nullable=False),
        sa.Column("structure_id", sa.String(200), nullable=False),
        sa.Column("structure_version", sa.String(60), nullable=False),
        sa.Column("data_source", sa.String(2000), nullable=False),
        sa.Column("last_updated", TZ, nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_registrations"),
        sa.UniqueConstraint("id", name="uq_registrations_id"),
    )
    op.create_index("ix_registrations_last_updated", "registrations", ["last_updated"])
    op.create_table(
        "notifications",
        sa.Column("pk", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("subscription_pk", sa.Integer(), nullable=False),
        sa.Column("release_pk", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_until", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["subscriptions.pk"],
            name="fk_notifications_subscription_pk_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["release_pk"], ["releases.pk"], name="fk_notifications_release_pk_releases"
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_notifications"),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_registrations_last_updated", table_name="registrations")
    op.drop_table("registrations")
    op.drop_table("subscriptions")
    op.drop_index("ix_disclosure_audit_release_pk", table_name="disclosure_audit")
    op.drop_index("ix_disclosure_audit_flow", table_name="disclosure_audit")
    op.drop_table("disclosure_audit")
    op.drop_index("ix_releases_published_at", table_name="releases")
    op.drop_index("ix_releases_status", table_name="releases")
    op.drop_table("releases")
