"""The original files of submissions: kept byte for byte, compressed cheaply by PostgreSQL."""

from __future__ import annotations

import os

import pytest
from submission_log import logged

from registry.db.engine import make_engine
from registry.submissions.records import FILE_CHUNK, _has_lz4, file_chunks


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


def test_a_file_comes_back_byte_for_byte(engine, tmp_path) -> None:
    row = b"dataflow,MOSY:DF_THB_VICTIMS(1.0.0),I,A,PT,NREM,PER_VICT,F,TOTAL,_T,2020,12,A\r\n"
    # compressible text, then bytes that are not, across more than two chunks
    content = row * (2 * FILE_CHUNK // len(row)) + os.urandom(FILE_CHUNK // 2)
    pk = logged(engine, tmp_path, content=content)
    assert b"".join(file_chunks(engine, pk)) == content


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)  # TOAST is PostgreSQL's
def test_postgresql_keeps_the_chunks_with_lz4(engine, tmp_path) -> None:
    assert engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if not _has_lz4(conn):
            pytest.skip("this PostgreSQL was built without lz4")
        server_default = conn.exec_driver_sql("SHOW default_toast_compression").scalar()
    content = b"dataflow,MOSY:DF_THB_VICTIMS(1.0.0),I,A,PT,NREM,2020,12\n" * 60_000
    pk = logged(engine, tmp_path, content=content)
    with engine.connect() as conn:
        methods = conn.exec_driver_sql(
            "SELECT DISTINCT pg_column_compression(content) FROM submission_files "
            f"WHERE submission_pk = {pk}"
        ).all()
        # the setting was the transaction's own: the next one has the server's default
        default = conn.exec_driver_sql("SHOW default_toast_compression").scalar()
    assert [m for (m,) in methods] == ["lz4"]
    assert default == server_default
    assert b"".join(file_chunks(engine, pk)) == content
