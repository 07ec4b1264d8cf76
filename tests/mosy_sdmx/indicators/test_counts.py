"""Victims by country, citizenship flows and the justice chain from public data."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicator_frames import dataset, frame, hidden, obs, one

from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators import citizenship_flows, justice_chain, victims_by_country


def test_the_total_code_is_used_never_the_sum_of_its_parts() -> None:
    # The parts add up to 40 + 5 = 45 (no UNK reported); the published total is 50.
    public = dataset(
        [
            obs("PT", 2023, 50),
            obs("PT", 2023, 40, SEX="F"),
            obs("PT", 2023, 5, SEX="M"),
            obs("PT", 2023, 30, EXPLOIT="SEX", EXPLOIT_RULE="MAIN"),
        ]
    )
    out = victims_by_country(public)
    assert list(out.columns) == [
        "REF_AREA", "DATA_SOURCE", "TIME_PERIOD", "VICTIMS", "OBS_STATUS", "CONF_STATUS",
    ]  # fmt: skip
    assert len(out) == 1 and one(out, REF_AREA="PT")["VICTIMS"] == 50


def test_data_sources_are_kept_apart_never_summed() -> None:
    public = dataset([obs("PT", 2023, 100), obs("PT", 2023, 60, DATA_SOURCE="POL")])
    assert victims_by_country(public)["VICTIMS"].tolist() == [100]  # NREM by default
    both = victims_by_country(public, data_source=None)
    assert sorted(both["VICTIMS"]) == [60, 100]  # two rows, never 160
    assert one(both, DATA_SOURCE="POL")["VICTIMS"] == 60


def test_a_suppressed_total_stays_missing_with_its_flags_never_zero() -> None:
    public = dataset([obs("PT", 2023, 12), hidden("EL", 2023, conf="S")])
    out = victims_by_country(public)
    greece = one(out, REF_AREA="EL")
    assert math.isnan(greece["VICTIMS"])
    assert (greece["OBS_STATUS"], greece["CONF_STATUS"]) == ("Q", "S")
    assert out["VICTIMS"].fillna(-1).tolist() == [-1, 12]  # no 0 anywhere


def test_only_annual_figures_of_the_status_asked_for() -> None:
    public = dataset(
        [
            obs("PT", 2023, 50),
            obs("PT", "2023-Q1", 10, FREQ="Q"),
            obs("PT", 2023, 30, PERS_STAT="PER_VICT_ID"),
        ]
    )
    assert victims_by_country(public)["VICTIMS"].tolist() == [50]
    identified = victims_by_country(public, pers_stat="PER_VICT_ID")
    assert identified["VICTIMS"].tolist() == [30]


def test_a_dataframe_works_like_its_dataset_and_missing_columns_are_named() -> None:
    rows = [obs("PT", 2023, 50)]
    assert victims_by_country(frame(rows)).equals(victims_by_country(dataset(rows)))
    with pytest.raises(DatasetError) as err:
        victims_by_country(frame(rows).drop(columns=["DATA_SOURCE"]))
    assert err.value.code == "missing-dimension" and "DATA_SOURCE" in str(err.value)


def test_citizenship_flows_name_the_country_of_origin() -> None:
    public = dataset(
        [
            obs("PT", 2023, 50),
            obs("PT", 2023, 20, CITIZEN="NAT"),
            obs("PT", 2023, 15, CITIZEN="BR"),
            obs("PT", 2023, 30, CITIZEN="FOR"),
            hidden("PT", 2023, conf="A", CITIZEN="RO"),
            obs("PT", 2023, 5, CITIZEN="UNK"),
            obs("EL", 2023, 10, CITIZEN="PT"),
        ]
    )
    out = citizenship_flows(public)
    # NAT is Portugal itself; TOTAL, FOR and UNK are no countries.
    assert sorted(zip(out["ORIGIN"], out["REF_AREA"], strict=True)) == [
        ("BR", "PT"), ("PT", "EL"), ("PT", "PT"), ("RO", "PT"),
    ]  # fmt: skip
    assert one(out, ORIGIN="PT", REF_AREA="PT")["CITIZEN"] == "NAT"
    romania = one(out, ORIGIN="RO")
    assert math.isnan(romania["VICTIMS"]) and romania["OBS_STATUS"] == "Q"
    groups = citizenship_flows(public, countries_only=False)
    assert set(groups["CITIZEN"]) == {"NAT", "BR", "FOR", "RO", "UNK", "PT"}


def test_justice_chain_ratios_by_hand() -> None:
    public = dataset(
        [
            obs("PT", 2023, 40, PERS_STAT="PER_SUSP"),
            obs("PT", 2023, 20, PERS_STAT="PER_PRSC"),
            obs("PT", 2023, 5, PERS_STAT="PER_CNV"),
            obs("PT", 2023, 99, PERS_STAT="PER_CNV", DATA_SOURCE="COURT"),
        ],
        flow="DF_THB_OFFENDERS_PUB",
    )
    out = justice_chain(public)
    assert out["PERS_STAT"].tolist() == ["PER_SUSP", "PER_PRSC", "PER_CNV"]
    assert out["PERSONS"].tolist() == [40, 20, 5]
    # 20 prosecuted of 40 suspected = 0.5; 5 convicted of 20 prosecuted = 0.25.
    assert math.isnan(out["RATIO"][0]) and out["RATIO"][1:].tolist() == [0.5, 0.25]
    assert pd.isna(out["RATIO_OBS_STATUS"][0])  # the first stage has no ratio
    assert out["RATIO_OBS_STATUS"][1:].tolist() == ["A", "A"]
    # The court's convictions are not set against the NREM's prosecutions.
    court = justice_chain(public, data_source=None)
    assert math.isnan(one(court, DATA_SOURCE="COURT")["RATIO"])
    assert one(court, DATA_SOURCE="COURT")["RATIO_OBS_STATUS"] == "O"


def test_a_suppressed_stage_withholds_both_ratios_it_enters() -> None:
    public = dataset(
        [
            obs("PT", 2023, 40, PERS_STAT="PER_SUSP"),
            hidden("PT", 2023, conf="A", PERS_STAT="PER_PRSC"),
            obs("PT", 2023, 5, PERS_STAT="PER_CNV"),
        ],
        flow="DF_THB_OFFENDERS_PUB",
    )
    out = justice_chain(public).set_index("PERS_STAT")
    assert math.isnan(out.loc["PER_PRSC", "PERSONS"])
    for stage in ("PER_PRSC", "PER_CNV"):
        assert math.isnan(out.loc[stage, "RATIO"])
        assert out.loc[stage, "RATIO_OBS_STATUS"] == "Q"
        assert out.loc[stage, "RATIO_CONF_STATUS"] == "A"
    assert out.loc["PER_CNV", "PERSONS"] == 5  # the published count itself stands
