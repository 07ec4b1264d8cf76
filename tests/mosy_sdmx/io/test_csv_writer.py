"""SDMX-CSV writing: round trips, labels=both, actions, quoting, peer read-back."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pysdmx.io
import pytest
from io_samples import FLOW, canonical, thb_dataset, thb_layout

from mosy_sdmx.dataset import Action
from mosy_sdmx.io import read_data, write_data
from mosy_sdmx.structures import builtin_structures


@pytest.mark.parametrize("fmt", ["sdmx-csv-1.0", "sdmx-csv-2.0"])
def test_round_trip_keeps_every_observation(fmt):
    ds = thb_dataset()
    data = write_data(ds, None, fmt)
    back = read_data(data, thb_layout())
    assert back.structure_urn == ds.structure_urn
    pd.testing.assert_frame_equal(canonical(back.data), canonical(ds.data))


def test_csv_20_header_and_constant_columns():
    ds = thb_dataset()
    text = write_data(ds, None, "sdmx-csv-2.0").decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert rows[0][3:12] == thb_layout().key_columns()
    assert {r[0] for r in rows[1:]} == {"dataflow"}
    assert {r[2] for r in rows[1:]} == {"I"}
    assert len(rows) == len(ds) + 1


def test_csv_10_has_a_column_for_every_attribute():
    text = write_data(thb_dataset(), None, "sdmx-csv-1.0").decode()
    header = text.split("\n", 1)[0].split(",")
    layout = thb_layout()
    assert header[0] == "DATAFLOW"
    assert header[1:] == layout.key_columns() + list(layout.measures) + list(layout.attributes)


def test_values_needing_quotes_survive():
    ds = thb_dataset()
    data = ds.data.copy()
    data["COMMENT_OBS"] = data["COMMENT_OBS"].astype(object)
    data.loc[3, "COMMENT_OBS"] = "two\nlines; a, b"
    back = read_data(write_data(ds.with_data(data), None, "sdmx-csv-2.0"), thb_layout())
    assert back.data["COMMENT_OBS"].astype(object).iloc[3] == "two\nlines; a, b"
    assert back.data["COMMENT_OBS"].astype(object).iloc[0] == 'estimate, "revised"'


def test_labels_both_uses_structure_names_and_reads_back_as_ids():
    ds = thb_dataset()
    structures = builtin_structures()
    text = write_data(ds, None, "sdmx-csv-2.0", structures, labels="both").decode()
    header = next(csv.reader(io.StringIO(text)))
    sex_name = structures.dsd(thb_layout().dsd_id).dimensions.get("SEX").concept_identity.name
    assert f"SEX: {sex_name.localized_default()}" in header
    sex_codes = {
        c.id: str(c.name) for c in structures.codelist(thb_layout().components["SEX"].codelist)
    }
    first = next(csv.DictReader(io.StringIO(text)))
    sex_cell = next(v for k, v in first.items() if k.startswith("SEX:"))
    code, label = sex_cell.split(": ", 1)
    assert sex_codes[code] == label
    back = read_data(text.encode(), thb_layout())
    pd.testing.assert_frame_equal(canonical(back.data), canonical(ds.data))
    assert back.labels["SEX"][code] == label


def test_per_row_actions_round_trip():
    ds = thb_dataset()
    data = ds.data.copy()
    data["ACTION"] = pd.Categorical(["Replace"] * (len(data) - 2) + ["Delete"] * 2)
    text = write_data(ds.with_data(data), None, "sdmx-csv-2.0").decode()
    assert {r["ACTION"] for r in csv.DictReader(io.StringIO(text))} == {"R", "D"}
    back = read_data(text.encode(), thb_layout())
    assert list(back.data["ACTION"].astype(str)).count("Delete") == 2


def test_single_action_goes_in_every_row():
    ds = thb_dataset()
    ds.action = Action.REPLACE
    back = read_data(write_data(ds, None, "sdmx-csv-2.0"), thb_layout())
    assert back.action is Action.REPLACE and "ACTION" not in back.data.columns


def test_dataset_attributes_written_and_lifted_back():
    ds = thb_dataset()
    ds.attributes = {"UNIT_MULT": "0"}
    back = read_data(write_data(ds, None, "sdmx-csv-2.0"), thb_layout())
    assert back.attributes == {"UNIT_MULT": "0"}


def test_semicolon_separator():
    text = write_data(thb_dataset(), None, "sdmx-csv-2.0", delimiter=";").decode()
    assert text.startswith("STRUCTURE;STRUCTURE_ID;ACTION;")
    back = read_data(text.encode(), thb_layout())
    assert len(back) == len(thb_dataset())


@pytest.mark.parametrize("fmt", ["sdmx-csv-1.0", "sdmx-csv-2.0"])
def test_pysdmx_reads_our_csv(tmp_path, fmt):
    ds = thb_dataset()
    path = tmp_path / "out.csv"
    write_data(ds, path, fmt)
    got = pysdmx.io.get_datasets(path)
    assert len(got) == 1
    frame = got[0].data
    assert len(frame) == len(ds)
    assert FLOW in got[0].short_urn
    ours = ds.data["OBS_VALUE"].dropna().sum()
    theirs = pd.to_numeric(frame["OBS_VALUE"].astype(object), errors="coerce").astype(float).sum()
    assert theirs == ours


def test_writing_to_a_gzip_path(tmp_path):
    path = tmp_path / "out.csv.gz"
    write_data(thb_dataset(), path, "sdmx-csv-2.0")
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert len(read_data(path, thb_layout())) == len(thb_dataset())
    assert not list(tmp_path.glob(".*.part"))
