"""The dashboard's indicator tables: layout, the year and source chosen, suppressed cells."""

from __future__ import annotations

import pandas as pd
import pytest
from indicator_frames import dataset, hidden, obs

from mosy_sdmx.indicators import data_sources, indicator_series, indicator_tables


def victims_rows() -> list[dict]:
    return [
        obs("PT", 2022, 50),
        obs("PT", 2023, 80),
        obs("PT", 2023, 60, SEX="F"),
        obs("PT", 2023, 20, SEX="M"),
        hidden("PT", 2023, SEX="UNK"),
        obs("PT", 2023, 30, EXPLOIT="SEX"),
        obs("PT", 2023, 50, EXPLOIT="LAB"),
        obs("PT", 2023, 70, AGE="Y_GE18"),
        obs("PT", 2023, 10, AGE="Y_LT18"),
        obs("PT", 2023, 72, CITIZEN="NAT"),
        obs("PT", 2023, 8, CITIZEN="FOR"),
        obs("PT", 2023, 8, CITIZEN="RO"),  # a country of citizenship: a flow, not a part
        hidden("AT", 2022),
        obs("AT", 2023, 9),
        obs("AT", 2023, 900, DATA_SOURCE="POL"),  # another source: never mixed in
        obs("AT", 2023, 4, SEX="F", AGE="Y_GE18"),  # two breakdowns at once: no table's
    ]


def test_victims_and_rates_run_over_the_years_per_country() -> None:
    population = pd.DataFrame(
        {
            "REF_AREA": ["AT", "AT", "PT", "PT"],
            "TIME_PERIOD": ["2022", "2023", "2022", "2023"],
            "POPULATION": [9e6, 9e6, 10e6, 10e6],
        }
    )
    tables = indicator_tables(dataset(victims_rows()), population=population)
    victims = tables["victims"]
    assert (victims.rows, victims.columns) == ("REF_AREA", "TIME_PERIOD")
    assert victims.measure == "VICTIMS"
    assert victims.row_codes() == ["AT", "PT"]
    assert victims.column_codes() == ["2022", "2023"]
    assert victims.series() == {"AT": [None, 9.0], "PT": [50.0, 80.0]}
    # The hidden count is no zero: no value, its flags kept.
    at_2022 = dict(victims.grid())["AT"][0]
    assert at_2022.value is None and at_2022.withheld and at_2022.conf_status == "C"
    # Rates from the public counts and the population table: the hidden one withheld.
    rates = tables["rates"].series()
    assert rates["AT"] == [None, pytest.approx(1.0)]
    assert rates["PT"] == pytest.approx([5.0, 8.0])


def test_published_rates_are_read_as_published() -> None:
    rate_rows = [
        obs("PT", 2023, 7.8),
        {**hidden("AT", 2023)},
    ]
    tables = indicator_tables(dataset(victims_rows()), rates=dataset(rate_rows, "DF_THB_RATES_PUB"))
    grid = dict(tables["rates"].grid())
    assert grid["PT"][0].value == 7.8
    assert grid["AT"][0].value is None and grid["AT"][0].withheld


def test_breakdowns_are_shares_of_one_year_in_the_rules_order() -> None:
    tables = indicator_tables(dataset(victims_rows()))
    sex = tables["sex"]
    assert sex.year == "2023"  # the last year with a published figure
    assert (sex.rows, sex.columns, sex.measure) == ("REF_AREA", "SEX", "SHARE")
    assert sex.column_codes() == ["M", "F", "UNK"]
    cells = dict(sex.grid())["PT"]
    assert [c.value for c in cells[:2]] == pytest.approx([0.25, 0.75])
    assert cells[2].value is None and cells[2].withheld  # a hidden part is not 0 %
    exploitation = dict(tables["exploitation"].grid())["PT"]
    assert [c.value for c in exploitation] == pytest.approx([30 / 80, 50 / 80])
    assert tables["exploitation"].column_codes() == ["SEX", "LAB"]
    assert dict(tables["age"].series())["PT"] == pytest.approx([10 / 80, 70 / 80])
    assert tables["citizenship"].column_codes() == ["NAT", "FOR"]
    assert dict(tables["citizenship"].series())["PT"] == pytest.approx([0.9, 0.1])
    assert "justice" not in tables


def test_another_year_and_another_source() -> None:
    tables = indicator_tables(dataset(victims_rows()), year="2022")
    assert tables["sex"].empty and tables["sex"].year == "2022"
    police = indicator_tables(dataset(victims_rows()), data_source="POL")
    assert police["victims"].series() == {"AT": [900.0]}


def test_the_justice_chain_of_one_year() -> None:
    offenders = dataset(
        [
            obs("PT", 2023, 40, PERS_STAT="PER_SUSP"),
            obs("PT", 2023, 20, PERS_STAT="PER_PRSC"),
            hidden("PT", 2023, PERS_STAT="PER_CNV"),
            obs("PT", 2022, 1, PERS_STAT="PER_CNV"),
        ],
        "DF_THB_OFFENDERS_PUB",
    )
    justice = indicator_tables(dataset(victims_rows()), offenders=offenders)["justice"]
    assert justice.column_codes() == ["PER_SUSP", "PER_PRSC", "PER_CNV"]
    cells = dict(justice.grid())["PT"]
    assert [c.value for c in cells] == [40.0, 20.0, None]
    assert cells[2].withheld
    tidy = justice.tidy()
    assert {"RATIO", "OBS_STATUS", "CONF_STATUS"} <= set(tidy.columns)


def test_the_series_a_store_reads_for_the_tables() -> None:
    keys = pd.DataFrame(
        [
            {"FREQ": "A", "SEX": "T", "AGE": "TOTAL", "CITIZEN": "TOTAL", "EXPLOIT": "_T"},
            {"FREQ": "A", "SEX": "F", "AGE": "TOTAL", "CITIZEN": "TOTAL", "EXPLOIT": "_T"},
            {"FREQ": "A", "SEX": "F", "AGE": "Y_GE18", "CITIZEN": "TOTAL", "EXPLOIT": "_T"},
            {"FREQ": "A", "SEX": "T", "AGE": "TOTAL", "CITIZEN": "FOR", "EXPLOIT": "_T"},
            {"FREQ": "M", "SEX": "T", "AGE": "TOTAL", "CITIZEN": "TOTAL", "EXPLOIT": "_T"},
        ]
    ).astype("category")
    assert indicator_series(keys).tolist() == [True, True, False, True, False]
    # Reading only those series gives the same tables as reading everything.
    public = dataset(victims_rows())
    kept = public.data[indicator_series(public.data)]
    for name, table in indicator_tables(public).items():
        pd.testing.assert_frame_equal(indicator_tables(kept)[name].cells, table.cells)


def test_data_sources_put_the_national_figure_first() -> None:
    assert data_sources(dataset(victims_rows())) == ["NREM", "POL"]
    only_police = [obs("AT", 2023, 3, DATA_SOURCE="POL"), obs("BG", 2023, 3, DATA_SOURCE="POL")]
    rows = [*only_police, obs("AT", 2023, 3, DATA_SOURCE="BORD")]
    assert data_sources(dataset(rows)) == ["POL", "BORD"]


def test_data_without_the_exploitation_rule_still_has_its_shares() -> None:
    public = dataset(victims_rows())
    bare = public.data.drop(columns=["EXPLOIT_RULE"])
    exploitation = indicator_tables(bare)["exploitation"]
    assert "EXPLOIT_RULE" not in exploitation.cells.columns
    assert exploitation.series()["PT"] == pytest.approx([30 / 80, 50 / 80])
