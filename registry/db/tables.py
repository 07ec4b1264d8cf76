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

The observation store (``registry.store.observations``), temporal and append-only:

- ``data_flows``: each dataflow (agency, id, version) that holds data.
- ``data_loads``: one row per load or submission: who, when (``at``, strictly
  increasing per dataflow: the clock of ``updatedAfter``/``asOf``), the action,
  what it changed and the range of observation rows it wrote.
- ``data_series``: one row per (dataflow, provider, series key), with the key's
  codes in positional columns ``d00``..``d19`` (indexed one by one), so a key
  slice or a ``c[DIM]`` filter is an indexed look-up of series.
- ``data_attrsets``: each distinct combination of attribute values, stored once
  (JSON) and spelt out in ``data_attr_values`` for ``c[ATTR]`` filters.
- ``observations``: one row per *version* of an observation: its period (as
  written, and as comparable start/end seconds), value, attribute set, the load
  that wrote it and the load that replaced it (NULL while current); a deletion
  is a version with ``deleted`` set (a tombstone), so "what changed since"
  includes deletions.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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


#: Positional key columns of ``data_series``: a DSD may have this many dimensions.
DIMENSION_SLOTS = 20
DIMENSION_COLUMNS = tuple(f"d{i:02d}" for i in range(DIMENSION_SLOTS))
#: SQLite's rowid alias must be INTEGER; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

data_flows = Table(
    "data_flows",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("agency", String(200), nullable=False),
    Column("id", String(200), nullable=False),
    Column("version", String(60), nullable=False),
    UniqueConstraint("agency", "id", "version", name="uq_data_flows_identity"),
)

data_loads = Table(
    "data_loads",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("flow_pk", Integer, ForeignKey("data_flows.pk"), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("token_pk", Integer, ForeignKey("tokens.pk"), nullable=True),
    Column("source", String(500), nullable=True),
    Column("checksum", String(64), nullable=True),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    #: The row numbers (``observations.pk``) of the versions this load wrote: one
    #: range, read through the primary key by ``updatedAfter`` and publication.
    Column("first_obs", BigInteger, nullable=True),
    Column("last_obs", BigInteger, nullable=True),
)
Index("ix_data_loads_flow_pk_at", data_loads.c.flow_pk, data_loads.c.at)

data_series = Table(
    "data_series",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("flow_pk", Integer, ForeignKey("data_flows.pk"), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("series_key", String(2000), nullable=False),
    *(Column(name, String(200), nullable=True) for name in DIMENSION_COLUMNS),
    UniqueConstraint("flow_pk", "provider", "series_key", name="uq_data_series_identity"),
)
for _name in DIMENSION_COLUMNS:
    # Partial: slots a DSD does not use stay NULL and cost no index upkeep; a query's
    # ``dNN IN (...)`` implies ``dNN IS NOT NULL``, so both databases use these.
    Index(
        f"ix_data_series_{_name}",
        data_series.c.flow_pk,
        data_series.c[_name],
        sqlite_where=data_series.c[_name].is_not(None),
        postgresql_where=data_series.c[_name].is_not(None),
    )

data_attrsets = Table(
    "data_attrsets",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("flow_pk", Integer, ForeignKey("data_flows.pk"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("content", Text, nullable=False),
    UniqueConstraint("flow_pk", "digest", name="uq_data_attrsets_digest"),
)

data_attr_values = Table(
    "data_attr_values",
    metadata,
    Column("attrset_pk", Integer, ForeignKey("data_attrsets.pk"), primary_key=True, nullable=False),
    Column("component", String(200), primary_key=True, nullable=False),
    Column("value", String(2000), nullable=False),
)
Index("ix_data_attr_values_component", data_attr_values.c.component, data_attr_values.c.value)

observations = Table(
    "observations",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    # No foreign keys here: a per-row check makes a bulk COPY several times slower,
    # and only registry.store.observations writes these rows, with keys it has just
    # read or written in the same transaction.
    Column("series_pk", Integer, nullable=False),
    Column("period", String(60), nullable=False),
    Column("period_start", BigInteger, nullable=False),
    Column("period_end", BigInteger, nullable=False),
    Column("value", Float, nullable=True),
    Column("value_text", Text, nullable=True),
    Column("attrset_pk", Integer, nullable=True),
    Column("created_load", Integer, nullable=False),
    Column("replaced_load", Integer, nullable=True),
    Column("deleted", Boolean, nullable=False),
)
#: One current version per observation; also the index of every current-data query.
Index(
    "uq_observations_current",
    observations.c.series_pk,
    observations.c.period_start,
    observations.c.period,
    unique=True,
    sqlite_where=observations.c.replaced_load.is_(None),
    postgresql_where=observations.c.replaced_load.is_(None),
)
# No index on ``created_load``: the versions a load wrote are found by its row range
# (``data_loads.first_obs``..``last_obs``). History and ``asOf`` queries read past
# versions without an index of their own: rare, and each index slows every load.


# -- publication, feeds and notifications (``registry.publication``) -------------------
#
# - ``releases``: one row per load that changed data (written in the load's own
#   transaction: an outbox), published by a worker of any process: the public
#   flows recomputed for the keys it touched, the result in ``summary``.
# - ``disclosure_audit``: what disclosure control hid or rounded, with the raw
#   value and the reason: for administrators only; ``current`` marks the rows
#   of each sub-table's latest publication.
# - ``subscriptions``: HTTP callbacks registered for a dataflow's releases.
# - ``notifications``: one delivery per (subscription, release): claimed by one
#   process at a time (``claimed_until``), retried with back-off until delivered.

releases = Table(
    "releases",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("flow_pk", Integer, ForeignKey("data_flows.pk"), nullable=False),
    Column("load_pk", Integer, ForeignKey("data_loads.pk"), nullable=False, unique=True),
    Column("provider", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("summary", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("submission", String(200), nullable=True),
)
Index("ix_releases_status", releases.c.status, releases.c.pk)
Index("ix_releases_published_at", releases.c.published_at)

disclosure_audit = Table(
    "disclosure_audit",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("release_pk", Integer, ForeignKey("releases.pk"), nullable=False),
    Column("flow", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("table_key", String(2000), nullable=False),
    Column("series_key", String(2000), nullable=False),
    Column("period", String(60), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("raw_value", Float, nullable=True),
    Column("public_value", Float, nullable=True),
    Column("obs_status", String(20), nullable=True),
    Column("conf_status", String(20), nullable=True),
    Column("protected_low", Float, nullable=True),
    Column("protected_high", Float, nullable=True),
    Column("current", Boolean, nullable=False),
)
Index("ix_disclosure_audit_flow", disclosure_audit.c.flow, disclosure_audit.c.provider)
Index("ix_disclosure_audit_release_pk", disclosure_audit.c.release_pk)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(40), nullable=False, unique=True),
    Column("token_pk", Integer, ForeignKey("tokens.pk"), nullable=True),
    Column("owner", String(200), nullable=False),
    Column("dataflow", String(200), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("events", String(100), nullable=False),
    #: The registry's address as the subscriber reached it: the base of its links.
    Column("base_url", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
)

#: SDMX data registrations: a data source (a submission's file) per provision agreement.
registrations = Table(
    "registrations",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("provider", String(200), nullable=False),
    Column("submission", Integer, nullable=True),
    Column("agreement_agency", String(200), nullable=False),
    Column("agreement_id", String(200), nullable=False),
    Column("agreement_version", String(60), nullable=False),
    Column("flow_agency", String(200), nullable=False),
    Column("flow_id", String(200), nullable=False),
    Column("flow_version", String(60), nullable=False),
    Column("structure_agency", String(200), nullable=False),
    Column("structure_id", String(200), nullable=False),
    Column("structure_version", String(60), nullable=False),
    Column("data_source", String(2000), nullable=False),
    Column("last_updated", DateTime(timezone=True), nullable=False),
)
Index("ix_registrations_last_updated", registrations.c.last_updated)

notifications = Table(
    "notifications",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("subscription_pk", Integer, ForeignKey("subscriptions.pk"), nullable=False),
    Column("release_pk", Integer, ForeignKey("releases.pk"), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)
Index("ix_notifications_due", notifications.c.status, notifications.c.next_attempt_at)


# -- submissions (``registry.submissions``) --------------------------------------------
#
# - ``submissions``: the immutable log: one row per submission (accepted, rejected or
#   duplicate), who sent it, when, its checksum, action, counts and the library's
#   validation report; an accepted one names its load, release and registration.
# - ``submission_files``: each logged submission's original bytes, in chunks, in the
#   database: every registry process serves them byte for byte. A rejected
#   submission's chunks go after ``MOSY_REJECTED_FILE_DAYS`` (its row says when,
#   ``file_removed_at``); the rest of its row stays.

submissions = Table(
    "submissions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(200), nullable=False),
    Column("flow", String(200), nullable=True),
    Column("action", String(20), nullable=True),
    #: The action the submitter asked for (None: the one the file states).
    Column("requested_action", String(20), nullable=True),
    Column("status", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("token_pk", Integer, ForeignKey("tokens.pk"), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(500), nullable=False),
    Column("media_type", String(200), nullable=True),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("report", Text, nullable=False),
    Column("load_pk", Integer, ForeignKey("data_loads.pk"), nullable=True),
    Column("release_pk", Integer, ForeignKey("releases.pk"), nullable=True),
    Column("registration", String(64), nullable=True),
    Column("duplicate_of", Integer, ForeignKey("submissions.pk"), nullable=True),
    #: When a rejected submission's file was removed (``registry.submissions.retention``).
    Column("file_removed_at", DateTime(timezone=True), nullable=True),
)
Index(
    "ix_submissions_provider",
    submissions.c.provider,
    submissions.c.flow,
    submissions.c.received_at,
)
Index("ix_submissions_received_at", submissions.c.received_at)
# Partial: the retention's look-up reads only rejected files still kept, and the
# duplicates (which serve their original's bytes), however long the log grows.
_KEPT = text("status = 'rejected' AND file_removed_at IS NULL")
Index(
    "ix_submissions_rejected_files",
    submissions.c.received_at,
    submissions.c.pk,
    sqlite_where=_KEPT,
    postgresql_where=_KEPT,
)
_DUPLICATES = submissions.c.duplicate_of.is_not(None)
Index(
    "ix_submissions_duplicate_of",
    submissions.c.duplicate_of,
    sqlite_where=_DUPLICATES,
    postgresql_where=_DUPLICATES,
)

submission_files = Table(
    "submission_files",
    metadata,
    Column("submission_pk", Integer, ForeignKey("submissions.pk"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("content", LargeBinary, nullable=False),
)
