"""The submission log and the original files, in the database.

Rows are written once and never changed (the log is immutable), except for
``file_removed_at``, set when a rejected submission's file is removed after
its retention period (``registry.submissions.retention``); an accepted
submission's row is written in the transaction of its data, so it exists
exactly when the data does. Files are kept in 1 MiB chunks
(``submission_files``): any registry process streams them back byte for
byte, and none holds a whole file in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from registry.db.tables import data_flows, data_loads, submission_files, submissions
from registry.store.revisions import _aware

#: Bytes per stored chunk of an original file.
FILE_CHUNK = 1 << 20
#: Chunks read per query when a file is streamed back.
CHUNKS_PER_READ = 8


class Status(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Submission:
    """One logged submission (the report is parsed only when asked for)."""

    pk: int
    provider: str
    flow: str | None
    action: str | None
    requested_action: str | None
    status: Status
    actor: str
    token_pk: int | None
    received_at: datetime
    checksum: str
    size: int
    filename: str
    media_type: str | None
    counts: dict[str, int]
    warnings: int
    errors: int
    report_json: str
    load_pk: int | None
    release_pk: int | None
    registration: str | None
    duplicate_of: int | None
    #: When the retention of rejected files removed this one's bytes (None: kept).
    file_removed_at: datetime | None = None

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.report_json)

    @property
    def file_pk(self) -> int:
        """The submission whose stored file holds these bytes (a duplicate's original)."""
        return self.duplicate_of or self.pk


def _submission(row) -> Submission:
    return Submission(
        pk=row.pk,
        provider=row.provider,
        flow=row.flow,
        action=row.action,
        requested_action=row.requested_action,
        status=Status(row.status),
        actor=row.actor,
        token_pk=row.token_pk,
        received_at=_aware(row.received_at),
        checksum=row.checksum,
        size=row.size,
        filename=row.filename,
        media_type=row.media_type,
        counts={k: getattr(row, k) for k in ("rows", "added", "changed", "deleted", "unchanged")},
        warnings=row.warnings,
        errors=row.errors,
        report_json=row.report,
        load_pk=row.load_pk,
        release_pk=row.release_pk,
        registration=row.registration,
        duplicate_of=row.duplicate_of,
        file_removed_at=_aware(row.file_removed_at) if row.file_removed_at else None,
    )


def insert_submission(conn: Connection, **values: Any) -> int:
    """Log one submission; missing counts are zero. Its number."""
    for name in ("rows", "added", "changed", "deleted", "unchanged", "warnings", "errors"):
        values.setdefault(name, 0)
    return conn.execute(
        insert(submissions).values(**values).returning(submissions.c.pk)
    ).scalar_one()


def store_file(conn: Connection, submission_pk: int, path: Path) -> None:
    """Keep the original bytes of a submission, in chunks, in the caller's transaction."""
    if conn.dialect.name == "postgresql" and _has_lz4(conn):
        # PostgreSQL compresses each chunk as it stores it; its default (pglz) took
        # 0.8-1.2 s for a 108 MB SDMX-CSV, lz4 0.3-0.4 s (10 MB stored, not 6).
        # Reading back decompresses either, whatever a chunk was written with.
        conn.exec_driver_sql("SET LOCAL default_toast_compression = 'lz4'")
    with open(path, "rb") as handle:
        seq = 0
        while block := handle.read(FILE_CHUNK):
            conn.execute(
                insert(submission_files).values(submission_pk=submission_pk, seq=seq, content=block)
            )
            seq += 1


def _has_lz4(conn: Connection) -> bool:
    """Whether this PostgreSQL server was built with lz4 (else it keeps pglz)."""
    return bool(
        conn.exec_driver_sql(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        ).scalar()
    )


def file_chunks(engine: Engine, submission_pk: int) -> Iterator[bytes]:
    """The stored bytes of a submission, a few chunks per query (a short read each time)."""
    seq = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(submission_files.c.content)
                .where(
                    submission_files.c.submission_pk == submission_pk,
                    submission_files.c.seq >= seq,
                    submission_files.c.seq < seq + CHUNKS_PER_READ,
                )
                .order_by(submission_files.c.seq)
            ).all()
        for (content,) in rows:
            yield bytes(content)
        if len(rows) < CHUNKS_PER_READ:
            return
        seq += CHUNKS_PER_READ


def write_file_to(engine: Engine, submission_pk: int, path: Path) -> Path:
    with open(path, "wb") as out:
        for chunk in file_chunks(engine, submission_pk):
            out.write(chunk)
    return path


def get_submission(conn: Connection, pk: int) -> Submission | None:
    row = conn.execute(select(submissions).where(submissions.c.pk == pk)).first()
    return _submission(row) if row else None


def last_accepted(conn: Connection, provider: str, flow: str) -> Submission | None:
    """The newest accepted submission of ``provider`` in ``flow``."""
    row = conn.execute(
        select(submissions)
        .where(
            submissions.c.provider == provider,
            submissions.c.flow == flow,
            submissions.c.status == Status.ACCEPTED.value,
        )
        .order_by(submissions.c.pk.desc())
        .limit(1)
    ).first()
    return _submission(row) if row else None


def last_load(conn: Connection, provider: str, flow: str) -> int | None:
    """The newest load of ``provider``'s data in dataflow ``flow`` (by id), by any path."""
    return conn.execute(
        select(func.max(data_loads.c.pk))
        .join(data_flows, data_flows.c.pk == data_loads.c.flow_pk)
        .where(data_loads.c.provider == provider, data_flows.c.id == flow)
    ).scalar()


def list_submissions(
    conn: Connection,
    *,
    provider: str | None = None,
    flow: str | None = None,
    status: Status | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Submission]]:
    """Matching submissions, newest first, and how many match in all."""
    c = submissions.c
    conditions = [
        cond
        for cond in (
            c.provider == provider if provider else None,
            c.flow == flow if flow else None,
            c.status == status.value if status else None,
            c.received_at >= since if since else None,
            c.received_at < until if until else None,
        )
        if cond is not None
    ]
    total = conn.execute(select(func.count()).select_from(submissions).where(*conditions)).scalar()
    rows = conn.execute(
        select(submissions).where(*conditions).order_by(c.pk.desc()).limit(limit).offset(offset)
    ).all()
    return int(total or 0), [_submission(r) for r in rows]
