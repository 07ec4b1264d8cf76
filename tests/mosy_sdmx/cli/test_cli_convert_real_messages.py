"""``mosy convert`` on agencies' replies: self-describing input without --structure,
a structure of another dataflow never drops data, footers and deviations shown."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
import real_messages as rm
from typer.testing import CliRunner

from mosy_sdmx.cli import convert, validate  # noqa: F401 - registers the commands
from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import EXIT_OK, EXIT_UNUSABLE_INPUT
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io import read_data, write_data

runner = CliRunner()

THB_CSV = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,DATA_SOURCE,PERS_STAT,SEX,AGE,CITIZEN,EXPLOIT,"
    "TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
    "dataflow,MOSY:DF_THB_VICTIMS(1.0),I,A,AT,POL,PER_VICT,F,Y_GE18,AT,SEX,2020,12,A\n"
    "dataflow,MOSY:DF_THB_VICTIMS(1.0),I,A,AT,POL,PER_VICT,M,Y_GE18,AT,SEX,2020,7,A\n"
)


def run(*args: str):
    return runner.invoke(app, ["convert", *args])


@pytest.mark.parametrize(
    ("source", "to"),
    [
        ("ECB_EXR/ts.json", "sdmx-ml-2.1-generic"),
        ("ECB_EXR/xs.json", "sdmx-ml-3.0"),
        ("ECB_EXR/flat.json", "sdmx-csv-1.0"),
        ("ECB_EXR/sg-ts.xml", "sdmx-json-2.0"),
        ("ECB_EXR/sg-xs.xml", "sdmx-ml-2.1-ss"),
        ("sdmx-3.0/csv/example-01.csv", "sdmx-csv-2.0"),
    ],
)
def test_self_describing_input_needs_no_structure(specimens, tmp_path, source, to):
    path = specimens / source
    out = tmp_path / "out.data"
    result = run(str(path), str(out), "--to", to)
    assert result.exit_code == EXIT_OK, result.output
    before, after = read_data(path), read_data(out)
    assert len(after) == len(before)
    assert sorted(after.data["OBS_VALUE"].dropna()) == sorted(before.data["OBS_VALUE"].dropna())
    assert "BaseDataStructureDefinition" not in result.output


@pytest.mark.parametrize("fmt", [DataFormat.SDMX_CSV_20, DataFormat.SDMX_JSON_10])
def test_another_dataflows_structure_never_drops_a_column(specimens, tmp_path, fmt):
    """A THB file converted with the ECB structure: refused, naming all that ECB lacks."""
    source = tmp_path / f"victims{fmt.suffix}"
    source.write_bytes(write_data(read_data(THB_CSV.encode()), None, fmt))
    structure = str(specimens / "ECB_EXR" / "1" / "structure-full.xml")
    out = tmp_path / "out.json"
    result = run(str(source), str(out), "--structure", structure, "--flow", "ECB_EXR1")
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert not out.exists()
    assert "Traceback" not in result.output
    output = " ".join(result.output.split())
    assert "ECB_EXR1" in output and "another dataflow" in output
    for column in ("REF_AREA", "DATA_SOURCE", "PERS_STAT", "SEX", "AGE", "CITIZEN"):
        assert column in output


def test_drop_unknown_drops_on_purpose(tmp_path):
    source = tmp_path / "victims.csv"
    source.write_text(
        THB_CSV.replace("OBS_STATUS\n", "OBS_STATUS,COLOUR\n").replace(",A\n", ",A,red\n")
    )
    out = tmp_path / "out.xml"
    refused = run(str(source), str(out), "--to", "sdmx-ml-2.1-ss")
    assert refused.exit_code == EXIT_UNUSABLE_INPUT
    assert "COLOUR" in refused.output and "--drop-unknown" in refused.output
    kept = run(str(source), str(out), "--to", "sdmx-ml-2.1-ss", "--drop-unknown")
    assert kept.exit_code == EXIT_OK, kept.output
    assert "COLOUR" not in out.read_text()
    assert len(read_data(out)) == 2


def _with_colour(data: bytes, fmt: DataFormat) -> bytes:
    """THB data in ``fmt`` with one more column, COLOUR, that no THB structure has."""
    if fmt in (DataFormat.SDMX_ML_21_SS, DataFormat.SDMX_ML_30):
        return data.replace(b"<Series ", b'<Series COLOUR="red" ')
    if fmt is DataFormat.SDMX_ML_21_GENERIC:
        return data.replace(
            b"<generic:SeriesKey>",
            b'<generic:Attributes><generic:Value id="COLOUR" value="red"/></generic:Attributes>'
            b"<generic:SeriesKey>",
        ).replace(b"</generic:SeriesKey><generic:Attributes>", b"</generic:SeriesKey>")
    if fmt in (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20):
        message = json.loads(data)
        body = message.get("data", message)
        structure = body.get("structure") or body["structures"][0]
        structure["attributes"]["dataSet"] = [
            *structure["attributes"].get("dataSet", []),
            {"id": "COLOUR", "name": "Colour", "values": [{"id": "red", "name": "red"}]},
        ]
        for data_set in body["dataSets"]:
            data_set["attributes"] = [*data_set.get("attributes", []), 0]
        return json.dumps(message).encode()
    if fmt is DataFormat.XLSX:
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book["Data"]
        column = sheet.max_column + 1
        sheet.cell(1, column, "COLOUR")
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, column, "red")
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    lines = data.decode().splitlines()
    return "\n".join([lines[0] + ",COLOUR"] + [line + ",red" for line in lines[1:]]).encode()


@pytest.mark.parametrize("fmt", list(DataFormat), ids=lambda f: f.value)
def test_drop_unknown_drops_on_purpose_from_every_input_format(tmp_path, fmt):
    """A column the structure lacks: refused by name, or dropped with --drop-unknown
    whatever the input format (the SDMX-ML readers and the workbook reader too)."""
    thb = read_data(THB_CSV.encode())
    source = tmp_path / f"victims{fmt.suffix}"
    source.write_bytes(_with_colour(write_data(thb, None, fmt), fmt))
    out = tmp_path / "out.csv"
    refused = run(str(source), str(out))
    assert refused.exit_code == EXIT_UNUSABLE_INPUT, refused.output
    assert "COLOUR" in refused.output and "--drop-unknown" in refused.output
    assert "Traceback" not in refused.output and not out.exists()
    dropped = run(str(source), str(out), "--drop-unknown")
    assert dropped.exit_code == EXIT_OK, dropped.output
    back = read_data(out)
    assert "COLOUR" not in back.data.columns and len(back) == len(thb)


def test_footer_and_deviations_printed_as_warnings(tmp_path):
    source = tmp_path / "xs.xml"
    source.write_bytes(
        rm.explicit_cross_section(dataset_prefix="ns", footer=rm.footer_xml(severity="Warning"))
    )
    structure = rm.write_demography_structure(tmp_path)
    out = tmp_path / "out.csv"
    result = run(str(source), str(out), "--structure", str(structure))
    assert result.exit_code == EXIT_OK, result.output
    assert "warning: footer (Warning) 413" in result.output
    assert "https://ec.europa.eu/eurostat/SDMX/1234.zip" in result.output
    assert "warning: DataSet element outside the message namespace" in result.output
    assert len(read_data(out)) == len(rm.cross_section_rows())


def test_footer_only_reply_exits_2_with_the_footer(tmp_path):
    source = tmp_path / "reply.xml"
    source.write_bytes(rm.footer_only_message())
    result = run(str(source), str(tmp_path / "out.csv"))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "413" in result.output and "1234.zip" in result.output


def test_dataflow_without_its_dsd_says_so(tmp_path):
    source = tmp_path / "xs.xml"
    source.write_bytes(rm.explicit_cross_section())
    structure = tmp_path / "flow-only.xml"
    structure.write_bytes(rm.demography_structure(with_dsd=False))
    result = run(str(source), str(tmp_path / "out.csv"), "--structure", str(structure))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "Data structure missing" in result.output
    assert "ESTAT:DEMO_XS(1.0)" in result.output
    assert "references=datastructure" in result.output.replace("\n", "")


def test_footer_only_reply_validated_against_many_dataflows_shows_the_footer(tmp_path):
    """The built-in structures hold many dataflows and the reply names none: the
    footer is still the answer, not a request to name a dataflow."""
    source = tmp_path / "reply.xml"
    source.write_bytes(rm.footer_only_message())
    result = runner.invoke(app, ["validate", str(source)])
    assert result.exit_code == EXIT_UNUSABLE_INPUT, result.output
    assert "413" in result.output and "1234.zip" in result.output, result.output
    assert "Dataflow not named" not in result.output
