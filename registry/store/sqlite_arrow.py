"""SQLite rows as Arrow tables, read through the one SQLite library the process has.

Rows are fetched with the standard ``sqlite3`` module in chunks and turned
into Arrow columns. An Arrow-native driver (ADBC's SQLite) read faster, but it
carries its own build of SQLite: two copies of SQLite in one process, writing
and reading one WAL database, do not see each other's POSIX locks (SQLite's
"How To Corrupt An SQLite Database File", section 2.2.1), and a data query
that overlapped a large publication's commit killed the server with SIGBUS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from sqlalchemy import Connection

CHUNK_ROWS = 50_000


def sqlite_batches(
    conn: Connection, statement: tuple[str, object, list[str]]
) -> Iterator[pa.Table]:
    """The rows of a compiled statement as Arrow tables of about CHUNK_ROWS rows."""
    sql, values, names = statement
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
