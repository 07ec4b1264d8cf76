"""``mosy convert``: format by suffix or --to, structures, bad input exits 2 cleanly."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from typer.testing import CliRunner

import mosy_sdmx.cli.convert as convert_module
from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import EXIT_OK, EXIT_UNUSABLE_INPUT
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io import read_data

runner = CliRunner()

THB_CSV = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,DATA_SOURCE,PERS_STAT,SEX,AGE,CITIZEN,EXPLOIT,"
    "TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
    "dataflow,MOSY:DF_THB_VICTIMS(1.0),I,A,AT,POL,PER_VICT,F,Y_GE18,AT,SEX,2020,12,A\n"
    "dataflow,MOSY:DF_THB_VICTIMS(1.0),I,A,AT,POL,PER_VICT,M,Y_GE18,AT,SEX,2020,7,A\n"
)


@pytest.fixture(scope="module")
def ecb_structure(specimens):
    return str(specimens / "ECB_EXR" / "1" / "structure-full.xml")


def run(*args: str):
    return runner.invoke(app, ["convert", *args])


def test_json_to_csv_by_suffix(specimens, ecb_structure, tmp_path):
    out = tmp_path / "exr.csv"
    result = run(str(specimens / "ECB_EXR" / "ts.json"), str(out), "--structure", ecb_structure)
    assert result.exit_code == EXIT_OK, result.output
    assert out.read_text().startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ")
    assert len(read_data(out)) == 4
    assert "converted 4 observations" in result.output


def test_csv_to_json_with_builtin_flow_and_gzip_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(THB_CSV)
    out = tmp_path / "out.json.gz"
    result = run(str(src), str(out), "--flow", "DF_THB_VICTIMS")
    assert result.exit_code == EXIT_OK, result.output
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["meta"]["schema"].endswith("2.0.0/sdmx-json-data-schema.json")


def test_to_overrides_suffix_and_labels_both(specimens, ecb_structure, tmp_path):
    out = tmp_path / "exr.txt"
    args = (str(specimens / "ECB_EXR" / "ts.json"), str(out), "--structure", ecb_structure)
    result = run(*args, "--to", "sdmx-csv-1.0", "--labels", "both")
    assert result.exit_code == EXIT_OK, result.output
    header = out.read_text().split("\n", 1)[0]
    assert header.startswith("DATAFLOW,FREQ: Frequency,")


def test_standard_output(specimens, ecb_structure):
    args = (str(specimens / "ECB_EXR" / "ts.json"), "-", "--structure", ecb_structure)
    result = run(*args, "--to", "sdmx-json-1.0", "--quiet")
    assert result.exit_code == EXIT_OK
    assert json.loads(result.stdout)["data"]["dataSets"]


def test_xml_output_needs_to(specimens, tmp_path):
    result = run(str(specimens / "ECB_EXR" / "ts.json"), str(tmp_path / "out.xml"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "--to" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Empty input"),
        (THB_CSV.replace(",12,A\n", ",12\n", 1).encode(), "Missing column"),
        (THB_CSV.replace(",12,A", ",twelve,A").encode(), "Not a number"),
        (THB_CSV.replace("OBS_STATUS", "COLOUR").encode(), "Unknown component"),
        (b"not, sdmx\n", "Unrecognised data format"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, content, message):
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    result = run(str(src), str(tmp_path / "out.json"), "--flow", "DF_THB_VICTIMS")
    assert result.exit_code == EXIT_UNUSABLE_INPUT, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.json").exists()


def test_bad_row_is_located(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text(THB_CSV.replace(",7,A", ",seven,A"))
    result = run(str(src), str(tmp_path / "out.json"), "--flow", "DF_THB_VICTIMS")
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "row 2" in " ".join(result.output.split())  # Rich may wrap the line


def test_missing_input_exits_2(tmp_path):
    result = run(str(tmp_path / "nope.csv"), str(tmp_path / "out.json"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "Cannot read input" in result.output


def test_progress_bar_path_reads_the_same(monkeypatch, tmp_path):
    monkeypatch.setattr(convert_module, "PROGRESS_MIN_BYTES", 0)
    src = tmp_path / "in.csv"
    src.write_text(THB_CSV)
    out = tmp_path / "out.csv"
    result = run(str(src), str(out), "--flow", "DF_THB_VICTIMS")
    assert result.exit_code == EXIT_OK, result.output
    assert len(read_data(out)) == 2


def test_progress_reader_reports_position():
    seen: list[int] = []
    reader = convert_module.ProgressReader(
        io.BytesIO(b"x" * 1000), "mem", lambda pos, absolute=True: seen.append(pos)
    )
    buffered = io.BufferedReader(reader, buffer_size=256)
    assert len(buffered.read()) == 1000
    assert seen[-1] == 1000 and seen == sorted(seen)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", DataFormat.SDMX_CSV_20),
        ("a.json.gz", DataFormat.SDMX_JSON_20),
        ("a.xlsx", DataFormat.XLSX),
    ],
)
def test_output_format_from_suffix(name, expected):
    assert convert_module.output_format(name, None) is expected


def test_structure_specific_xml_without_structure_as_far_as_it_goes(specimens, tmp_path):
    """Structure-specific data does not tell a series' dimensions from its attributes:
    without the DSD it converts to formats that need not say (SDMX-CSV, structure-
    specific SDMX-ML); SDMX-JSON and generic SDMX-ML ask for the structure."""
    source = str(specimens / "ECB_EXR" / "sg-ts-ss.xml")
    assert run(source, str(tmp_path / "plain.csv")).exit_code == EXIT_OK
    assert len(read_data(tmp_path / "plain.csv")) == 12
    result = run(source, str(tmp_path / "out.json"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "--structure" in result.output and "Traceback" not in result.output
    assert "CURRENCY" in result.output  # names what it cannot place
    structure = str(specimens / "ECB_EXR" / "sg-structure-full.xml")
    assert run(source, str(tmp_path / "out.json"), "--structure", structure).exit_code == EXIT_OK
    assert len(read_data(tmp_path / "out.json")) == 12
