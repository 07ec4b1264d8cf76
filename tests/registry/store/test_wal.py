"""A large write's SQLite checkpoint runs after its commit, in the background; nothing else
about the transaction changes (both databases)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.db.engine import make_engine
from registry.store import wal

#: More than ``wal_autocheckpoint``'s 1000 pages of 4 KiB.
BIG = 6 << 20


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    blob = "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE wal_probe (pk INTEGER PRIMARY KEY, content {blob})")
    yield engine
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE wal_probe")
    engine.dispose()


def _write(conn, pk: int) -> None:
    blob = os.urandom(BIG)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("INSERT INTO wal_probe VALUES (%s, %s)", (pk, blob))
    else:
        conn.exec_driver_sql("INSERT INTO wal_probe VALUES (?, ?)", (pk, blob))


def _rows(engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT pk FROM wal_probe ORDER BY pk")]


def test_a_write_transaction_commits_or_rolls_back_as_begin_does(engine) -> None:
    with wal.write_transaction(engine) as conn:
        _write(conn, 1)
    with pytest.raises(RuntimeError), wal.write_transaction(engine) as conn:
        _write(conn, 2)
        raise RuntimeError("half-way")
    assert _rows(engine) == [1]


def _checkpointed(database: Path, tmp_path: Path) -> list[int]:
    """The rows the database file itself holds, without its WAL: what was checkpointed.

    Copying opens and closes the file outside SQLite, which drops every POSIX
    lock this process holds on it: only ever done to this test's own database.
    """
    copy = tmp_path / f"copy-{len(list(tmp_path.glob('copy-*')))}.sqlite3"
    shutil.copyfile(database, copy)
    with closing(sqlite3.connect(copy)) as conn:
        return [r[0] for r in conn.execute("SELECT pk FROM wal_probe ORDER BY pk")]


def test_sqlite_checkpoints_after_the_commit_not_in_it(monkeypatch, tmp_path) -> None:
    database = tmp_path / "wal.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE wal_probe (pk INTEGER PRIMARY KEY, content BLOB)")
        with engine.connect() as conn:  # the table in the database file itself
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        later: list[sa.Engine] = []
        monkeypatch.setattr(wal, "checkpoint_later", later.append)
        with wal.write_transaction(engine) as conn:
            _write(conn, 1)
        # committed (another connection sees it) but only in the WAL so far
        assert _rows(engine) == [1]
        assert _checkpointed(database, tmp_path) == []
        assert later == [engine]
        monkeypatch.undo()
        wal.checkpoint_later(engine).join(timeout=60)
        assert _checkpointed(database, tmp_path) == [1]
        # a plain transaction of the same size checkpoints in its commit: the difference
        with engine.begin() as conn:
            _write(conn, 2)
        assert _checkpointed(database, tmp_path) == [1, 2]
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)  # the WAL is SQLite's
def test_sqlite_connections_go_back_to_the_pool_as_they_came(engine) -> None:
    assert engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    for fail in (False, True):
        try:
            with wal.write_transaction(engine) as conn:
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
                if fail:
                    raise RuntimeError("half-way")
        except RuntimeError:
            pass
        with engine.connect() as conn:  # the pool gives back the same connection
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == before
