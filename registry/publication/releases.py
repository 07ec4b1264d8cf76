"""Releases: one per load that changed data, recorded in the load's own transaction.

A release is an outbox row: the load commits it together with its data, so
a crash can never lose one, and any registry process publishes it later
(``registry.publication.publish``). Its ``kind`` says what harvesters see
in the feed: ``release`` (only new observations) or ``revision`` (values
changed or deleted).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from registry.db.tables import data_flows, releases
from registry.store.observations import FlowRef, LoadResult, flow_pk
from registry.store.revisions import _aware

PENDING, PUBLISHED, FAILED = "pending", "published", "failed"

#: Set when a release this process recorded is committed: its publication worker wakes.
release_recorded = threading.Event()


@dataclass(frozen=True, slots=True)
class Release:
    pk: int
    flow: FlowRef
    load_pk: int
    provider: str
    at: datetime
    kind: str
    status: str
    published_at: datetime | None
    summary: dict[str, Any]
    submission: str | None

    @property
    def public_changes(self) -> dict[str, dict[str, Any]]:
        """Changes of public dataflows, by dataflow id (empty until published)."""
        return self.summary.get("public", {})


def record_release(
    conn: Connection, result: LoadResult, *, submission: str | None = None
) -> int | None:
    """Record the release of a load inside its transaction; None when it changed nothing.

    The caller calls ``announce`` once its transaction has committed: woken
    before, the worker would find nothing yet and sleep a whole poll.
    """
    if not result.changed_anything:
        return None
    kind = "revision" if (result.changed or result.deleted) else "release"
    pk = conn.execute(
        insert(releases)
        .values(
            flow_pk=flow_pk(conn, result.flow),
            load_pk=result.load_pk,
            provider=result.provider,
            at=result.at,
            kind=kind,
            status=PENDING,
            attempts=0,
            next_attempt_at=None,
            summary=json.dumps({"load": result.to_dict()}),
            submission=submission,
        )
        .returning(releases.c.pk)
    ).scalar_one()
    return pk


def announce(release_pk: int | None) -> None:
    """Wake this process's publication worker for a release just committed (None: no-op)."""
    if release_pk is not None:
        release_recorded.set()


def _release(row) -> Release:
    return Release(
        pk=row.pk,
        flow=FlowRef(row.agency, row.id, row.version),
        load_pk=row.load_pk,
        provider=row.provider,
        at=_aware(row.at),
        kind=row.kind,
        status=row.status,
        published_at=_aware(row.published_at) if row.published_at else None,
        summary=json.loads(row.summary) if row.summary else {},
        submission=row.submission,
    )


def _query():
    return select(releases, data_flows.c.agency, data_flows.c.id, data_flows.c.version).join(
        data_flows, data_flows.c.pk == releases.c.flow_pk
    )


def get_release(conn: Connection, pk: int) -> Release | None:
    row = conn.execute(_query().where(releases.c.pk == pk)).first()
    return _release(row) if row else None


def list_releases(
    conn: Connection,
    *,
    status: str | None = PUBLISHED,
    public_flow: str | None = None,
    limit: int = 50,
) -> list[Release]:
    """Releases, newest first; with ``public_flow``, those that changed that public dataflow."""
    query = _query().order_by(releases.c.pk.desc())
    if status is not None:
        query = query.where(releases.c.status == status)
    if public_flow is None:
        return [_release(r) for r in conn.execute(query.limit(limit))]
    out: list[Release] = []
    for row in conn.execute(query.where(releases.c.summary.contains(f'"{public_flow}"'))):
        release = _release(row)
        if public_flow in release.public_changes:
            out.append(release)
            if len(out) >= limit:
                break
    return out
