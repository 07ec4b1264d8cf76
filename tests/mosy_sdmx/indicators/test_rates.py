"""Victims per million: the indicator frame and the DF_THB_RATES_PUB publication (§3.6 rule 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from indicator_frames import dataset, hidden, obs, one
from schemas import assert_valid_xml

import mosy_sdmx as ms
from mosy_sdmx.disclosure import load_disclosure_rules, protect
from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators import rates_dataset, victims_by_country, victims_per_million
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.xsd import dataflow_schema

# Round numbers, so that every rate below is worked out by hand.
POPULATION = pd.DataFrame(
    {
        "REF_AREA": ["PT", "PT", "EL", "CY"],
        "TIME_PERIOD": ["2022", "2023", "2023", "2023"],
        "POPULATION": [10_000_000, 10_000_000, 4_000_000, 800_000],
    }
)


def _raw(rows: list[dict]) -> ms.Dataset:
    return dataset(rows, flow="DF_THB_VICTIMS")


def test_rates_by_hand_and_withheld_where_the_count_is_not_published() -> None:
    public = dataset(
        [
            obs("PT", 2023, 250),  # 250 / 10 M = 25 per million
            obs("EL", 2023, 6),  # 6 / 4 M = 1.5 per million
            hidden("CY", 2023, conf="S"),
            obs("PT", 2023, 9, DATA_SOURCE="POL"),  # kept apart: 0.9
        ]
    )
    out = victims_per_million(public, POPULATION, data_source=None)
    assert one(out, REF_AREA="PT", DATA_SOURCE="NREM")["RATE"] == pytest.approx(25.0)
    assert one(out, REF_AREA="PT", DATA_SOURCE="POL")["RATE"] == pytest.approx(0.9)
    assert one(out, REF_AREA="EL")["RATE"] == pytest.approx(1.5)
    cyprus = one(out, REF_AREA="CY")
    assert math.isnan(cyprus["RATE"]) and cyprus["POPULATION"] == 800_000
    assert (cyprus["OBS_STATUS"], cyprus["CONF_STATUS"]) == ("Q", "S")


def test_no_population_no_rate() -> None:
    out = victims_per_million(dataset([obs("AT", 2023, 40)]), POPULATION)
    row = one(out, REF_AREA="AT")
    assert math.isnan(row["RATE"]) and math.isnan(row["POPULATION"])
    assert row["OBS_STATUS"] == "L"


def test_the_shipped_population_is_the_default() -> None:
    # Portugal, 1 January 2023: 10 516 621 (Eurostat); 100 victims -> 9.5088... per million.
    out = victims_per_million(dataset([obs("PT", 2023, 100)]))
    assert out["POPULATION"][0] == 10_516_621
    assert out["RATE"][0] == pytest.approx(100 / 10_516_621 * 1e6)


# -- DF_THB_RATES_PUB -------------------------------------------------------------


RAW = [
    obs("PT", 2022, 200),
    obs("PT", 2022, 150, SEX="F"),
    obs("PT", 2022, 47, SEX="M"),
    obs("PT", 2022, 3, SEX="UNK"),
    obs("PT", 2023, 250),
    obs("EL", 2023, 6),  # a small country total: published as reported
    obs("CY", 2023, 40, conf="C"),  # confidential for the submitter
    obs("PT", 2023, 31, DATA_SOURCE="POL"),
]


@pytest.fixture(scope="module")
def publication():
    raw = _raw(RAW)
    assert ms.validate(raw).valid
    public, _ = protect(raw)
    return raw, public, rates_dataset(raw, public, POPULATION)


def test_rates_from_raw_counts_rounded_to_the_dataflow_decimals(publication) -> None:
    _, _, rates = publication
    data = rates.data
    assert rates.structure_id == "DF_THB_RATES_PUB"
    assert rates.attributes == {"UNIT_MULT": "0", "DECIMALS": "1"}
    # Country totals only: the SEX breakdown of 2022 gives no rates.
    assert set(data["SEX"].astype(str)) == {"T"} and len(data) == 5
    # 200 / 10 M = 20.0; 250 / 10 M = 25.0; 6 / 4 M = 1.5; police 31 / 10 M = 3.1.
    assert one(data, REF_AREA="PT", TIME_PERIOD="2022")["OBS_VALUE"] == 20.0
    assert one(data, REF_AREA="PT", TIME_PERIOD="2023", DATA_SOURCE="NREM")["OBS_VALUE"] == 25.0
    assert one(data, REF_AREA="EL")["OBS_VALUE"] == 1.5
    assert one(data, DATA_SOURCE="POL")["OBS_VALUE"] == 3.1
    assert set(data["UNIT_MEASURE"].astype(str)) == {"P_MHAB"}
    assert set(data["COUNT_RULE"].astype(str)) == {"PERS_YEAR"}


def test_a_suppressed_count_gives_a_withheld_rate_never_a_zero(publication) -> None:
    _, public, rates = publication
    count = one(public.data, REF_AREA="CY")
    assert math.isnan(count["OBS_VALUE"])
    rate = one(rates.data, REF_AREA="CY")
    assert math.isnan(rate["OBS_VALUE"])
    # The public count's own flags: nothing said that the count's flags do not say.
    assert rate["OBS_STATUS"] == count["OBS_STATUS"] == "Q"
    assert rate["CONF_STATUS"] == count["CONF_STATUS"]
    # Not recoverable either: 40 / 0.8 M would have been 50.0.
    assert (rates.data["OBS_VALUE"] != 50.0).all()


def test_the_publication_validates_and_is_written_as_sdmx(publication, tmp_path) -> None:
    _, _, rates = publication
    report = ms.validate(rates)
    assert report.valid, report.to_dict()["issues"]
    assert report.stats["counts"] == {}
    document = ms.write_data(rates, None, "sdmx-ml-2.1-ss")
    xsd = tmp_path / "rates.xsd"
    xsd.write_bytes(dataflow_schema(builtin_structures(), "DF_THB_RATES_PUB", "2.1"))
    assert_valid_xml(document, "2.1", dataflow_xsd=xsd)
    back = ms.read_data(ms.write_data(rates, None, "sdmx-csv-2.0"))
    assert back.structure_id == "DF_THB_RATES_PUB"
    values = back.data.sort_values(["REF_AREA", "DATA_SOURCE", "TIME_PERIOD"])["OBS_VALUE"]
    expected = rates.data.sort_values(["REF_AREA", "DATA_SOURCE", "TIME_PERIOD"])["OBS_VALUE"]
    np.testing.assert_array_equal(values.to_numpy(), expected.to_numpy())


def test_published_rates_agree_with_the_public_indicator(publication) -> None:
    _, public, rates = publication
    frame = victims_per_million(public, POPULATION, data_source=None)
    for row in frame.itertuples():
        rate = one(rates.data, REF_AREA=row.REF_AREA, DATA_SOURCE=row.DATA_SOURCE,
                   TIME_PERIOD=row.TIME_PERIOD)  # fmt: skip
        if math.isnan(row.RATE):
            assert math.isnan(rate["OBS_VALUE"])
        else:
            assert rate["OBS_VALUE"] == round(row.RATE, 1)


def test_a_count_published_altered_is_not_given_back_by_its_rate() -> None:
    raw = _raw([obs("PT", 2023, 251)])
    public = dataset([obs("PT", 2023, 250)])  # e.g. rounded to a multiple of 5
    rate = rates_dataset(raw, public, POPULATION).data.iloc[0]
    rules = load_disclosure_rules()
    assert math.isnan(rate["OBS_VALUE"])  # 25.1 would give back the 251
    # The one flag of every hidden value, whatever the reason (Q, C by default).
    assert (rate["OBS_STATUS"], rate["CONF_STATUS"]) == (
        rules.flag_obs_status,
        rules.flag_conf_status,
    )


def test_only_cells_the_public_release_holds() -> None:
    raw = _raw([obs("PT", 2023, 250), obs("EL", 2023, 6), obs("PT", "2023-Q1", 70, FREQ="Q")])
    public = dataset([obs("PT", 2023, 250)])  # EL was left out of the release
    rates = rates_dataset(raw, public, POPULATION).data
    assert rates["REF_AREA"].astype(str).tolist() == ["PT"]
    assert rates["TIME_PERIOD"].tolist() == ["2023"]  # annual only


def test_no_population_and_no_count_are_said_so() -> None:
    rows = [obs("AT", 2023, 12), obs("PT", 2023, None, status="L")]
    rates = rates_dataset(_raw(rows), dataset(rows), POPULATION)
    austria = one(rates.data, REF_AREA="AT")
    assert math.isnan(austria["OBS_VALUE"])
    assert (austria["OBS_STATUS"], austria["CONF_STATUS"]) == ("L", "F")
    assert "2023" in austria["COMMENT_OBS"]
    portugal = one(rates.data, REF_AREA="PT")
    assert math.isnan(portugal["OBS_VALUE"]) and portugal["OBS_STATUS"] == "L"
    assert ms.validate(rates).valid


def test_repeated_raw_observations_are_refused() -> None:
    raw = _raw([obs("PT", 2023, 250), obs("PT", 2023, 250)])
    with pytest.raises(DatasetError) as err:
        rates_dataset(raw, dataset([obs("PT", 2023, 250)]), POPULATION)
    assert err.value.code == "duplicate-observation"


def test_the_public_count_is_what_the_dashboard_sees(publication) -> None:
    _, public, _ = publication
    counts = victims_by_country(public, data_source=None)
    # The confidential Cypriot total is withheld in the frame too, not 40.
    assert math.isnan(one(counts, REF_AREA="CY")["VICTIMS"])
    assert sorted(counts["VICTIMS"].dropna()) == [6, 31, 200, 250]
