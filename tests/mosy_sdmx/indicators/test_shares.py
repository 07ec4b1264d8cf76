"""Shares by sex, age and form of exploitation, and what suppression does to them."""

from __future__ import annotations

import math

import pytest
from indicator_frames import dataset, hidden, obs, one

from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators import shares


def test_shares_by_sex_by_hand() -> None:
    # 80 victims: 60 women (0.75), 16 men (0.2), 4 unknown (0.05).
    public = dataset(
        [
            obs("PT", 2023, 80),
            obs("PT", 2023, 60, SEX="F"),
            obs("PT", 2023, 16, SEX="M"),
            obs("PT", 2023, 4, SEX="UNK"),
            obs("PT", 2023, 50, SEX="F", AGE="Y_GE18"),  # another table: not a part here
        ]
    )
    out = shares(public, "SEX")
    assert out["SEX"].tolist() == ["M", "F", "UNK"]  # the order of rules.yaml
    assert out["SHARE"].tolist() == pytest.approx([0.2, 0.75, 0.05])
    assert out["TOTAL"].tolist() == [80, 80, 80]
    assert set(out["OBS_STATUS"]) == {"A"} and set(out["CONF_STATUS"]) == {"F"}


def test_a_suppressed_part_withholds_its_own_share_only() -> None:
    public = dataset(
        [
            obs("PT", 2023, 80),
            obs("PT", 2023, 60, SEX="F"),
            hidden("PT", 2023, conf="A", SEX="M"),
            hidden("PT", 2023, conf="S", SEX="UNK"),
        ]
    )
    out = shares(public, "SEX")
    men = one(out, SEX="M")
    assert math.isnan(men["SHARE"]) and math.isnan(men["COUNT"])
    assert (men["OBS_STATUS"], men["CONF_STATUS"]) == ("Q", "A")
    assert one(out, SEX="UNK")["CONF_STATUS"] == "S"
    # Never treated as 0: the women's share is over the published total, 60 / 80.
    assert one(out, SEX="F")["SHARE"] == 0.75


def test_a_suppressed_total_withholds_every_share() -> None:
    public = dataset(
        [
            hidden("PT", 2023, conf="S"),
            obs("PT", 2023, 60, SEX="F"),
            obs("PT", 2023, 16, SEX="M"),
        ]
    )
    out = shares(public, "SEX")
    assert out["SHARE"].isna().all()
    assert set(out["OBS_STATUS"]) == {"Q"} and set(out["CONF_STATUS"]) == {"S"}
    assert out["COUNT"].tolist() == [16, 60]  # the parts as published


def test_age_shares_and_a_total_of_zero() -> None:
    public = dataset(
        [
            obs("PT", 2023, 20),
            obs("PT", 2023, 5, AGE="Y_LT18"),
            obs("PT", 2023, 15, AGE="Y_GE18"),
            obs("EL", 2023, 0),
            obs("EL", 2023, 0, AGE="Y_LT18"),
        ]
    )
    out = shares(public, "AGE")
    assert one(out, REF_AREA="PT", AGE="Y_LT18")["SHARE"] == 0.25
    assert one(out, REF_AREA="PT", AGE="Y_GE18")["SHARE"] == 0.75
    greece = one(out, REF_AREA="EL", AGE="Y_LT18")
    assert math.isnan(greece["SHARE"]) and greece["OBS_STATUS"] == "M"  # 0 of 0


def test_forms_of_exploitation_keep_how_forms_are_counted() -> None:
    # MULTI: a victim may be counted under several forms; 30 + 25 of 40 exceed 1.
    public = dataset(
        [
            obs("PT", 2023, 40),
            obs("PT", 2023, 30, EXPLOIT="SEX", EXPLOIT_RULE="MULTI"),
            obs("PT", 2023, 25, EXPLOIT="LAB", EXPLOIT_RULE="MULTI"),
        ]
    )
    out = shares(public, "EXPLOIT")
    assert out["EXPLOIT"].tolist() == ["SEX", "LAB"]
    assert out["SHARE"].tolist() == [0.75, 0.625]
    assert set(out["EXPLOIT_RULE"]) == {"MULTI"}


def test_a_part_without_any_total_reported_is_missing() -> None:
    out = shares(dataset([obs("PT", 2023, 7, SEX="F")]), "SEX")
    assert math.isnan(out["SHARE"][0]) and out["OBS_STATUS"][0] == "O"


def test_a_dimension_without_parts_is_refused() -> None:
    with pytest.raises(DatasetError) as err:
        shares(dataset([obs("PT", 2023, 7)]), "REF_AREA")
    assert "REF_AREA" in str(err.value)
