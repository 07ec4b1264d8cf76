"""Column-wise inserts bind the same values as Arrow's ``to_pylist`` would, nulls included."""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from datetime import datetime
from types import SimpleNamespace

import pyarrow as pa
import pytest

from registry.store.observations import _executemany_rows, _python_values

COLUMNS = {
    "n": pa.array([1, 2, 3, 4], pa.int64()),
    "n_null": pa.array([1, None, 3, None], pa.int64()),
    "x": pa.array([1.5, float("nan"), None, -0.0], pa.float64()),
    "b": pa.array([True, False, True, False]),
    "s": pa.array(["2008", "2008-Q1", None, "2008"], pa.string()),
    "at": pa.array([datetime(2020, 1, 1), None, datetime(2021, 5, 6), datetime(2022, 1, 1)]),
}


def _bound(values: list) -> list:
    """What SQLite stores of each value (a NaN is NULL), with its type."""
    out = []
    for value in values:
        if isinstance(value, float) and math.isnan(value):
            value = None
        out.append((value, type(value)))
    return out


@pytest.mark.parametrize("name", list(COLUMNS))
def test_python_values_are_arrows_own(name) -> None:
    column = COLUMNS[name]
    assert _bound(_python_values(column)) == _bound(column.to_pylist())


def test_sqlite_stores_what_was_sent() -> None:
    table = pa.table(COLUMNS)
    with closing(sqlite3.connect(":memory:")) as raw:
        raw.execute("CREATE TABLE t (n INTEGER, n_null INTEGER, x REAL, b BOOLEAN, s TEXT, at)")
        # what _executemany_rows uses of a SQLAlchemy connection
        conn = SimpleNamespace(connection=SimpleNamespace(driver_connection=raw))
        _executemany_rows(conn, "t", table)
        rows = raw.execute("SELECT n, n_null, x, b, s, at FROM t").fetchall()
    assert rows == [
        (1, 1, 1.5, 1, "2008", "2020-01-01 00:00:00"),
        (2, None, None, 0, "2008-Q1", None),
        (3, 3, None, 1, None, "2021-05-06 00:00:00"),
        (4, None, -0.0, 0, "2008", "2022-01-01 00:00:00"),
    ]
