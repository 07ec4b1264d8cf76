"""``mosy template``: files written, exit codes, messages."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

import mosy_sdmx.cli.template  # noqa: F401 - registers the command
from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import EXIT_OK, EXIT_UNUSABLE_INPUT

runner = CliRunner()


@pytest.fixture(scope="module")
def structure_file(specimens):
    return str(specimens / "ECB_EXR" / "1" / "structure-full.xml")


def _run(*args: str):
    return runner.invoke(app, ["template", *args])


def test_writes_an_excel_template(structure_file, tmp_path) -> None:
    out = tmp_path / "exr.xlsx"
    result = _run("--structure", structure_file, "--flow", "EXR", "-o", str(out), "--rows", "10")
    assert result.exit_code == EXIT_OK, result.output
    workbook = openpyxl.load_workbook(out)
    assert {"Instructions", "Data", "Codes"} <= set(workbook.sheetnames)
    ranges = [str(v.sqref) for v in workbook["Data"].data_validations.dataValidation]
    assert "A2:A11" in ranges  # --rows 10 prepares sheet rows 2..11


def test_csv_by_suffix_or_format(structure_file, tmp_path) -> None:
    by_suffix = tmp_path / "exr.csv"
    assert _run("--structure", structure_file, "--flow", "EXR", "-o", str(by_suffix)).exit_code == 0
    named = tmp_path / "exr.txt"
    args = ("--structure", structure_file, "--flow", "EXR", "-o", str(named))
    result = _run(*args, "--format", "csv")
    assert result.exit_code == EXIT_OK
    assert named.read_bytes() == by_suffix.read_bytes()
    assert named.read_text(encoding="utf-8").startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,")


def test_unknown_flow_exits_2_with_a_clear_message(structure_file, tmp_path) -> None:
    out = tmp_path / "x.xlsx"
    result = _run("--structure", structure_file, "--flow", "DF_NOPE", "-o", str(out))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "DF_NOPE" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_unknown_provider_exits_2_with_a_clear_message(structure_file, tmp_path) -> None:
    out = tmp_path / "x.xlsx"
    args = ("--structure", structure_file, "--flow", "EXR", "--provider", "ZZ_NOBODY")
    result = _run(*args, "-o", str(out))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "ZZ_NOBODY" in result.output and "provider" in result.output.lower()
    assert not out.exists()


def test_unknown_format_exits_2(structure_file, tmp_path) -> None:
    result = _run("--structure", structure_file, "-o", str(tmp_path / "x.ods"), "--format", "ods")
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "ods" in result.output


def test_the_issue_command_on_the_builtin_thb_structures(tmp_path) -> None:
    out = tmp_path / "victims.xlsx"
    result = _run("--flow", "DF_THB_VICTIMS", "--provider", "PT_NREM", "-o", str(out))
    assert result.exit_code == EXIT_OK, result.output
    meta = dict(
        (row[0], row[1])
        for row in openpyxl.load_workbook(out)["_mosy"].iter_rows(values_only=True)
        if row[0] != "column"
    )
    assert (meta["flow_id"], meta["provider"]) == ("DF_THB_VICTIMS", "PT_NREM")


def test_provider_without_agreement_for_the_flow_exits_2(tmp_path) -> None:
    out = tmp_path / "pub.xlsx"
    result = _run("--flow", "DF_THB_VICTIMS_PUB", "--provider", "PT_NREM", "-o", str(out))
    assert result.exit_code == EXIT_UNUSABLE_INPUT
    assert "PT_NREM" in result.output and "DF_THB_VICTIMS_PUB" in result.output
    assert not out.exists()
