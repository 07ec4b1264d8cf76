"""SQLite rows as Arrow tables, read through the one SQLite library the process has.

Rows are fetched with the standard ``sqlite3`` module in chunks and turned
into Arrow columns. An Arrow-native driver (ADBC's SQLite) read faster, but it
carries its own build of SQLite: two copies of SQLite in one process, writing
and reading one WAL database, do not see each other's POSIX locks (SQLite's
"How To Corrupt An SQLite Database File", section 2.2.1), and a data query
that overlapped a large publication's commit killed the server with SIGBUS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection

CHUNK_ROWS = 50_000
#: NumPy field types of the Arrow types a statement's columns may be declared with.
_FIELDS = {pa.int64(): "i8", pa.float64(): "f8", pa.bool_(): "i8", pa.string(): "O"}


def sqlite_batches(
    conn: Connection,
    statement: tuple[str, object, list[str]],
    types: Mapping[str, pa.DataType] | None = None,
) -> Iterator[pa.Table]:
    """The rows of a compiled statement as Arrow tables of about CHUNK_ROWS rows.

    With ``types`` for every column (and no NULL in a number column), the rows
    are turned into columns by NumPy in one pass (``fromiter`` into a record
    array, five times faster than transposing the tuples in Python); otherwise,
    or where a chunk does not fit those types, column by column from the tuples.
    Integer columns must hold integers (SQLite's INTEGER affinity keeps them so):
    NumPy would truncate a real.
    """
    sql, values, names = statement
    record = _record_type(names, types or {})
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(sql, values)
    try:
        while True:
            rows = cursor.fetchmany(CHUNK_ROWS)
            if not rows:
                break
            yield _columns(rows, names, record)
    finally:
        cursor.close()


def _record_type(names: list[str], types: Mapping[str, pa.DataType]) -> np.dtype | None:
    fields = [_FIELDS.get(types[name]) if name in types else None for name in names]
    if any(field is None for field in fields):
        return None
    return np.dtype(list(zip(names, fields, strict=True)))


def _columns(rows: list[tuple], names: list[str], record: np.dtype | None) -> pa.Table:
    if record is not None:
        try:
            array = np.fromiter(rows, dtype=record, count=len(rows))
        except (TypeError, ValueError, OverflowError):  # a NULL or a value of another type
            pass
        else:
            # NaN in a float field was a NULL (SQLite stores no NaN): null, as from the tuples.
            return pa.table({name: pa.array(array[name], from_pandas=True) for name in names})
    columns = list(zip(*rows, strict=True))
    return pa.table({name: pa.array(col) for name, col in zip(names, columns, strict=True)})
