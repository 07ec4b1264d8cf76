"""Year-on-year change, with years not published and years not reported."""

from __future__ import annotations

import math

import pytest
from indicator_frames import dataset, hidden, obs, one

from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators import victims_by_country, year_on_year


def _victims(rows):
    return victims_by_country(dataset(rows))


def test_change_by_hand() -> None:
    # 2021: 40, 2022: 50 (+10, +25 %), 2023: 45 (-5, -10 %).
    out = year_on_year(
        _victims([obs("PT", 2021, 40), obs("PT", 2022, 50), obs("PT", 2023, 45)]), "VICTIMS"
    )
    assert out["TIME_PERIOD"].tolist() == ["2021", "2022", "2023"]
    assert out["CHANGE"][1:].tolist() == [10, -5]
    assert out["CHANGE_PCT"][1:].tolist() == pytest.approx([25.0, -10.0])
    first = one(out, TIME_PERIOD="2021")
    assert math.isnan(first["CHANGE"]) and first["OBS_STATUS"] == "O"  # no 2020


def test_a_suppressed_year_withholds_the_changes_on_both_sides() -> None:
    rows = [obs("PT", 2021, 40), hidden("PT", 2022, conf="S"), obs("PT", 2023, 45)]
    out = year_on_year(_victims(rows), "VICTIMS")
    for year in ("2022", "2023"):
        row = one(out, TIME_PERIOD=year)
        assert math.isnan(row["CHANGE"]) and math.isnan(row["CHANGE_PCT"])
        assert (row["OBS_STATUS"], row["CONF_STATUS"]) == ("Q", "S")
    # Not +45 from a hidden year taken as 0.
    assert out["CHANGE"].isna().all()


def test_countries_are_never_compared_with_each_other() -> None:
    rows = [obs("PT", 2022, 10), obs("EL", 2023, 30), obs("PT", 2023, 12)]
    out = year_on_year(_victims(rows), "VICTIMS")
    assert one(out, REF_AREA="PT", TIME_PERIOD="2023")["CHANGE"] == 2
    assert math.isnan(one(out, REF_AREA="EL", TIME_PERIOD="2023")["CHANGE"])


def test_a_change_from_zero_has_no_percentage() -> None:
    out = year_on_year(_victims([obs("PT", 2022, 0), obs("PT", 2023, 3)]), "VICTIMS")
    row = one(out, TIME_PERIOD="2023")
    assert row["CHANGE"] == 3 and math.isnan(row["CHANGE_PCT"])


def test_keys_that_do_not_identify_a_series_are_refused() -> None:
    rows = [obs("PT", 2023, 1), obs("PT", 2023, 2, DATA_SOURCE="POL")]
    frame = victims_by_country(dataset(rows), data_source=None).drop(columns=["DATA_SOURCE"])
    frame["DATA_SOURCE"] = 0  # a numeric column is no key
    with pytest.raises(DatasetError) as err:
        year_on_year(frame, "VICTIMS")
    assert err.value.code == "duplicate-observation"
