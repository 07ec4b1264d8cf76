"""The registry's tables (SQLAlchemy Core), as the migrations create them.

Alembic's migrations are the source of the schema; this module describes the
same tables for queries, and ``tests/registry/db/test_migrations.py`` checks
that both agree. A new table goes here AND in a new migration.

- ``revisions``: one row per scope ("structures", later one per dataflow's
  data), bumped in the transaction of every change; a process compares it
  with what it cached (one cheap query) and answers ETag / Last-Modified
  from it.
- ``artefacts``: each maintainable artefact, its identity, final flag and its
  serialised form (an SDMX-ML 3.0 fragment, the element of that artefact).
- ``changes``: who changed what, when, and how (append-only).
- ``tokens``: bearer tokens, only their SHA-256 is stored; a role and, for
  data providers, the provider they act for.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

revisions = Table(
    "revisions",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

artefacts = Table(
    "artefacts",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("type", String(40), nullable=False),
    Column("agency", String(200), nullable=False),
    Column("id", String(200), nullable=False),
    Column("version", String(60), nullable=False),
    Column("is_final", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("content", LargeBinary, nullable=False),
    UniqueConstraint("type", "agency", "id", "version", name="uq_artefacts_identity"),
)
Index("ix_artefacts_type_id", artefacts.c.type, artefacts.c.id)

tokens = Table(
    "tokens",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("provider", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

changes = Table(
    "changes",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("token_pk", Integer, ForeignKey("tokens.pk"), nullable=True),
    Column("action", String(20), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("target", String(500), nullable=False),
    Column("detail", Text, nullable=True),
)
Index("ix_changes_at", changes.c.at)
