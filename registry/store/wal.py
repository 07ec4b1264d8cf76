"""SQLite: a large write's WAL checkpoint taken off its commit and run in the background.

In WAL mode SQLite copies the log back into the database file in the very
call that commits past ``wal_autocheckpoint`` pages: for a submission of 1M
observations (and its 108 MB original file) that copy took about 1 s of the
time to the 201. ``write_transaction`` turns the automatic checkpoint off
for one transaction and, once it has committed, runs a passive checkpoint in
a background thread.

Nothing else changes: with ``synchronous=NORMAL`` a commit is in the WAL
either way (the checkpoint never made it more durable); a passive checkpoint
never blocks readers or writers; a process killed during one leaves a
database SQLite recovers from its WAL on the next open. PostgreSQL
transactions are plain ``engine.begin()``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

log = logging.getLogger("registry")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()``; on SQLite, without a checkpoint in the commit (one follows)."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # outside SQLAlchemy's transaction
        (previous,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
        raw.execute("PRAGMA wal_autocheckpoint=0")
        try:
            with conn.begin():
                yield conn
        finally:
            # the pooled connection goes back as it came
            raw.execute(f"PRAGMA wal_autocheckpoint={int(previous)}")
    checkpoint_later(engine)


def checkpoint_later(engine: Engine) -> threading.Thread:
    """A passive WAL checkpoint of ``engine``'s database, in a background thread."""

    def run() -> None:
        try:
            with engine.connect() as conn:
                conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the next commit's automatic checkpoint does it then
            log.warning("WAL checkpoint after a large write failed: %s", exc)

    thread = threading.Thread(target=run, name="sqlite-wal-checkpoint", daemon=True)
    thread.start()
    return thread
