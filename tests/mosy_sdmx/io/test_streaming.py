"""Streamed messages equal whole ones, chunk by chunk, in every format."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from schemas import assert_valid_json, assert_valid_xml

import mosy_sdmx as ms
from mosy_sdmx.dataset import Action
from mosy_sdmx.io.streaming import DataSetPart, stream_data
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.xsd import dataflow_schema

FLOW = "DF_THB_VICTIMS"


@pytest.fixture(scope="module")
def structures():
    return builtin_structures()


@pytest.fixture(scope="module")
def frame(structures) -> pd.DataFrame:
    """Ten series of five years, grouped by series, with attributes."""
    rows = []
    for i, sex in enumerate(["T", "M", "F", "UNK", "T"]):
        for area in ("AT", "BG"):
            for year in range(2019, 2024):
                rows.append(
                    {
                        "FREQ": "A",
                        "REF_AREA": area,
                        "DATA_SOURCE": "POL" if i < 4 else "NGO",
                        "PERS_STAT": "PER_VICT",
                        "SEX": sex,
                        "AGE": "TOTAL",
                        "CITIZEN": "TOTAL",
                        "EXPLOIT": "_T",
                        "TIME_PERIOD": str(year),
                        "OBS_VALUE": float(10 * i + year - 2019),
                        "OBS_STATUS": "A",
                        "CONF_STATUS": "F",
                        "UNIT_MEASURE": "NR",
                        "COUNT_RULE": "PERS_YEAR",
                    }
                )
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col not in ("TIME_PERIOD", "OBS_VALUE"):
            df[col] = df[col].astype("category")
    return df


def _chunks(frame: pd.DataFrame, size: int, part: DataSetPart | None = None):
    part = part or DataSetPart()
    for start in range(0, len(frame), size):
        yield part, frame.iloc[start : start + size].reset_index(drop=True)


def _observations(data: bytes, structures, fmt: str) -> pd.DataFrame:
    ds = ms.read_data(data, structures, fmt, flow=FLOW)
    cols = [*structures.layout(FLOW).key_columns(), "OBS_VALUE", "OBS_STATUS"]
    out = ds.data[cols].astype({c: str for c in cols if c != "OBS_VALUE"})
    return out.sort_values(cols[:-2]).reset_index(drop=True)


@pytest.mark.parametrize(
    "fmt",
    ["sdmx-ml-2.1-generic", "sdmx-ml-2.1-ss", "sdmx-ml-3.0", "sdmx-csv-1.0", "sdmx-csv-2.0",
     "sdmx-json-1.0", "sdmx-json-2.0"],
)  # fmt: skip
@pytest.mark.parametrize("size", [7, 1000])
def test_streamed_message_reads_back_as_the_whole_one(structures, frame, fmt, size) -> None:
    layout = structures.layout(FLOW)
    pieces = list(stream_data(_chunks(frame, size), fmt, layout, labels_from=structures))
    streamed = b"".join(pieces)
    whole = ms.write_data(
        ms.Dataset(frame, structure_urn=layout.structure_urn), None, fmt, structures, flow=FLOW
    )
    pd.testing.assert_frame_equal(
        _observations(streamed, structures, fmt), _observations(whole, structures, fmt)
    )
    if size == 7 and not fmt.startswith("sdmx-json"):
        assert len(pieces) > 3  # it did stream


@pytest.mark.parametrize("version", ["2.1", "3.0"])
def test_series_are_never_split_between_chunks(structures, frame, version, tmp_path) -> None:
    layout = structures.layout(FLOW)
    fmt = "sdmx-ml-2.1-ss" if version == "2.1" else "sdmx-ml-3.0"
    data = b"".join(stream_data(_chunks(frame, 3), fmt, layout))
    assert data.count(b"<Series ") == 10
    xsd = tmp_path / "flow.xsd"
    xsd.write_bytes(dataflow_schema(structures, FLOW, version))
    assert_valid_xml(data, version, xsd)


def test_replace_and_delete_parts_become_data_sets_and_actions(structures, frame, tmp_path) -> None:
    layout = structures.layout(FLOW)
    deleted = frame.iloc[:5].drop(columns=["OBS_VALUE"]).reset_index(drop=True)

    def chunks():
        yield DataSetPart(Action.REPLACE), frame.iloc[5:].reset_index(drop=True)
        yield DataSetPart(Action.DELETE), deleted

    xml = b"".join(stream_data(chunks(), "sdmx-ml-2.1-generic", layout))
    assert xml.count(b'action="Replace"') == 1 and xml.count(b'action="Delete"') == 1
    assert_valid_xml(xml, "2.1")
    ss = b"".join(stream_data(chunks(), "sdmx-ml-2.1-ss", layout))
    xsd = tmp_path / "flow.xsd"
    xsd.write_bytes(dataflow_schema(structures, FLOW, "2.1"))
    assert_valid_xml(ss, "2.1", xsd)
    csv = b"".join(stream_data(chunks(), "sdmx-csv-2.0", layout)).decode()
    actions = pd.read_csv(io.StringIO(csv))["ACTION"]
    assert (actions == "R").sum() == len(frame) - 5 and (actions == "D").sum() == 5
    read = ms.read_data(csv.encode(), structures, flow=FLOW)
    assert set(read.data["ACTION"].astype(str)) == {"Replace", "Delete"}
    csv10 = b"".join(stream_data(chunks(), "sdmx-csv-1.0", layout)).decode()
    assert len(csv10.strip().splitlines()) == 1 + len(frame) - 5  # 1.0 cannot delete
    doc = json.loads(b"".join(stream_data(chunks(), "sdmx-json-2.0", layout)))
    assert [d["action"] for d in doc["data"]["dataSets"]] == ["Replace", "Delete"]
    assert_valid_json(doc, "data")


def test_history_parts_carry_their_validity(structures, frame) -> None:
    from datetime import UTC, datetime

    layout = structures.layout(FLOW)
    moment = datetime(2025, 3, 1, 12, tzinfo=UTC)
    part = DataSetPart(Action.REPLACE, valid_from=moment)
    xml = b"".join(stream_data(_chunks(frame, 20, part), "sdmx-ml-2.1-generic", layout))
    assert b'validFromDate="2025-03-01T12:00:00+00:00"' in xml
    assert_valid_xml(xml, "2.1")


def test_series_only_writes_series_without_observations(structures, frame, tmp_path) -> None:
    layout = structures.layout(FLOW)
    keys = frame.drop_duplicates(list(layout.dimensions))[list(layout.dimensions)]
    chunks = [(DataSetPart(), keys.reset_index(drop=True))]
    xml = b"".join(stream_data(chunks, "sdmx-ml-2.1-generic", layout, series_only=True))
    assert xml.count(b"<generic:Series>") == 10 and b"<generic:Obs>" not in xml
    assert_valid_xml(xml, "2.1")
    ss = b"".join(stream_data(chunks, "sdmx-ml-2.1-ss", layout, series_only=True))
    xsd = tmp_path / "flow.xsd"
    xsd.write_bytes(dataflow_schema(structures, FLOW, "2.1"))
    assert_valid_xml(ss, "2.1", xsd)


def test_an_empty_stream_is_an_empty_message(structures, tmp_path) -> None:
    layout = structures.layout(FLOW)
    xml = b"".join(stream_data(iter([]), "sdmx-ml-3.0", layout))
    xsd = tmp_path / "flow.xsd"
    xsd.write_bytes(dataflow_schema(structures, FLOW, "3.0"))
    assert_valid_xml(xml, "3.0", xsd)
    csv = b"".join(stream_data(iter([]), "sdmx-csv-2.0", layout)).decode()
    assert csv.startswith("STRUCTURE,STRUCTURE_ID,ACTION") and len(csv.splitlines()) == 1


def test_memory_of_a_stream_is_one_chunk(structures, frame) -> None:
    """A generator of chunks is consumed lazily: the writer never asks for all of it."""
    layout = structures.layout(FLOW)
    taken = []

    def chunks():
        for i in range(1000):
            taken.append(i)
            yield DataSetPart(), frame.iloc[:10].assign(TIME_PERIOD=str(1000 + i))

    stream = stream_data(chunks(), "sdmx-csv-2.0", layout)
    next(stream)
    next(stream)
    assert len(taken) <= 3
    assert np.isfinite(len(b"".join(stream)))
