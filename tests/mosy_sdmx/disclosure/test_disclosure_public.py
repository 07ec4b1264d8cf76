"""The public output fits its public dataflow; bad settings and bad tables are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from thb_tables import AGE_LEAVES, cells, tiny_counts, victims_dataset

from mosy_sdmx import validate
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure import (
    Reason,
    load_disclosure_rules,
    protect,
)
from mosy_sdmx.exceptions import DatasetError, StructureError
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.rules import AdditiveGroup

PUBLIC_FLOW = "DF_THB_VICTIMS_PUB"


@pytest.mark.parametrize("method", ["optimal", "hypercube"])
@pytest.mark.parametrize("seed", range(3))
def test_every_protected_output_validates_against_its_public_flow(seed: int, method: str) -> None:
    structures = builtin_structures()
    rng = np.random.default_rng(seed)
    submission = victims_dataset(rng, years=("2022", "2023"), counts=tiny_counts)
    assert validate(submission, structures).valid  # a real, valid submission
    public, audit = protect(submission, structures, method=method)
    assert public.structure_id == PUBLIC_FLOW
    report = validate(public, structures, flow=PUBLIC_FLOW)
    assert report.valid, report.to_dict()["issues"][:3]
    assert report.stats["counts"] == {}
    assert audit.counts()["primary"] > 0 and audit.counts()["secondary"] > 0


def test_restricted_ages_are_dropped_when_their_total_is_there() -> None:
    submission = victims_dataset(np.random.default_rng(5))
    public, audit = protect(submission)
    ages = set(public.data["AGE"].astype(str))
    assert not {"Y_LT12", "Y12-17"} & ages and "Y_LT18" in ages
    dropped = audit.reasons_for(Reason.DROPPED)
    assert set(dropped["AGE"].astype(str)) == {"Y_LT12", "Y12-17"}
    restricted = submission.data["AGE"].astype(str).isin(["Y_LT12", "Y12-17"])
    assert len(dropped) == restricted.sum()


def test_restricted_ages_are_aggregated_when_only_the_split_was_reported() -> None:
    submission = victims_dataset(np.random.default_rng(6))
    data = submission.data
    data = data[data["AGE"].astype(str) != "Y_LT18"].reset_index(drop=True)
    public, audit = protect(submission.with_data(data))
    out = public.data
    made = audit.reasons_for(Reason.AGGREGATED)
    under = out["AGE"].astype(str) == "Y_LT18"
    assert under.sum() == 20  # SEX (4) × EXPLOIT (5): rebuilt from the split
    assert len(made) + (audit.cells["AGE"].astype(str) == "Y_LT18").sum() >= 1
    # Each rebuilt value equals the sum of its two parts (where published).
    key = data[["SEX", "EXPLOIT", "AGE"]].astype(str).itertuples(index=False, name=None)
    raw = dict(zip(key, data["OBS_VALUE"], strict=True))
    for _, r in out[under & out["OBS_VALUE"].notna()].iterrows():
        parts = [raw[(str(r["SEX"]), str(r["EXPLOIT"]), a)] for a in ("Y_LT12", "Y12-17")]
        assert r["OBS_VALUE"] == sum(parts)
    assert validate(public, builtin_structures(), flow=PUBLIC_FLOW).valid


def test_without_structures_nothing_is_reshaped() -> None:
    frame = cells([("T", "Y_LT12", 8), ("M", "Y_LT12", 8), ("F", "Y_LT12", 0)])
    public, audit = protect(Dataset(frame))
    assert len(public.data) == 3 and audit.counts()["dropped"] == 0


def test_same_input_same_output() -> None:
    submission = victims_dataset(np.random.default_rng(9), counts=tiny_counts)
    first, a = protect(submission)
    second, b = protect(submission)
    pd.testing.assert_frame_equal(first.data, second.data)
    pd.testing.assert_frame_equal(a.cells, b.cells)


def test_protect_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    protect(victims_dataset(np.random.default_rng(2), counts=tiny_counts), method="optimal")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_audit_tells_the_registry_what_is_hidden() -> None:
    submission = victims_dataset(np.random.default_rng(3), counts=tiny_counts)
    public, audit = protect(submission)
    hidden = audit.hidden
    assert list(hidden.columns) == audit.key_columns
    assert len(hidden) == public.data["OBS_VALUE"].isna().sum()
    frame = audit.to_frame()
    assert {"REASON", "RAW_VALUE", "PROTECTED_LOW", "PROTECTED_HIGH", "RISK"} <= set(frame)


# -- bad input --------------------------------------------------------------------


def test_totals_that_do_not_add_up_are_refused() -> None:
    frame = cells([("T", "TOTAL", 20), ("M", "TOTAL", 3), ("F", "TOTAL", 9), ("UNK", "TOTAL", 9)])
    with pytest.raises(DatasetError, match="Totals do not add up") as info:
        protect(Dataset(frame))
    assert "SEX" in str(info.value) and info.value.context["relations"] == 1
    assert info.value.code == "total-not-sum-of-parts"


def test_a_part_above_its_total_is_refused_even_when_parts_are_missing() -> None:
    frame = cells([("T", "TOTAL", 5), ("M", "TOTAL", 7)])
    with pytest.raises(DatasetError, match="do not add up"):
        protect(Dataset(frame))


def _settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "disclosure.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("primary: {threshold: 0}\n", "threshold must be a positive integer"),
        ("primary: {threshold: -3}\n", "threshold must be a positive integer"),
        ("protection: {upper: 0}\n", "upper must be a positive integer"),
        ("protection: {method: magic}\n", "method must be one of"),
        ("confidential: {never_publish: [C, F]}\n", "never_publish lists F"),
        ("flag: {conf_status: F}\n", "not F"),
        ("flag: {obs_status: A}\n", "not A"),
        ("flag: {obs_status: E}\n", "missing-value statuses"),
        ("breakdowns: {SEX: [T, M]}\n", "M is a part of T"),
    ],
)
def test_contradictory_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StructureError, match=message) as info:
        load_disclosure_rules(_settings(tmp_path, text))
    assert info.value.location is not None


@pytest.mark.parametrize(
    "groups, message",
    [
        (
            [AdditiveGroup("SEX", "T", ("M", "F")), AdditiveGroup("SEX", "T", ("M", "F", "UNK"))],
            "two different sets of parts",
        ),
        (
            [AdditiveGroup("AGE", "A", ("B", "C")), AdditiveGroup("AGE", "B", ("A", "D"))],
            "part of itself",
        ),
        ([AdditiveGroup("SEX", "T", ("M", "M"))], "listed twice"),
    ],
)
def test_contradictory_additive_groups_are_refused(groups, message: str) -> None:
    with pytest.raises(StructureError, match=message):
        load_disclosure_rules().with_groups(groups)


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown protection method"):
        protect(Dataset(cells([("T", "TOTAL", 5), ("M", "TOTAL", 5)])), method="magic")


def test_restricted_codes_are_listed() -> None:
    assert {"Y_LT12", "Y12-17"} <= set(AGE_LEAVES)
    assert "AGE" not in builtin_structures().allowed_codes("DF_THB_VICTIMS")  # all allowed
    assert not {"Y_LT12", "Y12-17"} & builtin_structures().allowed_codes(PUBLIC_FLOW)["AGE"]
