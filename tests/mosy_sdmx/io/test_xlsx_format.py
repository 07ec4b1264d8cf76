"""The xlsx data format: writer -> reader gives back the same frame and dataset facts."""

from __future__ import annotations

import gzip
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io import read_data, write_data
from mosy_sdmx.io.xlsx import reader as xlsx_reader
from mosy_sdmx.io.xlsx.reader import read
from mosy_sdmx.io.xlsx.writer import write

pytestmark = pytest.mark.usefixtures("both_books")


@pytest.fixture(scope="module")
def layout(ecb_structures):
    return ecb_structures.layout("EXR")


def _dataset(layout, n: int = 40) -> Dataset:
    rng = np.random.default_rng(7)
    currencies = ["USD", "JPY", "GBP", "CHF"]
    values = rng.uniform(0.5, 200, n).round(4)
    values[::7] = np.nan
    frame = pd.DataFrame(
        {
            "FREQ": ["M"] * n,
            "CURRENCY": [currencies[i % 4] for i in range(n)],
            "CURRENCY_DENOM": ["EUR"] * n,
            "EXR_TYPE": ["SP00"] * n,
            "EXR_SUFFIX": ["A"] * n,
            "TIME_PERIOD": [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(n)],
            "OBS_VALUE": values,
            "OBS_STATUS": ["M" if np.isnan(v) else "A" for v in values],
            "OBS_COM": [None if i % 3 else f"note {i} – ü\x01" for i in range(n)],
            "TITLE_COMPL": ["Euro foreign exchange reference rate"] * n,
        }
    )
    for col in ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"):
        frame[col] = frame[col].astype("category")
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype("str")
    for col in ("OBS_STATUS", "OBS_COM", "TITLE_COMPL"):
        frame[col] = frame[col].astype("category")
    return Dataset(
        data=frame,
        structure_urn=layout.structure_urn,
        action=Action.REPLACE,
        provider="ECB",
    )


def _expected(frame: pd.DataFrame) -> pd.DataFrame:
    # A workbook cannot hold control characters; the writer drops them.
    out = frame.copy()
    out["OBS_COM"] = out["OBS_COM"].astype(object).str.replace("\x01", "").astype("category")
    return out


def test_writer_reader_round_trip_equals_the_original(layout) -> None:
    dataset = _dataset(layout)
    buffer = io.BytesIO()
    write(dataset, buffer, layout=layout)
    buffer.seek(0)
    back = read(buffer, layout=None, source_name="x.xlsx")
    pd.testing.assert_frame_equal(back.data, _expected(dataset.data))
    assert (back.structure_urn, back.action, back.provider) == (
        dataset.structure_urn,
        dataset.action,
        dataset.provider,
    )
    assert back.row_offset == 2  # the first observation sits on sheet row 2


def test_round_trip_through_read_data_and_write_data(layout) -> None:
    dataset = _dataset(layout)
    data = write_data(dataset, None, "xlsx", layout)
    assert data[:4] == b"PK\x03\x04"
    pd.testing.assert_frame_equal(read_data(data).data, _expected(dataset.data))
    pd.testing.assert_frame_equal(
        read_data(data, layout, format=DataFormat.XLSX).data, _expected(dataset.data)
    )


def test_gzipped_workbook_reads(layout, tmp_path) -> None:
    dataset = _dataset(layout, 5)
    path = tmp_path / "data.xlsx.gz"
    path.write_bytes(gzip.compress(write_data(dataset, None, "xlsx", layout)))
    pd.testing.assert_frame_equal(read_data(path).data, _expected(dataset.data))


def test_rows_are_gathered_in_chunks(layout, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_reader, "CHUNK_ROWS", 3)
    dataset = _dataset(layout, 10)
    data = write_data(dataset, None, "xlsx", layout)
    pd.testing.assert_frame_equal(read_data(data).data, _expected(dataset.data))


def test_dataset_attributes_go_to_their_own_sheet(layout) -> None:
    dataset = _dataset(layout, 3)
    dataset.attributes = {"UNIT_MULT": "0", "NOTE": "x"}
    data = write_data(dataset, None, "xlsx", layout)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Dataset"]
    assert {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)} == {
        "UNIT_MULT": "0",
        "NOTE": "x",
    }
    assert read_data(data).attributes == dataset.attributes


def test_written_workbook_is_a_template_shaped_workbook(layout) -> None:
    data = write_data(_dataset(layout, 2), None, "xlsx", layout)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[0] == "Data"
    assert workbook["_mosy"].sheet_state == "veryHidden"
    header = [c.value for c in workbook["Data"][1]]
    assert header == [c for c in layout.all_columns() if c in _dataset(layout, 1).data.columns]
