"""The shipped population table: real figures, each with its source, gaps left open."""

from __future__ import annotations

import pandas as pd

from mosy_sdmx.indicators import population, population_sources
from mosy_sdmx.structures import builtin_structures


def test_one_figure_per_country_and_year_for_codes_of_cl_geo() -> None:
    table = population()
    assert list(table.columns) == ["REF_AREA", "TIME_PERIOD", "POPULATION", "OBS_FLAG", "SOURCE"]
    geo = set(builtin_structures().codelist("CL_GEO").items)
    assert set(table["REF_AREA"]) <= geo
    assert not table.duplicated(["REF_AREA", "TIME_PERIOD"]).any()
    years = table["TIME_PERIOD"].astype(int)
    assert years.min() == 2008 and years.max() <= 2025
    assert table["TIME_PERIOD"].str.fullmatch(r"\d{4}").all()
    assert table["POPULATION"].dtype == "int64" and (table["POPULATION"] > 30_000).all()
    flags = table["OBS_FLAG"].dropna()
    assert flags.str.fullmatch(r"[bep]+").all()


def test_every_row_names_a_described_source() -> None:
    sources = population_sources()
    assert {"SOURCE", "PUBLISHER", "RELEASE", "COPY_READ"} <= set(sources.columns)
    assert not sources["SOURCE"].duplicated().any()
    assert set(population()["SOURCE"]) == set(sources["SOURCE"])
    assert (sources["PUBLISHER"] == "Eurostat").all()


def test_published_figures_as_their_sources_give_them() -> None:
    # Spot checks against the releases named in sources.csv.
    figures = population().set_index(["REF_AREA", "TIME_PERIOD"])["POPULATION"]
    assert figures[("EL", "2011")] == 11_123_392  # tps00001, extraction of 01/12/22
    assert figures[("PT", "2023")] == 10_516_621  # demo_gind, 2025 release
    assert figures[("DE", "2024")] == 83_445_000  # published rounded for Germany
    assert figures[("EU27_2020", "2022")] == 446_828_803


def test_gaps_stay_gaps() -> None:
    # No figure verified: left out, never filled in from neighbouring years.
    keys = set(zip(population()["REF_AREA"], population()["TIME_PERIOD"], strict=True))
    assert ("MT", "2024") not in keys  # the two copies disagree
    assert ("GE", "2013") not in keys  # Eurostat has none
    assert ("UK", "2021") not in keys  # Eurostat's series ends in 2020
    assert ("MT", "2023") in keys and ("GE", "2014") in keys


def test_filters_and_fresh_copies() -> None:
    part = population(["PT", "EL"], [2022, "2023"])
    assert sorted(zip(part["REF_AREA"], part["TIME_PERIOD"], strict=True)) == [
        ("EL", "2022"),
        ("EL", "2023"),
        ("PT", "2022"),
        ("PT", "2023"),
    ]
    part.loc[:, "POPULATION"] = 0
    assert (population(["PT"], [2022])["POPULATION"] > 0).all()
    assert isinstance(population(), pd.DataFrame) and len(population([])) == 0
