"""What happened lately in the observation store: last change per dataflow, latest loads.

Read by the portal's home page; each is one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from registry.db.tables import data_flows, data_loads, revisions
from registry.store.observations import FlowRef
from registry.store.revisions import _aware


@dataclass(frozen=True, slots=True)
class Release:
    """One load of a dataflow's data: when, by whom, and what it changed."""

    flow: FlowRef
    provider: str
    at: datetime
    added: int
    changed: int
    deleted: int

    @property
    def summary(self) -> str:
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.added, "added"),
                (self.changed, "changed"),
                (self.deleted, "deleted"),
            )
            if n
        ]
        return ", ".join(parts) or "no change"


def last_changes(conn: Connection) -> dict[FlowRef, datetime]:
    """When each dataflow's data last changed (its data revision's time)."""
    rows = conn.execute(
        select(revisions.c.scope, revisions.c.updated_at).where(revisions.c.scope.like("data:%"))
    )
    out = {}
    for scope, at in rows:
        ref = _parse_scope(scope)
        if ref is not None:
            out[ref] = _aware(at)
    return out


def latest_releases(conn: Connection, flow_ids: Iterable[str], limit: int = 10) -> list[Release]:
    """The newest loads that changed something in the dataflows ``flow_ids``, newest first."""
    ids = list(flow_ids)
    if not ids:
        return []
    f, load = data_flows.c, data_loads.c
    rows = conn.execute(
        select(
            f.agency,
            f.id,
            f.version,
            load.provider,
            load.at,
            load.added,
            load.changed,
            load.deleted,
        )
        .join_from(data_loads, data_flows, load.flow_pk == f.pk)
        .where(f.id.in_(ids), (load.added + load.changed + load.deleted) > 0)
        .order_by(load.at.desc(), load.pk.desc())
        .limit(limit)
    )
    return [
        Release(
            FlowRef(r.agency, r.id, r.version),
            r.provider,
            _aware(r.at),
            r.added,
            r.changed,
            r.deleted,
        )
        for r in rows
    ]


def _parse_scope(scope: str) -> FlowRef | None:
    """``data:AGENCY:ID(VERSION)`` back to its FlowRef (None for anything else)."""
    body = scope.removeprefix("data:")
    agency, sep, rest = body.partition(":")
    if not sep or not rest.endswith(")") or "(" not in rest:
        return None
    flow_id, _, version = rest[:-1].partition("(")
    return FlowRef(agency, flow_id, version)
