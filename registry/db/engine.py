"""One SQLAlchemy engine per process, tuned for SQLite or PostgreSQL.

SQLite runs in WAL mode, so that readers in several worker processes never
wait for a writer, with a busy timeout instead of "database is locked"
errors, and foreign keys on (SQLite leaves them off by default).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_MS = 30_000


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    """An engine for ``url``; for SQLite the folder of the file is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first
        # write; emit it ourselves so that a read-then-write transaction is one
        # transaction (SQLAlchemy's documented recipe).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    # No pre-ping: it costs every request a round trip to PostgreSQL. After a
    # database restart the first request of a process meets a dead connection,
    # which SQLAlchemy then drops with the rest of the pool; that request is a
    # 503 with Retry-After (registry.errors), the next ones connect afresh.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener open transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
