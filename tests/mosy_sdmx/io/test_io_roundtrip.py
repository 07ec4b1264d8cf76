"""Cross-format round trips: every writer's output reads back to the same frame."""

from __future__ import annotations

import pandas as pd
import pytest
from io_samples import canonical, thb_dataset, thb_layout

from mosy_sdmx.dataset import Action
from mosy_sdmx.formats import DataFormat, sniff_data_format
from mosy_sdmx.io import read_data, write_data
from mosy_sdmx.io.table import readable_formats, writable_formats

pytestmark = pytest.mark.usefixtures("both_xml_paths")


@pytest.fixture(scope="module")
def source():
    ds = thb_dataset()
    ds.attributes = {"UNIT_MULT": "0"}
    return ds


@pytest.mark.parametrize("fmt", [f for f in writable_formats() if f in readable_formats()])
def test_each_format_round_trips(source, fmt):
    data = write_data(source, None, fmt)
    assert sniff_data_format(data[:65536]) in (
        (fmt, DataFormat.SDMX_ML_21_SS) if fmt is DataFormat.SDMX_ML_21_SS else (fmt,)
    )
    back = read_data(data, thb_layout())
    assert back.attributes == source.attributes
    pd.testing.assert_frame_equal(canonical(back.data), canonical(source.data))


@pytest.mark.parametrize(
    "chain",
    [
        ["sdmx-csv-2.0", "sdmx-ml-2.1-ss", "sdmx-csv-2.0"],
        ["sdmx-csv-2.0", "sdmx-ml-3.0", "sdmx-json-2.0", "sdmx-csv-1.0"],
        ["sdmx-json-1.0", "xlsx", "sdmx-ml-2.1-generic", "sdmx-json-2.0"],
    ],
)
def test_chains_of_conversions(source, chain):
    ds = source
    for fmt in chain:
        ds = read_data(write_data(ds, None, fmt), thb_layout())
    pd.testing.assert_frame_equal(canonical(ds.data), canonical(source.data))
    assert ds.structure_urn == source.structure_urn


def test_action_survives_csv_and_xml(source):
    ds = thb_dataset(n_series=3, years=2)
    ds.action = Action.REPLACE
    for fmt in ("sdmx-csv-2.0", "sdmx-ml-2.1-ss", "sdmx-json-2.0"):
        assert read_data(write_data(ds, None, fmt), thb_layout()).action is Action.REPLACE, fmt
