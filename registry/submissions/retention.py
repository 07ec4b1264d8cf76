"""The retention period of rejected submissions' files (``MOSY_REJECTED_FILE_DAYS``).

A rejected file may be one sent by mistake that should not sit on the server
for good (data minimisation); an accepted file is the record of published
data and is never removed. ``purge_rejected_files`` deletes the stored chunks
of rejected submissions received more than N days ago and stamps
``file_removed_at`` on their log rows; the rest of each row (who, when,
checksum, size, counts, report) stays.

The work goes in batches, each its own short transaction (at most
``BATCH_FILES`` submissions and about ``BATCH_BYTES`` of chunks), so a large
backlog never holds SQLite's write lock for long: submissions go on between
batches (on SQLite a short pause lets them in). A batch opens with its
UPDATE, so SQLite takes the write lock at once (no read turned into a write
that could fail with "database is locked"); it stamps only rows still
unstamped, so two processes purging at the same moment remove each file
once, and it leaves out any submission a duplicate refers to: a duplicate
serves its original's bytes. Duplicates only ever repeat accepted
submissions (``accepting._unchanged_since``); the check keeps a rejected
original safe should that change.

On SQLite the batch runs with ``secure_delete``: the freed pages are zeroed,
so the removed bytes do not linger in the database file's free pages.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, exists, literal_column, select, update

from registry.db.tables import submission_files, submissions
from registry.store.revisions import now
from registry.store.wal import write_transaction
from registry.submissions.records import Status

log = logging.getLogger("registry")

#: Submissions whose files one transaction removes, at most.
BATCH_FILES = 200
#: Bytes one transaction removes, about (a larger single file goes in a batch alone).
BATCH_BYTES = 128 << 20
#: SQLite: seconds between batches. A writer waiting for the lock retries every 100 ms
#: at most (its busy handler): without a pause the next batch took the lock first, and a
#: submission waited for the whole backlog (2.2 s for 500 MiB) instead of one batch.
SQLITE_PAUSE = 0.15


@dataclass(frozen=True, slots=True)
class Purged:
    """What one purge removed: files, their bytes, in how many transactions."""

    files: int = 0
    bytes: int = 0
    batches: int = 0


def cutoff_of(days: int, at: datetime | None = None) -> datetime:
    """Files of rejected submissions received before this moment are due."""
    return (at or now()) - timedelta(days=days)


def _due(cutoff: datetime):
    """The rejected submissions whose file is due and no duplicate serves."""
    c = submissions.c
    dup = submissions.alias("dup")
    return (
        # A literal, not a parameter: PostgreSQL then matches the partial index's predicate.
        c.status == literal_column(f"'{Status.REJECTED.value}'"),
        c.file_removed_at.is_(None),
        c.received_at < cutoff,
        ~exists().where(dup.c.duplicate_of == c.pk),
    )


def purge_rejected_files(
    engine: Engine,
    days: int,
    *,
    at: datetime | None = None,
    batch_files: int = BATCH_FILES,
    batch_bytes: int = BATCH_BYTES,
    stop: threading.Event | None = None,
) -> Purged:
    """Remove the files of rejected submissions received more than ``days`` days before
    ``at`` (default: now); ``days`` 0 keeps every file. What was removed.

    ``stop`` set: no further batch (a worker shutting down); the rest waits for next time.
    """
    if days <= 0:
        return Purged()
    stamp = at or now()
    cutoff = cutoff_of(days, stamp)
    files = size = batches = 0
    while stop is None or not stop.is_set():
        with engine.connect() as conn:
            candidates = conn.execute(
                select(submissions.c.pk, submissions.c.size)
                .where(*_due(cutoff))
                .order_by(submissions.c.received_at, submissions.c.pk)
                .limit(batch_files)
            ).all()
        if not candidates:
            break
        chosen, total = [], 0
        for pk, bytes_ in candidates:
            if chosen and total + bytes_ > batch_bytes:
                break
            chosen.append(pk)
            total += bytes_
        removed = _remove(engine, chosen, cutoff, stamp)
        if not removed:  # another process took these at the same moment: its work now
            break
        files += len(removed)
        size += sum(removed.values())
        batches += 1
        if engine.dialect.name == "sqlite":
            if stop is not None:
                stop.wait(SQLITE_PAUSE)
            else:
                time.sleep(SQLITE_PAUSE)
    if files:
        log.info(
            "retention: removed the files of %d rejected submission(s), %d bytes, "
            "received before %s",
            files,
            size,
            cutoff.isoformat(),
        )
    return Purged(files, size, batches)


def _remove(engine: Engine, pks: list[int], cutoff: datetime, stamp: datetime) -> dict[int, int]:
    """One batch, one transaction: stamp the rows still due, delete their chunks.

    The submissions stamped, with their sizes.
    """
    with write_transaction(engine) as conn, _secure_delete(conn):
        stamped = conn.execute(
            update(submissions)
            .where(submissions.c.pk.in_(pks), *_due(cutoff))
            .values(file_removed_at=stamp)
            .returning(submissions.c.pk, submissions.c.size)
        ).all()
        removed = {pk: int(bytes_) for pk, bytes_ in stamped}
        if removed:
            conn.execute(
                delete(submission_files).where(submission_files.c.submission_pk.in_(removed))
            )
    return removed


class _secure_delete:
    """SQLite: zero the pages this connection frees, for the duration of a batch."""

    def __init__(self, conn: Connection) -> None:
        self.raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        self.previous = 0

    def __enter__(self) -> None:
        if self.raw is not None:
            (self.previous,) = self.raw.execute("PRAGMA secure_delete").fetchone()
            self.raw.execute("PRAGMA secure_delete=ON")

    def __exit__(self, *_exc: object) -> None:
        if self.raw is not None:  # the pooled connection goes back as it came
            self.raw.execute(f"PRAGMA secure_delete={int(self.previous)}")
