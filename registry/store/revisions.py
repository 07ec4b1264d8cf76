"""Store-wide revisions: a counter and a time per scope, bumped with every change.

Scopes are short names: ``structures`` now; the data issues add one per
dataflow. Every process answers ``ETag``/``Last-Modified`` from here, and
checks its caches against it with one indexed read per request, so that a
change made through one process is served by every other on its next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.db.tables import revisions

STRUCTURES = "structures"


@dataclass(frozen=True, slots=True)
class Revision:
    scope: str
    number: int
    updated_at: datetime


def now() -> datetime:
    """The time stamps the store writes: UTC, whole seconds (as HTTP dates carry)."""
    return datetime.now(UTC).replace(microsecond=0)


#: The one query most requests make: plain text, so SQLAlchemy only binds and runs it.
_REVISION = text("SELECT revision, updated_at FROM revisions WHERE scope = :scope").columns(
    revisions.c.revision, revisions.c.updated_at
)


def get_revision(conn: Connection, scope: str) -> Revision:
    """The scope's revision; revision 0 at the epoch for a scope never changed."""
    row = conn.execute(_REVISION, {"scope": scope}).first()
    if row is None:
        return Revision(scope, 0, datetime(1970, 1, 1, tzinfo=UTC))
    return Revision(scope, row.revision, _aware(row.updated_at))


def bump_revision(conn: Connection, scope: str, at: datetime | None = None) -> Revision:
    """Count one change of ``scope``, inside the caller's transaction.

    The UPDATE locks the row, so concurrent writers of one scope serialise and
    no revision number is handed out twice.
    """
    at = at or now()
    result = conn.execute(
        update(revisions)
        .where(revisions.c.scope == scope)
        .values(revision=revisions.c.revision + 1, updated_at=at)
    )
    if result.rowcount == 0:
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
        stmt = insert(revisions).values(scope=scope, revision=1, updated_at=at)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[revisions.c.scope],
                set_={"revision": revisions.c.revision + 1, "updated_at": at},
            )
        )
    return get_revision(conn, scope)


def _aware(value: datetime) -> datetime:
    """A stored time in UTC: SQLite hands back naive datetimes, PostgreSQL its session zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
