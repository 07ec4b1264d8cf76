"""The disclosure audit as a reader sees it: what was hidden or rounded, and why.

One query for ``/api/audit`` and the admin page of the portal, so both show
the same cells. Raw values are here: callers serve it to administrators only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from registry.db.tables import disclosure_audit

AUDIT_COLUMNS = (
    "release_pk",
    "flow",
    "provider",
    "series_key",
    "period",
    "reason",
    "raw_value",
    "public_value",
    "obs_status",
    "conf_status",
    "protected_low",
    "protected_high",
)


def audit_cells(
    conn: Connection,
    *,
    dataflow: str | None = None,
    provider: str | None = None,
    release: int | None = None,
    reason: str | None = None,
    current: bool = True,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Cells hidden, rounded, withheld or reshaped: the total, the count per reason, a page.

    ``current`` keeps the latest publication's cells of each sub-table (ignored
    when a ``release`` is named, which shows that release's as it made them).
    """
    conditions = []
    if dataflow is not None:
        conditions.append(disclosure_audit.c.flow == dataflow)
    if provider is not None:
        conditions.append(disclosure_audit.c.provider == provider)
    if release is not None:
        conditions.append(disclosure_audit.c.release_pk == release)
    elif current:
        conditions.append(disclosure_audit.c.current.is_(True))
    if reason is not None:
        conditions.append(disclosure_audit.c.reason == reason)
    counts = dict(
        conn.execute(
            select(disclosure_audit.c.reason, func.count())
            .where(*conditions)
            .group_by(disclosure_audit.c.reason)
        ).all()
    )
    rows = conn.execute(
        select(*(disclosure_audit.c[c] for c in AUDIT_COLUMNS))
        .where(*conditions)
        .order_by(disclosure_audit.c.pk)
        .limit(limit)
        .offset(offset)
    ).all()
    cells = [
        {("release" if k == "release_pk" else k): v for k, v in zip(AUDIT_COLUMNS, r, strict=True)}
        for r in rows
    ]
    return {"total": sum(counts.values()), "reasons": counts, "cells": cells}
