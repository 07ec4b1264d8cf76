"""calamine reads a workbook's cells as openpyxl does, for everything a partner may type."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pandas as pd
import pytest
from xlsx_samples import fill_template

from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io import read_data
from mosy_sdmx.io.xlsx import books
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.templates import write_template

FLOW, PROVIDER = "DF_THB_VICTIMS", "PT_NREM"
COMMON = {
    "FREQ": "A", "DATA_SOURCE": "NREM", "PERS_STAT": "PER_VICT", "SEX": "F", "AGE": "TOTAL",
    "CITIZEN": "TOTAL", "EXPLOIT": "_T", "CONF_STATUS": "F", "COUNT_RULE": "PERS_YEAR",
    "TIME_PERIOD": "2023", "OBS_VALUE": 1, "OBS_STATUS": "A",
}  # fmt: skip


@pytest.fixture(scope="module")
def template() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, flow=FLOW, provider=PROVIDER, structures=builtin_structures(), rows=5)
    return buffer.getvalue()


def read_with(book, data: bytes, monkeypatch):
    monkeypatch.setattr(books, "BOOK", book)
    try:
        dataset = read_data(data)
    except ParseError as exc:
        return ("error", exc.title, exc.location)
    return ("ok", dataset.data, dataset.attributes, dataset.source_lines, dataset.row_offset)


def assert_same(data: bytes, monkeypatch):
    calamine = read_with(books.CalamineBook, data, monkeypatch)
    reference = read_with(books.OpenpyxlBook, data, monkeypatch)
    assert calamine[0] == reference[0]
    if calamine[0] == "error":
        assert calamine == reference
        return calamine
    pd.testing.assert_frame_equal(calamine[1], reference[1])
    assert calamine[2] == reference[2]
    if calamine[3] is None or reference[3] is None:
        assert calamine[3] is reference[3]
    else:
        assert calamine[3].equals(reference[3])
    assert calamine[4] == reference[4]
    return calamine


CELLS = {
    "whole number": {"OBS_VALUE": 12},
    "float": {"OBS_VALUE": 12.5},
    "number as text": {"OBS_VALUE": " 7 "},
    "year as number": {"TIME_PERIOD": 2023},
    "year as float": {"TIME_PERIOD": 2023.0},
    "date": {"TIME_PERIOD": date(2023, 5, 1)},
    "datetime": {"TIME_PERIOD": datetime(2023, 5, 1, 12, 30)},
    "time": {"COMMENT_OBS": time(8, 15)},
    "boolean comment": {"COMMENT_OBS": True},
    "empty text": {"COMMENT_OBS": ""},
    "blank text": {"COMMENT_OBS": "   "},
    "unicode": {"COMMENT_OBS": "Ελλάδα – ½"},
    "formula without a cached value": {"COMMENT_OBS": "=1+1"},
    "code as number": {"SEX": 1},
    "bad number": {"OBS_VALUE": "many"},
    "boolean value": {"OBS_VALUE": True},
}


@pytest.mark.parametrize("name", list(CELLS))
def test_cells_read_the_same(template, monkeypatch, name):
    rows = [COMMON, {**COMMON, **CELLS[name]}, {**COMMON, "TIME_PERIOD": "2022"}]
    assert_same(fill_template(template, rows), monkeypatch)


def test_blank_rows_and_a_used_range_away_from_a1(template, monkeypatch):
    def edit(workbook):
        sheet = workbook["Data"]
        sheet.insert_cols(1)  # the columns start at B: their letters must follow

    rows = [COMMON, {}, {}, {**COMMON, "SEX": "M"}]
    got = assert_same(fill_template(template, rows, edit), monkeypatch)
    assert got[0] == "ok" and got[3].tolist() == [2, 5]


def test_a_header_row_below_the_first(template, monkeypatch):
    def edit(workbook):
        workbook["Data"].insert_rows(1, amount=2)
        meta = workbook["_mosy"]
        for row in meta.iter_rows():
            if row[0].value == "header_row":
                row[1].value = "3"

    got = assert_same(fill_template(template, [COMMON, {**COMMON, "SEX": "M"}], edit), monkeypatch)
    assert got[0] == "ok" and got[4] == 4


def test_calamine_is_what_the_reader_uses():
    assert books.BOOK is books.CalamineBook
