"""The change log: who changed what, when and how. Append-only.

Every write to the store records one row per artefact (or per submission,
later) in the same transaction as the change itself, so the log can never
disagree with the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from registry.db.tables import changes
from registry.store.revisions import _aware, now


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a token's name (and its row) or a local command such as ``cli``."""

    name: str
    token_pk: int | None = None


CLI = Actor("cli")


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    actor: str
    action: str
    scope: str
    target: str
    detail: dict[str, Any] | None


def record_change(
    conn: Connection,
    *,
    actor: Actor,
    action: str,
    scope: str,
    target: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        insert(changes).values(
            at=at or now(),
            actor=actor.name,
            token_pk=actor.token_pk,
            action=action,
            scope=scope,
            target=target,
            detail=json.dumps(detail, sort_keys=True) if detail else None,
        )
    )


def list_changes(
    conn: Connection, *, scope: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[Change]:
    """The newest changes first."""
    query = select(changes).order_by(changes.c.pk.desc()).limit(limit)
    if scope is not None:
        query = query.where(changes.c.scope == scope)
    if since is not None:
        query = query.where(changes.c.at >= since)
    return [
        Change(
            at=_aware(row.at),
            actor=row.actor,
            action=row.action,
            scope=row.scope,
            target=row.target,
            detail=json.loads(row.detail) if row.detail else None,
        )
        for row in conn.execute(query)
    ]
