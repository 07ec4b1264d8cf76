"""SQLite rows as Arrow tables, read by an Arrow-native driver (ADBC) where it can.

The standard ``sqlite3`` module makes a Python tuple per row and an object
per value: for a million observations that is most of an answer's time.
ADBC's SQLite driver reads the same file into Arrow columns in C. It runs on
its own connections (a small pool per process, made after fork), which only
read: every write goes through SQLAlchemy, and WAL lets these readers see
each committed load at once.

ADBC infers a column's type from its first rows, so it is used only for the
statements made to be read that way (no column ever NULL: the observation
statement ``for_fetch``, which carries a ``value_null`` column); others, and
in-memory databases, are read with ``sqlite3`` and turned into columns.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from sqlalchemy import Connection

try:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
except ImportError:  # pragma: no cover - a registry install brings it
    adbc_sqlite = None

CHUNK_ROWS = 50_000
_POOL_SIZE = 8
_BATCH_ROWS = "adbc.sqlite.query.batch_rows"


class _Pool:
    """Idle ADBC connections per database file, for this process only."""

    def __init__(self) -> None:
        self._idle: dict[str, list] = {}
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @contextmanager
    def connection(self, path: str):
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.setdefault(path, [])
            conn = idle.pop() if idle else None
        if conn is None:
            # autocommit: each query reads the latest commit (DBAPI default would hold
            # one read transaction, and its snapshot, open across requests)
            conn = adbc_sqlite.connect(path, autocommit=True)
        ok = False
        try:
            yield conn
            ok = True
        finally:
            with self._lock:
                keep = ok and len(self._idle.setdefault(path, [])) < _POOL_SIZE
                if keep:
                    self._idle[path].append(conn)
            if not keep:
                conn.close()


_pool = _Pool()


def _database_file(conn: Connection) -> str | None:
    database = conn.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def sqlite_batches(
    conn: Connection, statement: tuple[str, object, list[str]]
) -> Iterator[pa.Table]:
    """The rows of a compiled statement as Arrow tables of about CHUNK_ROWS rows."""
    sql, values, names = statement
    path = _database_file(conn)
    if adbc_sqlite is not None and path is not None and "value_null" in names:
        yield from _adbc_batches(path, sql, values, names)
    else:
        yield from _sqlite3_batches(conn, sql, values, names)


def _adbc_batches(path: str, sql: str, values, names: list[str]) -> Iterator[pa.Table]:
    with _pool.connection(path) as adbc_conn:
        cursor = adbc_conn.cursor()
        try:
            cursor.adbc_statement.set_options(**{_BATCH_ROWS: str(CHUNK_ROWS)})
            cursor.execute(sql, list(values) if values else None)
            for batch in cursor.fetch_record_batch():
                if batch.num_rows:
                    yield pa.Table.from_batches([batch]).rename_columns(names)
        finally:
            cursor.close()


def _sqlite3_batches(conn: Connection, sql: str, values, names: list[str]) -> Iterator[pa.Table]:
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(sql, values)
    try:
        while True:
            rows = cursor.fetchmany(CHUNK_ROWS)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            yield pa.table({name: pa.array(col) for name, col in zip(names, columns, strict=True)})
    finally:
        cursor.close()
