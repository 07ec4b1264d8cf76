"""The read path of data answers: Arrow rows, series keys kept per process, both databases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from registry_data import FLOW, load, victims

from mosy_sdmx.rest.data import bind, parse_data_query
from registry.db.engine import make_engine
from registry.store.data_queries import (
    iter_observation_rows,
    observation_statement,
    resolve,
    selection_batches,
)
from registry.store.observations import FlowRef
from registry.store.series_keys import SeriesKeys
from registry.store.structures import StructureCache


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def structures(engine):
    with engine.connect() as conn:
        return StructureCache().get(conn).structures


def _selection(engine, structures, key: str = "*", **params: str):
    layout = structures.layout(FLOW)
    query = parse_data_query(
        "v2",
        context="dataflow",
        agency="MOSY",
        resource_id=FLOW,
        version="1.0.0",
        key=key,
        params=params,
    )
    with engine.connect() as conn:
        return resolve(conn, bind(query, layout), FlowRef.of_layout(layout), with_series=False)


def _stored(engine) -> pd.DataFrame:
    sql = """SELECT series_pk, period, value, value_text, attrset_pk FROM observations
             WHERE replaced_load IS NULL AND NOT deleted ORDER BY series_pk, period_start"""
    with engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(sa.text(sql)).all(),
            columns=["series_pk", "period", "value", "value_text", "attrset_pk"],
        )


def test_arrow_batches_hold_exactly_the_stored_versions(engine, structures, tmp_path) -> None:
    data = victims(structures, "AT_MOI")
    frame = data.data.copy()
    frame["OBS_VALUE"] = frame["OBS_VALUE"].astype(object)
    frame.loc[frame.index[:3], "OBS_VALUE"] = None  # missing values in the first rows
    frame["OBS_STATUS"] = frame["OBS_STATUS"].astype(object)
    frame.loc[frame.index[:3], "OBS_STATUS"] = "M"
    load(engine, structures, data.with_data(frame), tmp_path, provider="AT_MOI")
    selection = _selection(engine, structures)
    with engine.connect() as conn:
        tables = list(selection_batches(conn, selection))
    got = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    want = _stored(engine)
    assert len(got) == len(want) == len(frame)
    assert got["series_pk"].tolist() == want["series_pk"].tolist()
    assert got["period"].tolist() == want["period"].tolist()
    assert np.array_equal(got["value"].isna(), want["value"].isna())
    assert got["value"].isna().sum() >= 3
    assert np.allclose(got["value"].dropna(), want["value"].dropna())
    assert got["value_text"].isna().all() and not got["deleted"].any()
    assert (got["attrset_pk"] == want["attrset_pk"].fillna(-1)).all()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_sqlite_is_read_through_the_one_sqlite_library_of_the_process(
    engine, structures, tmp_path
) -> None:
    """Two builds of SQLite in one process (an Arrow driver bundles its own) do not
    see each other's locks on one WAL file: a read that overlapped a commit killed
    the server with SIGBUS. Only Python's own SQLite may be mapped after a read."""
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    selection = _selection(engine, structures)
    statement = observation_statement(selection, for_fetch=True)
    with engine.connect() as conn:
        rows = sum(len(frame) for frame in iter_observation_rows(conn, statement))
    assert rows > 0
    with open("/proc/self/maps") as maps:
        mapped = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "/" in line}
    sqlite_libraries = {n for n in mapped if "sqlite" in n.lower() and ".so" in n}
    assert sqlite_libraries, "Python's sqlite3 should be loaded"
    assert all(name.startswith(("libsqlite3", "_sqlite3")) for name in sqlite_libraries), (
        sqlite_libraries
    )


def test_sqlite_reader_sees_each_commit(engine, structures, tmp_path) -> None:
    """Pooled readers keep no snapshot between queries."""
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    selection = _selection(engine, structures)
    with engine.connect() as conn:
        before = sum(t.num_rows for t in selection_batches(conn, selection))
    load(engine, structures, victims(structures, "BG_NREM", seed=3), tmp_path, provider="BG_NREM")
    selection = _selection(engine, structures)
    with engine.connect() as conn:
        after = sum(t.num_rows for t in selection_batches(conn, selection))
    assert after > before


def test_series_keys_learn_new_series_and_give_their_codes(engine, structures, tmp_path) -> None:
    layout = structures.layout(FLOW)
    dims = list(layout.dimensions)
    first = victims(structures, "AT_MOI")
    load(engine, structures, first, tmp_path, provider="AT_MOI")
    keys = SeriesKeys()
    with engine.connect() as conn:
        flow_pk = conn.execute(sa.text("SELECT pk FROM data_flows")).scalar_one()
        pks = np.array(conn.execute(sa.text("SELECT pk FROM data_series")).scalars().all())
        known, positions = keys.of(conn, flow_pk, dims, pks[::-1])
    codes = pd.DataFrame(known.key_columns(positions, dims)).astype(str)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT pk, series_key FROM data_series")).all())
    assert [".".join(row) for row in codes.itertuples(index=False)] == [
        stored[int(pk)] for pk in pks[::-1]
    ]
    load(engine, structures, victims(structures, "BG_NREM", seed=3), tmp_path, provider="BG_NREM")
    with engine.connect() as conn:
        more = np.array(conn.execute(sa.text("SELECT pk FROM data_series")).scalars().all())
        assert len(more) > len(pks)
        known, positions = keys.of(conn, flow_pk, dims, more)
        assert (positions >= 0).all() and len(known.pks) == len(more)
        with pytest.raises(LookupError):
            keys.of(conn, flow_pk, dims, np.array([more.max() + 1000]))
