"""Submissions written straight into the log, with their stored files, for tests of the log."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from registry.store.revisions import now
from registry.submissions.records import insert_submission, store_file

FLOW = "DF_THB_VICTIMS"


def logged(
    engine,
    folder: Path,
    *,
    status: str = "rejected",
    days: float = 0.0,
    content: bytes = b"",
    duplicate_of: int | None = None,
) -> int:
    """A logged submission with a stored file (none for a duplicate), ``days`` old."""
    content = content or f"a file {status} {days}\n".encode() * 50
    checksum = hashlib.sha256(content).hexdigest()
    path = folder / f"upload-{checksum[:12]}.csv"
    path.write_bytes(content)
    with engine.begin() as conn:
        pk = insert_submission(
            conn,
            provider="AT_MOI",
            flow=FLOW,
            status=status,
            actor="tests",
            received_at=now() - timedelta(days=days),
            checksum=checksum,
            size=len(content),
            filename=path.name,
            report='{"valid": false}',
            duplicate_of=duplicate_of,
        )
        if duplicate_of is None:
            store_file(conn, pk, path)
    return pk
