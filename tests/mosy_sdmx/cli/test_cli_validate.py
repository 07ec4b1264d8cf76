"""``mosy validate``: exit codes 0/1/2, report formats, annotated CSV."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mosy_sdmx.cli import _register, app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))
from validation_fixtures import set_value, thb_dataset, thb_frame

runner = CliRunner()
FLOW = "DF_THB_VICTIMS"


@pytest.fixture(scope="module", autouse=True)
def commands():
    _register()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from mosy_sdmx.io import write_data
    from mosy_sdmx.structures import builtin_structures

    structures = builtin_structures()
    urn = structures.layout(FLOW).structure_urn
    folder = tmp_path_factory.mktemp("cli")
    good = thb_dataset(thb_frame())
    good.structure_urn = urn
    write_data(good, folder / "good.csv", "sdmx-csv-2.0", structures, flow=FLOW)
    frame = thb_frame()
    set_value(frame, 0, "SEX", "X")
    bad = thb_dataset(frame)
    bad.structure_urn = urn
    write_data(bad, folder / "bad.csv", "sdmx-csv-2.0", structures, flow=FLOW)
    (folder / "xxe.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<m>&x;</m>'
    )
    (folder / "empty.csv").write_bytes(b"")
    return folder


def test_valid_file_exits_0(files):
    result = runner.invoke(
        app,
        [
            "validate",
            str(files / "good.csv"),
            "--flow",
            FLOW,
            "--provider",
            "PT_NREM",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["stats"]["observations"] == len(thb_frame())


def test_data_errors_exit_1_with_report_file(files, tmp_path):
    out = tmp_path / "report.html"
    annotated = tmp_path / "annotated.csv"
    result = runner.invoke(
        app,
        [
            "validate",
            str(files / "bad.csv"),
            "--flow",
            FLOW,
            "--format",
            "html",
            "-o",
            str(out),
            "--annotate",
            str(annotated),
        ],
    )
    assert result.exit_code == 1, result.output
    page = out.read_text()
    assert "<code>unknown-code</code>" in page
    rows = pd.read_csv(annotated, keep_default_na=False, dtype=str)
    assert rows.loc[0, "VALIDATION_ISSUES"] == "unknown-code"
    assert (rows["VALIDATION_ISSUES"].iloc[1:] == "").all()


def test_text_report_names_the_row(files):
    result = runner.invoke(app, ["validate", str(files / "bad.csv"), "--flow", FLOW])
    assert result.exit_code == 1
    assert "unknown-code" in result.stdout and "row 2" in result.stdout


@pytest.mark.parametrize("name", ["xxe.xml", "empty.csv", "absent.csv"])
def test_unusable_input_exits_2(files, name):
    result = runner.invoke(app, ["validate", str(files / name), "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "root:" not in result.output  # nothing of /etc/passwd
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and len(doc["issues"]) == 1


def test_unknown_flow_exits_2(files):
    result = runner.invoke(app, ["validate", str(files / "good.csv"), "--flow", "DF_NOPE"])
    assert result.exit_code == 2
