"""Opening inputs: gzip, zip (seekable or not), bombs, broken archives, odd streams."""

from __future__ import annotations

import gzip
import io

import pytest
from streams import OneWay, zipped

from mosy_sdmx.exceptions import ParseError, UnsupportedFormatError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io import read_data
from mosy_sdmx.io import source as source_module
from mosy_sdmx.io.source import open_source
from mosy_sdmx.limits import limits_override


@pytest.fixture(scope="module")
def csv_bytes(specimens) -> bytes:
    return (specimens / "sdmx-3.0" / "csv" / "example-01.csv").read_bytes()


def test_plain_gzip_and_zip_give_the_same_dataset(csv_bytes, tmp_path):
    plain = read_data(csv_bytes).data
    path = tmp_path / "data.csv.zip"
    path.write_bytes(zipped({"data.csv": csv_bytes}))
    inputs = [
        gzip.compress(csv_bytes),
        zipped({"data.csv": csv_bytes}),
        io.BufferedReader(OneWay(gzip.compress(csv_bytes))),
        io.BufferedReader(OneWay(zipped({"data.csv": csv_bytes}))),
        path,
    ]
    for given in inputs:
        assert read_data(given).data.equals(plain)


def test_zip_on_disk_is_read_in_place(csv_bytes, tmp_path):
    path = tmp_path / "data.zip"
    path.write_bytes(zipped({"dir/": b"", "data.csv": csv_bytes}))
    with open_source(path) as (stream, name, head):
        assert head.startswith(b"STRUCTURE")
        assert stream.seekable()  # nothing was copied to memory to get here
        assert stream.read() == csv_bytes
    assert name == str(path)


def test_zip_with_several_files_is_refused(csv_bytes):
    with pytest.raises(ParseError, match="one data file"):
        read_data(zipped({"a.csv": csv_bytes, "b.csv": csv_bytes}))


def test_zip_member_over_the_limit_is_refused(csv_bytes):
    archive = zipped({"a.csv": csv_bytes})
    with pytest.raises(ParseError, match="too large"), open_source(archive, max_bytes=100):
        pass


def test_zip_bomb_ratio_is_refused():
    with limits_override(ratio_floor=1000, max_ratio=50), pytest.raises(ParseError, match="Suspic"):
        read_data(zipped({"a.csv": b"STRUCTURE," + b"0" * 1_000_000}))


def test_gzip_bomb_is_stopped_while_reading():
    bomb = gzip.compress(b"STRUCTURE,STRUCTURE_ID\n" + b"x" * 2_000_000)
    opened = open_source(bomb, max_bytes=1_000_000)
    with pytest.raises(ParseError, match="Input too large"), opened as (stream, _, _head):
        while stream.read(65536):
            pass


def test_broken_inputs_are_parse_errors(csv_bytes):
    with pytest.raises(ParseError, match=r"gzip|compressed"):
        read_data(gzip.compress(csv_bytes)[:40])
    with pytest.raises(ParseError, match="zip"):
        read_data(b"PK\x03\x04" + b"\x00" * 50)


def test_empty_and_unknown_inputs():
    with pytest.raises(ParseError, match="Empty input"):
        read_data(b"")
    with pytest.raises(ParseError, match="Empty input"):
        read_data(gzip.compress(b"  \n"))
    with pytest.raises(UnsupportedFormatError):
        read_data(b"hello, world\n")
    with pytest.raises(ParseError, match="Cannot open"):
        read_data("no/such/file.csv")


def test_stream_handed_over_mid_way(csv_bytes):
    stream = io.BytesIO(b"ignored prefix" + csv_bytes)
    stream.seek(len(b"ignored prefix"))
    assert len(read_data(stream)) == 2


def test_workbook_keeps_its_archive():
    workbook = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    with open_source(workbook) as (stream, _, head):
        assert stream.read() == workbook
    assert head[:4] == b"PK\x03\x04"
    assert source_module.detect_format(head, "x") is DataFormat.XLSX


def test_gzip_ratio_bomb_is_refused_early():
    bomb = gzip.compress(b"STRUCTURE,STRUCTURE_ID\n" + b"0" * 20_000_000)
    with limits_override(ratio_floor=256 * 1024), pytest.raises(ParseError, match="Suspicious"):
        read_data(bomb)


def test_root_element_behind_a_long_prolog_is_found(specimens):
    data = (specimens / "ECB_EXR" / "sg-ts.xml").read_bytes()
    declaration, rest = data.split(b"?>", 1)
    padded = declaration + b"?>\n<!--" + b" long comment " * 10_000 + b"-->" + rest
    with open_source(padded) as (stream, _, head):
        assert len(head) > 100_000
        assert source_module.detect_format(head, "x") is DataFormat.SDMX_ML_21_GENERIC
        assert stream.read() == padded
