"""The observation store: Replace, Append and Delete as versions; atomic loads; both databases."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from registry_data import FLOW, TESTER, load, victims, write

from mosy_sdmx.dataset import Action
from registry.db.engine import make_engine
from registry.loading import load_file
from registry.store import observations as store
from registry.store.observations import FlowRef
from registry.store.revisions import get_revision
from registry.store.structures import StructureCache

SCOPE = FlowRef("MOSY", FLOW, "1.0.0").scope


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def structures(engine):
    with engine.connect() as conn:
        return StructureCache().get(conn).structures


def _rows(engine, where: str = "1=1") -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM observations WHERE {where}")).scalar()


def _current(engine) -> pd.DataFrame:
    sql = """SELECT s.series_key, o.period, o.value, a.content AS attrs
             FROM observations o JOIN data_series s ON s.pk = o.series_pk
             LEFT JOIN data_attrsets a ON a.pk = o.attrset_pk
             WHERE o.replaced_load IS NULL AND NOT o.deleted"""
    with engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(sa.text(sql)).all(), columns=["key", "period", "value", "attrs"]
        )
    return frame.sort_values(["key", "period"]).reset_index(drop=True)


def test_replace_stores_every_observation_and_the_same_file_again_changes_nothing(
    engine, structures, tmp_path
) -> None:
    data = victims(structures, "AT_MOI")
    first = load(engine, structures, data, tmp_path, provider="AT_MOI").result
    assert (first.added, first.changed, first.deleted) == (len(data.data), 0, 0)
    with engine.connect() as conn:
        revision = get_revision(conn, SCOPE)
    again = load(engine, structures, data, tmp_path, provider="AT_MOI").result
    assert (again.added, again.changed, again.unchanged) == (0, 0, len(data.data))
    with engine.connect() as conn:
        assert get_revision(conn, SCOPE) == revision  # nothing changed: same ETag
    current = _current(engine)
    assert len(current) == len(data.data) == _rows(engine)
    stored = dict(zip(current["key"] + "/" + current["period"], current["value"], strict=True))
    key = data.data.iloc[0]
    series_key = ".".join(str(key[d]) for d in structures.layout(FLOW).dimensions)
    assert stored[f"{series_key}/{key['TIME_PERIOD']}"] == key["OBS_VALUE"]


def test_replace_writes_versions_for_what_changed_only(engine, structures, tmp_path) -> None:
    data = victims(structures, "AT_MOI")
    first = load(engine, structures, data, tmp_path, provider="AT_MOI").result
    changed = data.data.copy()
    year = (changed["TIME_PERIOD"] == "2015").to_numpy()
    changed.loc[year, "OBS_VALUE"] *= 2  # totals and parts alike: still additive
    changed["OBS_STATUS"] = changed["OBS_STATUS"].cat.add_categories(["P"])
    last = len(changed) - 1
    assert not year[last]
    changed.loc[last, "OBS_STATUS"] = "P"
    n = int(year.sum()) + 1
    second = load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI").result
    assert (second.added, second.changed, second.unchanged) == (0, n, len(changed) - n)
    assert second.at > first.at
    assert _rows(engine) == len(changed) + n
    assert _rows(engine, f"replaced_load = {second.load_pk}") == n
    current = _current(engine)
    assert len(current) == len(changed)
    assert (current["attrs"].str.contains('"OBS_STATUS":"P"')).sum() == 1


def test_append_adds_new_observations_and_never_overwrites(engine, structures, tmp_path) -> None:
    data = victims(structures, "AT_MOI")
    half = data.with_data(data.data.iloc[: len(data.data) // 2].reset_index(drop=True))
    load(engine, structures, half, tmp_path, provider="AT_MOI")
    altered = data.data.copy()
    altered["OBS_VALUE"] = altered["OBS_VALUE"] * 1000
    result = load(
        engine, structures, data.with_data(altered), tmp_path, provider="AT_MOI", action="append"
    ).result
    assert result.action is Action.APPEND
    assert result.added == len(data.data) - len(half.data) and result.changed == 0
    current = _current(engine)
    assert len(current) == len(data.data)
    assert current["value"].sum() == half.data["OBS_VALUE"].sum() + 1000 * (
        data.data["OBS_VALUE"].sum() - half.data["OBS_VALUE"].sum()
    )


def test_delete_observations_attributes_and_whole_series(engine, structures, tmp_path) -> None:
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    layout = structures.layout(FLOW)
    frame = data.data
    one = frame.iloc[[0]][[*layout.key_columns()]].reset_index(drop=True)
    result = load(
        engine, structures, data.with_data(one), tmp_path, provider="AT_MOI", action="delete"
    ).result
    assert result.deleted == 1
    assert _rows(engine, "deleted") == 1 and len(_current(engine)) == len(frame) - 1
    # attributes only: the observation stays, without them
    row = frame.iloc[[1]][[*layout.key_columns(), "OBS_STATUS"]].reset_index(drop=True)
    result = load(
        engine, structures, data.with_data(row), tmp_path, provider="AT_MOI", action="delete"
    ).result
    assert (result.deleted, result.changed) == (0, 1)
    assert (~_current(engine)["attrs"].str.contains("OBS_STATUS")).sum() == 1
    # a whole series: key without period
    series = frame.iloc[[10]][list(layout.dimensions)].reset_index(drop=True)
    series["TIME_PERIOD"] = np.nan
    key = ".".join(str(series.iloc[0][d]) for d in layout.dimensions)
    in_series = (_current(engine)["key"] == key).sum()
    result = load(
        engine, structures, data.with_data(series), tmp_path, provider="AT_MOI", action="delete"
    ).result
    assert result.deleted == in_series > 1
    assert (_current(engine)["key"] == key).sum() == 0


def test_rejected_data_stores_nothing_and_reports(engine, structures, tmp_path) -> None:
    data = victims(structures, "AT_MOI")
    bad = data.data.copy()
    bad["SEX"] = bad["SEX"].cat.add_categories(["X"])
    bad.loc[3, "SEX"] = "X"
    path = write(data.with_data(bad), structures, tmp_path / "bad.csv")
    outcome = load_file(
        engine, path, flow=FLOW, provider="AT_MOI", actor=TESTER, structures=structures
    )
    assert not outcome.accepted and "unknown-code" in outcome.report.codes()
    assert _rows(engine) == 0
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("not,sdmx\n1,2\n")
    outcome = load_file(
        engine, garbage, flow=FLOW, provider="AT_MOI", actor=TESTER, structures=structures
    )
    assert outcome.report.unusable and _rows(engine) == 0


def test_a_load_failing_half_way_leaves_the_store_as_it_was(
    engine, structures, tmp_path, monkeypatch
) -> None:
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    before = _current(engine)
    with engine.connect() as conn:
        revision = get_revision(conn, SCOPE)
        loads = conn.execute(sa.text("SELECT count(*) FROM data_loads")).scalar()
    writer = "_copy_into" if engine.dialect.name == "postgresql" else "_executemany_into"
    real = getattr(store, writer)

    def half_then_fail(conn, table):
        real(conn, table.slice(0, len(table) // 2))
        raise RuntimeError("disk full at row 900,000")

    monkeypatch.setattr(store, writer, half_then_fail)
    changed = data.data.copy()
    changed["OBS_VALUE"] *= 3
    with pytest.raises(RuntimeError, match="disk full"):
        load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI")
    pd.testing.assert_frame_equal(_current(engine), before)
    with engine.connect() as conn:
        assert get_revision(conn, SCOPE) == revision
        assert conn.execute(sa.text("SELECT count(*) FROM data_loads")).scalar() == loads


def test_a_killed_process_leaves_the_store_as_it_was(
    fresh_settings, engine, structures, tmp_path
) -> None:
    data = victims(structures, "AT_MOI")
    path = write(data, structures, tmp_path / "victims.csv")
    writer = "_copy_into" if engine.dialect.name == "postgresql" else "_executemany_into"
    script = textwrap.dedent(
        f"""
        import os, signal
        from registry.db.engine import make_engine
        from registry.loading import load_file
        from registry.store import observations as store
        from registry.store.changes import Actor
        real = store.{writer}
        def die(conn, table):
            real(conn, table.slice(0, len(table) // 2))
            os.kill(os.getpid(), signal.SIGKILL)
        store.{writer} = die
        engine = make_engine({fresh_settings.effective_database_url!r})
        load_file(engine, {str(path)!r}, flow={FLOW!r}, provider="AT_MOI", actor=Actor("t"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), timeout=120)
    assert done.returncode == -9
    assert _rows(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM data_loads")).scalar() == 0
    load(engine, structures, data, tmp_path, provider="AT_MOI")  # the store still takes loads
    assert _rows(engine) == len(data.data)


def test_providers_keep_their_own_observations(engine, structures, tmp_path) -> None:
    at = victims(structures, "AT_MOI")
    load(engine, structures, at, tmp_path, provider="AT_MOI")
    bg = victims(structures, "BG_NREM")
    load(engine, structures, bg, tmp_path, provider="BG_NREM")
    everything = victims(structures, "AT_MOI").data.iloc[:0]
    result = load(
        engine,
        structures,
        at.with_data(everything.reindex(range(1))),
        tmp_path,
        provider="AT_MOI",
        action="delete",
    ).result
    assert result.deleted == len(at.data)  # an empty delete row: all of AT_MOI's data
    assert len(_current(engine)) == len(bg.data)


def test_each_load_records_the_row_range_of_the_versions_it_wrote(
    engine, structures, tmp_path
) -> None:
    """``updatedAfter`` and publication find a load's versions by this range."""
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    changed = data.data.copy()
    year = (changed["TIME_PERIOD"] == "2015").to_numpy()
    changed.loc[year, "OBS_VALUE"] *= 2  # totals and parts alike: still additive
    load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI")
    load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI")  # no change
    sql = """SELECT l.pk, l.first_obs, l.last_obs, min(o.pk), max(o.pk), count(o.pk)
             FROM data_loads l LEFT JOIN observations o ON o.created_load = l.pk
             GROUP BY l.pk, l.first_obs, l.last_obs ORDER BY l.pk"""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    assert [r[5] for r in rows] == [len(data.data), int(year.sum()), 0]
    for _, first, last, low, high, _n in rows:
        assert (first, last) == (low, high)


def test_deleting_whole_observations_by_key_does_what_the_general_path_does(
    engine, structures, monkeypatch
) -> None:
    """Rows naming whole observations are deleted column-wise; the result (counts, the
    tombstones and their order) is the general per-pattern path's, edge cases included."""
    data = victims(structures, "AT_MOI")
    layout = structures.layout(FLOW)
    keys = layout.key_columns()
    frame = data.data
    rows = frame.iloc[[5, 0, 7, 5, 3]][keys].astype(str).reset_index(drop=True)  # 5 twice
    padded = frame.iloc[[9]][keys].astype(str).reset_index(drop=True)
    padded["TIME_PERIOD"] = " " + padded["TIME_PERIOD"] + " "  # the same cell as row 9 below
    absent = frame.iloc[[2]][keys].astype(str).reset_index(drop=True)
    absent["TIME_PERIOD"] = "1901"  # no such observation
    again = frame.iloc[[9, 0]][keys].astype(str).reset_index(drop=True)  # 9 padded above; 0 twice
    deletion = pd.concat([rows, padded, absent, again], ignore_index=True)
    first = frame.iloc[[11]][keys].astype(str).reset_index(drop=True)  # deleted beforehand

    def run(provider: str) -> tuple:
        with engine.begin() as conn:
            store.store_dataset(conn, data, layout=layout, provider=provider, actor=TESTER)
            store.store_dataset(conn, data.with_data(first), layout=layout, provider=provider,
                                action=Action.DELETE, actor=TESTER)  # fmt: skip
            result = store.store_dataset(
                conn,
                data.with_data(pd.concat([deletion, first], ignore_index=True)),
                layout=layout,
                provider=provider,
                action=Action.DELETE,
                actor=TESTER,
            )
            tombstones = conn.execute(
                sa.text(
                    "SELECT s.series_key, o.period FROM observations o JOIN data_series s "
                    "ON s.pk = o.series_pk WHERE o.created_load = :load ORDER BY o.pk"
                ),
                {"load": result.load_pk},
            ).all()
        return (result.deleted, result.changed, result.unchanged), [tuple(t) for t in tombstones]

    column_wise = run("AT_MOI")
    monkeypatch.setattr(store, "_whole_keys", lambda *args: False)
    general = run("BG_NREM")
    assert column_wise == general
    # 5, 0, 7, 3 and (padded) 9 deleted; 1901, 9 again (its cell deleted) and 11 unchanged
    assert column_wise[0] == (5, 0, 3)


def test_bulk_rows_with_one_text_in_every_row_are_stored_as_sent(engine) -> None:
    """A column holding one value throughout is written into the statement (SQLite), quotes
    and all; a NUL, which no SQL literal holds, is still bound."""
    import pyarrow as pa

    texts = ["it's \\'x\\'", "a\x00b"]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE bulk_texts (n INTEGER, same TEXT, other TEXT)")
        for same in texts:
            rows = pa.table(
                {
                    "n": pa.array([1, 2, 3], pa.int64()),
                    "same": pa.array([same] * 3, pa.string()),
                    "other": pa.array(["o"] * 3, pa.string()),
                }
            )
            if engine.dialect.name == "postgresql" and "\x00" in same:
                continue  # PostgreSQL text holds no NUL at all
            store.bulk_insert(conn, "bulk_texts", rows)
            stored = conn.exec_driver_sql("SELECT n, same, other FROM bulk_texts ORDER BY n").all()
            assert [tuple(r) for r in stored] == [(n, same, "o") for n in (1, 2, 3)]
            conn.exec_driver_sql("DELETE FROM bulk_texts")
            store.bulk_insert(conn, "bulk_texts", rows.slice(0, 1))  # every column constant
            stored = conn.exec_driver_sql("SELECT n, same, other FROM bulk_texts").all()
            assert [tuple(r) for r in stored] == [(1, same, "o")]
            conn.exec_driver_sql("DELETE FROM bulk_texts")


def test_versions_are_written_in_the_order_of_the_current_index(
    engine, structures, tmp_path
) -> None:
    """Rows go in as ``uq_observations_current`` orders them (series by key, then period),
    whatever the file's order: each index grows at its end, not at random pages."""
    data = victims(structures, "AT_MOI")
    shuffled = data.data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert not shuffled["TIME_PERIOD"].is_monotonic_increasing
    load(engine, structures, data.with_data(shuffled), tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        versions = conn.execute(
            sa.text("SELECT series_pk, period_start FROM observations ORDER BY pk")
        ).all()
        series = conn.execute(sa.text("SELECT series_key FROM data_series ORDER BY pk")).all()
    assert len(versions) == len(data.data)
    assert versions == sorted(versions)
    keys = [row[0] for row in series]
    assert keys == sorted(keys)
    # the data is the file's, whatever order it went in
    expected = data.data.assign(TIME_PERIOD=data.data["TIME_PERIOD"].astype(str))
    assert len(_current(engine)) == len(expected)
    changed = shuffled.copy()
    changed["OBS_VALUE"] = changed["OBS_VALUE"] * 2  # totals and parts alike: still additive
    result = load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI").result
    assert result.changed == len(data.data)
    with engine.connect() as conn:
        second = conn.execute(
            sa.text(
                "SELECT series_pk, period_start FROM observations WHERE created_load = :l "
                "ORDER BY pk"
            ),
            {"l": result.load_pk},
        ).all()
    assert second == sorted(second) and len(second) == len(data.data)
