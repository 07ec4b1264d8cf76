"""SDMX-JSON 1.0/2.0: real specimens, schema-valid output, round trips, sdmx1 read-back."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import sdmx
from io_samples import canonical, thb_dataset, thb_layout
from schemas import assert_valid_json

from mosy_sdmx.dataset import Action
from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io import read_data, write_data

ECB_KEYS = ["CURRENCY", "TIME_PERIOD"]
SCHEMA_VERSION = {"sdmx-json-1.0": "1.0", "sdmx-json-2.0": "2.0.0"}


@pytest.fixture(scope="module")
def ecb_reference(specimens, ecb_structures):
    return read_data(specimens / "ECB_EXR" / "ts.json", ecb_structures)


@pytest.mark.parametrize(
    "name",
    [
        "ECB_EXR/ts.json",
        "ECB_EXR/xs.json",
        "ECB_EXR/flat.json",
        "sdmx-3.0/json/data/exr-time-series.json",
        "sdmx-3.0/json/data/exr-cross-section.json",
        "sdmx-3.0/json/data/exr-flat.json",
    ],
)
def test_ecb_specimens_hold_the_same_observations(specimens, ecb_structures, ecb_reference, name):
    ds = read_data(specimens / name, ecb_structures)
    assert ds.structure_urn == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"
    got = canonical(ds.data, ECB_KEYS)
    pd.testing.assert_frame_equal(got, canonical(ecb_reference.data, ECB_KEYS))
    assert list(got["OBS_VALUE"]) == [1.5931, 1.5925, 40.3426, 40.3]
    assert ds.labels["CURRENCY"]["NZD"] == "New Zealand dollar"


def test_time_series_20_has_dataset_attribute(specimens):
    ds = read_data(specimens / "sdmx-3.0/json/data/exr-time-series.json")
    assert ds.attributes == {"TIME_FORMAT": "P1D"}
    assert ds.header.sender == "IMF" and ds.header.test is True


def test_several_data_sets_with_different_actions(specimens):
    ds = read_data(specimens / "ECB_EXR/action-delete.json")
    actions = ds.data["ACTION"].astype(str)
    assert sorted(set(actions)) == ["Delete", "Replace"]
    deleted = ds.data[actions == "Delete"]
    assert list(deleted["CURRENCY"].astype(str)) == ["NZD"] and deleted["OBS_VALUE"].isna().all()


@pytest.mark.parametrize(
    "name", ["exr-action-delete.json", "constructed-sample-full.json", "generated-sample.json"]
)
def test_imperfect_specimens_are_refused_clearly(specimens, name):
    with pytest.raises(ParseError):
        read_data(specimens / "sdmx-3.0/json/data" / name)


def test_agri_specimen_reads_with_dataset_attributes(specimens):
    ds = read_data(specimens / "sdmx-3.0/json/data/agri.json")
    assert len(ds) == 12 and ds.data["OBS_VALUE"].notna().all()
    assert ds.attributes["UNIT_MEASURE"] == "TONES"


def test_malformed_json_reports_line_and_column():
    with pytest.raises(ParseError) as err:
        read_data(b'{"meta": {"id": "x"},\n "data": {"structures": [}', format="sdmx-json-2.0")
    assert err.value.location.line == 2 and err.value.location.column is not None


def test_component_the_structure_does_not_have(specimens):
    with pytest.raises(ParseError) as err:
        read_data(specimens / "ECB_EXR/ts.json", thb_layout())
    assert err.value.title == "Unknown component"


@pytest.mark.parametrize("fmt", ["sdmx-json-1.0", "sdmx-json-2.0"])
@pytest.mark.parametrize("flat", [False, True])
def test_thb_output_validates_and_round_trips(fmt, flat):
    ds = thb_dataset()
    ds.attributes = {"UNIT_MULT": "0"}
    data = write_data(ds, None, fmt, flat=flat)
    doc = json.loads(data)
    assert_valid_json(doc, "data", SCHEMA_VERSION[fmt])
    back = read_data(data, thb_layout())
    assert back.attributes == {"UNIT_MULT": "0"}
    assert back.structure_urn == ds.structure_urn
    pd.testing.assert_frame_equal(canonical(back.data), canonical(ds.data))


def test_missing_values_are_null_and_series_group_observations():
    ds = thb_dataset(n_series=3, years=2)
    doc = json.loads(write_data(ds, None, "sdmx-json-2.0"))
    series = doc["data"]["dataSets"][0]["series"]
    assert len(series) == 3
    assert sum(len(s["observations"]) for s in series.values()) == 6
    cells = [o[0] for s in series.values() for o in s["observations"].values()]
    assert None in cells  # the NaN observation


def test_ecb_output_validates_in_both_versions(ecb_reference, ecb_structures):
    for fmt, version in SCHEMA_VERSION.items():
        doc = json.loads(write_data(ecb_reference, None, fmt, ecb_structures))
        assert_valid_json(doc, "data", version)


def test_legacy_envelope_reads_in_sdmx1(ecb_reference, ecb_structures):
    data = write_data(ecb_reference, None, "sdmx-json-1.0", ecb_structures, envelope="legacy")
    message = sdmx.read_sdmx(io.BytesIO(data), format="JSON")
    values = sdmx.to_pandas(message.data[0]).sort_values()
    assert list(values) == sorted(ecb_reference.data["OBS_VALUE"])
    # The same content in the schema's envelope validates.
    doc = json.loads(data)
    wrapped = {
        "meta": doc["header"],
        "data": {"structure": doc["structure"], "dataSets": doc["dataSets"]},
    }
    assert_valid_json(wrapped, "data", "1.0")
    assert read_data(data, ecb_structures).data.shape == ecb_reference.data.shape


def test_per_row_actions_become_data_sets():
    ds = thb_dataset(n_series=4, years=2)
    data = ds.data.copy()
    data["ACTION"] = pd.Categorical(np.where(np.arange(len(data)) < 5, "Replace", "Delete"))
    doc = json.loads(write_data(ds.with_data(data), None, "sdmx-json-2.0"))
    assert [d["action"] for d in doc["data"]["dataSets"]] == ["Replace", "Delete"]
    back = read_data(json.dumps(doc).encode(), thb_layout())
    assert (back.data["ACTION"].astype(str) == "Delete").sum() == len(data) - 5


def test_single_action_kept():
    ds = thb_dataset(n_series=2, years=2)
    ds.action = Action.APPEND
    back = read_data(write_data(ds, None, "sdmx-json-1.0"), thb_layout())
    assert back.action is Action.APPEND and "ACTION" not in back.data.columns


def test_deeply_nested_json_is_a_parse_error():
    data = b'{"meta": {}, "data": {"dataSets": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}}"
    with pytest.raises(ParseError, match="nested too deeply"):
        read_data(data, format="sdmx-json-2.0")


def test_absurdly_long_integer_is_refused_as_not_a_number():
    ds = thb_dataset(n_series=1, years=1)
    text = write_data(ds, None, "sdmx-json-2.0")
    doc = json.loads(text)
    series = next(iter(doc["data"]["dataSets"][0]["series"].values()))
    first = next(iter(series["observations"]))
    series["observations"][first][0] = 0  # a known spot for the long number
    raw = json.dumps(doc).replace(f'"{first}": [0', f'"{first}": [1' + "0" * 5000)
    with pytest.raises(ParseError, match="out of range") as err:
        read_data(raw.encode(), thb_layout())
    assert err.value.context["path"].startswith("$.data.dataSets[0].series[")
    assert len(str(err.value)) < 400
