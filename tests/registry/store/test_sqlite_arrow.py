"""SQLite rows as Arrow columns: the typed one-pass path gives what the tuples give."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import sqlalchemy as sa

from registry.store import sqlite_arrow
from registry.store.sqlite_arrow import sqlite_batches

TYPES = {"n": pa.int64(), "x": pa.float64(), "t": pa.string(), "b": pa.bool_()}
ROWS = [
    (1, 2.5, "a", 1),
    (2, None, None, 0),  # NULL real and text
    (3, 4.0, "", 1),
    (2**40, -1.25, "ü", 0),
]


@pytest.fixture
def conn():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE r (k INTEGER PRIMARY KEY, n INTEGER, x REAL, t TEXT, b INTEGER)"
        )
        for row in ROWS:
            conn.exec_driver_sql("INSERT INTO r (n, x, t, b) VALUES (?, ?, ?, ?)", row)
        yield conn
    engine.dispose()


def _chunks(conn, types=None) -> list[pa.Table]:
    statement = ("SELECT n, x, t, b FROM r ORDER BY k", (), ["n", "x", "t", "b"])
    return list(sqlite_batches(conn, statement, types))


def _read(conn, types=None) -> pa.Table:
    return pa.concat_tables(_chunks(conn, types))


def test_typed_columns_equal_the_tuples_columns(conn, monkeypatch) -> None:
    calls = []
    real = np.fromiter
    monkeypatch.setattr(np, "fromiter", lambda *a, **k: calls.append(1) or real(*a, **k))
    typed = _read(conn, TYPES)
    assert calls  # the one-pass path was taken
    assert typed.equals(_read(conn))
    assert typed["x"].null_count == 1 and typed["t"].null_count == 1  # NULL stays null


def test_a_chunk_that_does_not_fit_its_types_is_read_from_the_tuples(conn, monkeypatch) -> None:
    conn.exec_driver_sql("INSERT INTO r (n, x, t, b) VALUES (5, 1.0, 'z', 1), (NULL, 1.0, 'z', 1)")
    monkeypatch.setattr(sqlite_arrow, "CHUNK_ROWS", 3)
    typed, tuples = _chunks(conn, TYPES), _chunks(conn)
    assert len(typed) == len(tuples) == 2
    assert all(a.equals(b) for a, b in zip(typed, tuples, strict=True))
    assert typed[1]["n"].null_count == 1  # the NULL integer: not a number NumPy made up
