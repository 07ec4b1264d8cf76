"""Publication: each release recomputes the public flows of the keys it touched, on both DBs."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from publication_data import CONFIDENTIAL, KEY, sensitive_victims
from registry_data import load, victims
from sqlalchemy import select

from mosy_sdmx.indicators import population
from registry.db.tables import data_loads, data_series, disclosure_audit, observations
from registry.publication.frames import current_frame
from registry.publication.publish import publish_pending, publish_release
from registry.publication.releases import PENDING, PUBLISHED, get_release, list_releases
from registry.store.observations import FlowRef

PUB = "DF_THB_VICTIMS_PUB"
RATES = "DF_THB_RATES_PUB"


def _public(engine, structures, flow: str, provider: str = "AT_MOI") -> pd.DataFrame:
    layout = structures.layout(flow)
    with engine.connect() as conn:
        return current_frame(conn, FlowRef.of_layout(layout), provider, layout)


def _at(frame: pd.DataFrame, cell: pd.Series) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column in [*KEY, "TIME_PERIOD"]:
        mask &= (frame[column].astype(str) == str(cell[column])).to_numpy()
    return frame[mask]


def test_a_load_publishes_protected_data_rates_and_an_audit(store, tmp_path) -> None:
    engine, structures = store
    data, sensitive = sensitive_victims(victims(structures, "AT_MOI"))
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        assert [r.status for r in list_releases(conn, status=None)] == [PENDING]
    assert len(publish_pending(engine)) == 1

    public = _public(engine, structures, PUB)
    assert len(public) == len(data.data)  # every cell, hidden ones flagged
    for _, cell in sensitive.iterrows():
        row = _at(public, cell)
        assert len(row) == 1 and np.isnan(row["OBS_VALUE"].iloc[0]), cell.to_dict()
        assert (row["OBS_STATUS"].iloc[0], row["CONF_STATUS"].iloc[0]) == ("Q", "C")
    shown = pd.to_numeric(public["OBS_VALUE"], errors="coerce")
    assert not shown.isin(sensitive["OBS_VALUE"].to_list()).any()
    assert set(public["CONF_STATUS"]) <= {"F", "C"}

    with engine.connect() as conn:
        audit = pd.DataFrame(conn.execute(select(disclosure_audit)).mappings().all())
    assert {"confidential", "primary"} <= set(audit["reason"])
    confidential = audit[audit["reason"] == "confidential"]
    assert CONFIDENTIAL in set(confidential["raw_value"]) and audit["current"].all()
    layout = structures.layout("DF_THB_VICTIMS")
    series_keys = set(data.data[list(layout.dimensions)].astype(str).agg(".".join, axis=1))
    assert set(audit["series_key"]) <= series_keys  # the cells' dimension values, dotted
    for table_key, series_key, period in audit[["table_key", "series_key", "period"]].itertuples(
        index=False
    ):
        assert set(table_key.split(".")) <= {*series_key.split("."), period}

    rates = _public(engine, structures, RATES)
    raw = data.data
    totals = raw[
        (raw.SEX == "T") & (raw.AGE == "TOTAL") & (raw.CITIZEN == "TOTAL")
        & (raw.EXPLOIT == "_T") & (raw.PERS_STAT == "PER_VICT")
    ]  # fmt: skip
    assert len(rates) == len(totals) == 10
    people = population(["AT"]).set_index("TIME_PERIOD")["POPULATION"]
    for _, rate in rates.iterrows():
        year = totals["TIME_PERIOD"].astype(str).to_numpy() == rate["TIME_PERIOD"]
        count = totals["OBS_VALUE"].to_numpy()[year][0]
        if rate["TIME_PERIOD"] in people.index:
            want = round(count / people[rate["TIME_PERIOD"]] * 1e6, 1)
            assert rate["OBS_VALUE"] == pytest.approx(want)


def test_a_rate_is_withheld_where_its_count_is_hidden(store, tmp_path) -> None:
    engine, structures = store
    data = victims(structures, "AT_MOI")
    frame = data.data.copy()
    frame["CONF_STATUS"] = frame["CONF_STATUS"].astype(object)
    total = (
        (frame.SEX == "T") & (frame.AGE == "TOTAL") & (frame.CITIZEN == "TOTAL")
        & (frame.EXPLOIT == "_T") & (frame.PERS_STAT == "PER_VICT")
        & (frame.TIME_PERIOD.astype(str) == "2019")
    )  # fmt: skip
    frame.loc[total, "CONF_STATUS"] = "C"
    load(engine, structures, data.with_data(frame), tmp_path, provider="AT_MOI")
    publish_pending(engine)
    rates = _public(engine, structures, RATES).set_index("TIME_PERIOD")
    assert np.isnan(rates.loc["2019", "OBS_VALUE"]) and rates.loc["2019", "OBS_STATUS"] == "Q"
    assert rates.drop("2019")["OBS_VALUE"].notna().sum() >= 8


def test_a_release_recomputes_only_the_tables_it_touched(store, tmp_path) -> None:
    engine, structures = store
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    publish_pending(engine)
    frame = data.data.copy()
    year = frame["TIME_PERIOD"].astype(str) == "2020"
    frame.loc[year, "OBS_VALUE"] = frame.loc[year, "OBS_VALUE"] * 2
    load(engine, structures, data.with_data(frame[year]), tmp_path, provider="AT_MOI")
    [pk] = publish_pending(engine)
    with engine.connect() as conn:
        release = get_release(conn, pk)
        loads = release.public_changes[PUB]["loads"]
        periods = set(
            conn.execute(
                select(observations.c.period).where(observations.c.created_load.in_(loads))
            ).scalars()
        )
        sources = set(
            conn.execute(select(data_loads.c.source).where(data_loads.c.pk.in_(loads))).scalars()
        )
    assert release.kind == "revision" and release.summary["tables"] == 1
    assert periods == {"2020"} and sources == {f"release {pk}"}
    assert release.public_changes[PUB]["changed"] > 0
    public = _public(engine, structures, PUB)
    twice = public[public.TIME_PERIOD == "2020"]
    assert pd.to_numeric(twice["OBS_VALUE"]).max() == frame.loc[year, "OBS_VALUE"].max()


def test_deleted_raw_data_leaves_the_public_flows(store, tmp_path) -> None:
    engine, structures = store
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    publish_pending(engine)
    layout = structures.layout("DF_THB_VICTIMS")
    gone = data.data[data.data["TIME_PERIOD"].astype(str) == "2015"][layout.key_columns()]
    load(engine, structures, data.with_data(gone.reset_index(drop=True)), tmp_path,
         provider="AT_MOI", action="delete")  # fmt: skip
    publish_pending(engine)
    assert "2015" not in set(_public(engine, structures, PUB)["TIME_PERIOD"])
    assert "2015" not in set(_public(engine, structures, RATES)["TIME_PERIOD"])
    assert len(_public(engine, structures, PUB)) == len(data.data) - len(gone)


def test_a_release_is_published_once_whoever_tries(store, tmp_path) -> None:
    engine, structures = store
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    load(engine, structures, victims(structures, "BG_NREM"), tmp_path, provider="BG_NREM")
    done: list[list[int]] = []
    workers = [
        threading.Thread(target=lambda: done.append(publish_pending(engine))) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    published = sorted(pk for part in done for pk in part)
    with engine.connect() as conn:
        everything = [r.pk for r in list_releases(conn, status=PUBLISHED)]
        assert not publish_release(engine, published[0])
        public_loads = conn.execute(
            select(data_loads.c.pk).where(data_loads.c.actor == "publication")
        ).all()
    assert published == sorted(everything) and len(published) == 2
    assert len(public_loads) == 4  # per release: the public flow and the rates, once


def test_a_load_while_a_release_is_protected_is_seen_before_anything_is_written(
    store, tmp_path, monkeypatch
) -> None:
    """Protection runs outside the writing transaction; a load in between is not lost."""
    from registry.publication import publish

    engine, structures = store
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        (first,) = [r.pk for r in list_releases(conn, status=PENDING)]
    layout = structures.layout("DF_THB_VICTIMS")
    gone = data.data[data.data["TIME_PERIOD"].astype(str) == "2015"][layout.key_columns()]
    prepare = publish._prepare
    calls = []

    def prepare_then_load(conn, release, *args):
        prepared = prepare(conn, release, *args)
        if not calls:  # the snapshot is taken: another submission deletes 2015 meanwhile
            load(engine, structures, data.with_data(gone.reset_index(drop=True)), tmp_path,
                 provider="AT_MOI", action="delete")  # fmt: skip
        calls.append(release.pk)
        return prepared

    monkeypatch.setattr(publish, "_prepare", prepare_then_load)
    assert publish_release(engine, first)
    assert calls == [first, first]  # worked out again under the lock
    assert "2015" not in set(_public(engine, structures, PUB)["TIME_PERIOD"])
    assert "2015" not in set(_public(engine, structures, RATES)["TIME_PERIOD"])
    monkeypatch.setattr(publish, "_prepare", prepare)
    assert publish_pending(engine)  # the deletion's own release
    assert "2015" not in set(_public(engine, structures, PUB)["TIME_PERIOD"])


def test_a_release_being_protected_elsewhere_is_left_alone(store, tmp_path) -> None:
    from registry.publication import publish

    engine, structures = store
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        (pk,) = [r.pk for r in list_releases(conn, status=PENDING)]
    assert publish._lease(engine, pk)  # another process took it
    assert publish_pending(engine) == []
    assert not publish_release(engine, pk)
    with engine.connect() as conn:
        assert get_release(conn, pk).status == PENDING


def test_protect_reads_rows_by_series_then_period_whatever_the_query_plan(store, tmp_path) -> None:
    """Secondary suppression breaks ties by row: the frame it reads has one stated order
    (series number, then period) on both databases, revised rows included."""
    engine, structures = store
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    frame = data.data.copy()
    year = frame["TIME_PERIOD"].astype(str) == "2020"
    frame.loc[year, "OBS_VALUE"] = frame.loc[year, "OBS_VALUE"] * 2
    load(engine, structures, data.with_data(frame[year]), tmp_path, provider="AT_MOI")
    layout = structures.layout("DF_THB_VICTIMS")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        read = current_frame(conn, FlowRef.of_layout(layout), "AT_MOI", layout)
        numbers = dict(conn.execute(select(data_series.c.series_key, data_series.c.pk)).all())
    assert len(read) == len(data.data)
    keys = read[list(layout.dimensions)].astype(str).agg(".".join, axis=1)
    order = pd.DataFrame({"series": keys.map(numbers), "period": read["TIME_PERIOD"].astype(str)})
    assert order.equals(order.sort_values(["series", "period"]))


def test_a_big_publication_refreshes_statistics_after_it_is_published(
    store, tmp_path, monkeypatch
) -> None:
    """Harvesters see the release without waiting for ANALYZE; a failing ANALYZE is logged,
    and the release stays published."""
    from registry.publication import publish
    from registry.store import observations as store_module

    engine, structures = store
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    seen, inside = [], []
    monkeypatch.setattr(publish, "ANALYZE_ROWS", 1)
    monkeypatch.setattr(store_module, "_analyze", lambda conn: inside.append(1))

    def analyze(engine_) -> None:
        with engine_.connect() as conn:
            seen.append([r.status for r in list_releases(conn, status=None)])
        raise RuntimeError("statistics unavailable")

    monkeypatch.setattr(publish, "analyze", analyze)
    assert len(publish_pending(engine)) == 1
    assert seen == [[PUBLISHED]] and not inside  # after the commit, not in the transaction
    with engine.connect() as conn:
        assert [r.status for r in list_releases(conn, status=None)] == [PUBLISHED]


def test_a_release_s_lease_is_renewed_while_it_is_protected(store, tmp_path, monkeypatch) -> None:
    """The holder keeps its short lease alive: a slow protection is not taken up
    by a second process half-way, however long it takes."""
    from registry.publication import publish

    engine, structures = store
    # A renewal is a short write; on a busy disk it may take a good part of a second.
    monkeypatch.setattr(publish, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(publish, "RENEW", timedelta(seconds=0.1))
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        (pk,) = [r.pk for r in list_releases(conn, status=PENDING)]
    prepare = publish._prepare
    seen = []

    def slow_prepare(conn, release, *args):
        time.sleep(4.5)  # more than two leases
        seen.append(publish._lease(engine, pk))  # what another process would get
        return prepare(conn, release, *args)

    monkeypatch.setattr(publish, "_prepare", slow_prepare)
    assert publish_release(engine, pk)
    assert seen == [False]
    with engine.connect() as conn:
        assert get_release(conn, pk).status == PUBLISHED


def test_a_release_whose_holder_died_is_published_once_its_lease_runs_out(
    store, tmp_path, monkeypatch
) -> None:
    from registry.publication import publish

    engine, structures = store
    monkeypatch.setattr(publish, "LEASE", timedelta(seconds=1))
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        (pk,) = [r.pk for r in list_releases(conn, status=PENDING)]
    assert publish._lease(engine, pk)  # a process took it, then died: no renewal
    assert publish_pending(engine) == []
    time.sleep(1.2)
    assert publish_pending(engine) == [pk]
    with engine.connect() as conn:
        assert get_release(conn, pk).status == PUBLISHED
