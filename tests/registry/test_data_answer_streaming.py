"""A data answer over a dataflow written as many loads (publication writes one per release,
each revising earlier ones) still streams: the rows it holds at once stay one chunk's."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from registry_data import FLOW, TESTER, victims

from mosy_sdmx.dataset import Action
from mosy_sdmx.rest.data import bind, parse_data_query
from registry.data_answers import _frames
from registry.db.engine import make_engine
from registry.store import data_queries, sqlite_arrow
from registry.store.data_queries import AttributeSets, resolve
from registry.store.observations import FlowRef, store_dataset
from registry.store.series_keys import SeriesKeys
from registry.store.structures import StructureCache

#: Chunk sizes made small, so a few hundred rows make many chunks: SQLite reads
#: CHUNK_ROWS rows at a time, PostgreSQL's COPY about _COPY_BYTES (one CSV row of
#: these observations is more than 20 bytes, so a chunk holds about 20 rows or fewer).
ROWS_PER_CHUNK = 20
COPY_BYTES = 512


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


def _many_loads(engine, structures) -> int:
    """The provider's data as one load per year, then each year revised: the current rows."""
    layout = structures.layout(FLOW)
    frame = victims(structures, "AT_MOI").data
    for revision in range(2):
        for _, year in frame.groupby("TIME_PERIOD", sort=True):
            rows = year.reset_index(drop=True).copy()
            if revision:
                rows["OBS_VALUE"] = pd.to_numeric(rows["OBS_VALUE"]) + 1
            data = victims(structures, "AT_MOI").with_data(rows)
            with engine.begin() as conn:
                store_dataset(
                    conn, data, layout=layout, provider="AT_MOI", action=Action.REPLACE,
                    actor=TESTER,
                )  # fmt: skip
    return len(frame)


def test_an_answer_over_many_loads_holds_one_chunk_at_a_time(engine, monkeypatch) -> None:
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    current = _many_loads(engine, structures)
    with engine.connect() as conn:
        loads = conn.execute(sa.text("SELECT count(*) FROM data_loads")).scalar_one()
        versions = conn.execute(sa.text("SELECT count(*) FROM observations")).scalar_one()
    assert loads >= 10 and versions == 2 * current
    monkeypatch.setattr(sqlite_arrow, "CHUNK_ROWS", ROWS_PER_CHUNK)
    monkeypatch.setattr(data_queries, "_COPY_BYTES", COPY_BYTES)
    layout = structures.layout(FLOW)
    query = parse_data_query(
        "v2", context="dataflow", agency="MOSY", resource_id=FLOW, version="1.0.0", key="*",
        params={},
    )  # fmt: skip
    with engine.connect() as conn:
        selection = resolve(conn, bind(query, layout), FlowRef.of_layout(layout), with_series=False)
    sizes = []
    values = []
    for _, chunk in _frames(engine, selection, AttributeSets(), SeriesKeys()):
        sizes.append(len(chunk))
        values.append(pd.to_numeric(chunk["OBS_VALUE"]))
    assert sum(sizes) == current  # the current versions only, each once
    assert len(sizes) >= current // (2 * ROWS_PER_CHUNK)
    assert max(sizes) <= 2 * ROWS_PER_CHUNK, sizes
    revised = victims(structures, "AT_MOI").data
    assert pd.concat(values).sum() == pytest.approx(
        pd.to_numeric(revised["OBS_VALUE"]).sum() + current
    )
