"""SDMX-CSV read from files: the quicker settings a plain file allows change nothing.

A file without any double quote is parsed with line ends as row ends, and
numeric measures go straight to float64; a quoted line break or a value Arrow
cannot read as a number must still come out as from a stream.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from csv_samples import THB_HEADER, THB_ROW, good_rows, thb_csv
from io_samples import thb_layout

from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io import read_data
from mosy_sdmx.io.sdmx_csv import reader


def from_file_and_stream(tmp_path, data: bytes, layout=None):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    results = []
    for source in (path, io.BytesIO(data)):
        try:
            results.append(read_data(source, structure=layout, format="sdmx-csv-2.0").data)
        except ParseError as exc:
            found = exc.to_dict()
            found["location"].pop("source")
            results.append(found)
    return results


@pytest.fixture
def quote_decisions(monkeypatch) -> list[bool]:
    """What ``_may_hold_quotes`` answered, read after read."""
    seen: list[bool] = []
    original = reader._may_hold_quotes

    def spy(*args):
        seen.append(original(*args))
        return seen[-1]

    monkeypatch.setattr(reader, "_may_hold_quotes", spy)
    return seen


def test_a_file_without_quotes_is_read_quickly_and_exactly(tmp_path, quote_decisions):
    from_file, from_stream = from_file_and_stream(tmp_path, thb_csv(good_rows(5)), thb_layout())
    # The file was found free of quotes; a stream is not searched.
    assert quote_decisions == [False, True]
    assert from_file.equals(from_stream)
    assert from_file["OBS_VALUE"].tolist() == [0.0, 10.0, 20.0, 30.0, 40.0]


def test_a_quoted_line_break_in_a_file_stays_in_its_value(tmp_path):
    header = THB_HEADER + ",COMMENT_OBS"
    rows = [r + ",plain" for r in good_rows(3)]
    rows[1] = rows[1].replace(",plain", ',"two\nlines"')
    from_file, from_stream = from_file_and_stream(tmp_path, thb_csv(rows, header), thb_layout())
    assert len(from_file) == 3
    assert list(from_file["COMMENT_OBS"].astype(object)) == ["plain", "two\nlines", "plain"]
    assert from_file.equals(from_stream)


@pytest.mark.parametrize("value", [" 7", "1e3", "NaN", "", "-0", "+3"])
def test_unusual_numbers_read_the_same_from_a_file(tmp_path, value):
    rows = [THB_ROW.format(year=2015, value=value), *good_rows(2)[1:]]
    from_file, from_stream = from_file_and_stream(tmp_path, thb_csv(rows), thb_layout())
    assert from_file.equals(from_stream)
    first = from_file["OBS_VALUE"].iloc[0]
    assert (np.isnan(first) and value in ("NaN", "")) or first == float(value)


def test_a_bad_number_in_a_file_is_located_like_in_a_stream(tmp_path):
    rows = good_rows(4)
    rows[2] = THB_ROW.format(year=2017, value="many")
    from_file, from_stream = from_file_and_stream(tmp_path, thb_csv(rows), thb_layout())
    assert from_file == from_stream
    assert from_file["title"] == "Not a number" and from_file["location"]["row"] == 3


def test_a_gzipped_file_is_never_searched_for_quotes(tmp_path, quote_decisions):
    import gzip

    header = THB_HEADER + ",COMMENT_OBS"
    rows = [r + ",plain" for r in good_rows(3)]
    rows[1] = rows[1].replace(",plain", ',"two\nlines"')
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(thb_csv(rows, header), mtime=0))
    frame = read_data(path, structure=thb_layout()).data
    assert quote_decisions == [True]  # the packed bytes say nothing about quotes: assume some
    assert list(frame["COMMENT_OBS"].astype(object)) == ["plain", "two\nlines", "plain"]
