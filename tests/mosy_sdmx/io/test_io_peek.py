"""read_data finds the dataflow a message names, among many, without being told."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from io_samples import thb_dataset

from mosy_sdmx import read_data, write_data
from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.peek import peek_structure_id
from mosy_sdmx.structures import builtin_structures

OTHER_FLOW = "DF_THB_VICTIMS_PUB"  # same DSD, another dataflow: the id must come from the file
TEXT_FORMATS = [f for f in DataFormat if f is not DataFormat.XLSX]


@pytest.fixture(scope="module")
def dataset():
    ds = thb_dataset()
    urn = builtin_structures().layout(OTHER_FLOW).structure_urn
    return dataclasses.replace(ds, structure_urn=urn)


@pytest.mark.parametrize("fmt", TEXT_FORMATS, ids=str)
def test_peek_names_the_dataflow_written(dataset, fmt) -> None:
    message = write_data(dataset, None, fmt, flow=OTHER_FLOW)
    assert peek_structure_id(message[:65536], fmt) == OTHER_FLOW


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, DataFormat.XLSX], ids=str)
def test_read_with_a_structure_set_picks_the_named_flow(dataset, fmt) -> None:
    message = write_data(dataset, None, fmt, flow=OTHER_FLOW)
    back = read_data(message, builtin_structures())
    assert back.structure_id == OTHER_FLOW
    assert len(back.data) == len(dataset.data)
    # Typed by the layout: dimensions are categoricals of the dataflow's codes.
    assert isinstance(back.data["SEX"].dtype, pd.CategoricalDtype)
    assert back.data["OBS_VALUE"].dtype == "float64"


def test_without_structure_a_built_in_flow_is_used(dataset) -> None:
    message = write_data(dataset, None, "sdmx-ml-2.1-ss", flow=OTHER_FLOW)
    back = read_data(message)
    assert back.structure_id == OTHER_FLOW
    assert set(back.data["SEX"].astype(str)) == set(dataset.data["SEX"].astype(str))


def test_unknown_flow_in_a_set_of_many_asks_to_name_one(dataset) -> None:
    message = write_data(dataset, None, "sdmx-csv-2.0", flow=OTHER_FLOW)
    unknown = message.replace(b"DF_THB_VICTIMS_PUB", b"DF_NOT_THERE")
    with pytest.raises(StructureNotFoundError, match="name one"):
        read_data(unknown, builtin_structures())


def test_ecb_specimens_name_their_structure(specimens) -> None:
    ids = set()
    for path in sorted((specimens / "ECB_EXR").glob("ng-*.xml")):
        if "structure" in path.name:
            continue
        head = path.read_bytes()[:65536]
        fmt = DataFormat.SDMX_ML_21_SS if "-ss" in path.name else DataFormat.SDMX_ML_21_GENERIC
        ids.add(peek_structure_id(head, fmt))
    assert ids and None not in ids
