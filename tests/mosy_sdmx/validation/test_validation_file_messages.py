"""What validate_file tells a person: positions in messages and renderings, safe errors.

A repeated observation names where its first occurrence is, in the input's own
terms (an SDMX-ML line and column, a sheet row); the text and HTML reports
show a location's column; a reader failing unexpectedly is reported with its
exception class and a message that quotes nothing of the input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from mosy_sdmx import DataFormat, Dataset, validate_file, write_data
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.validation.render import render_html, render_text

FLOW = "DF_THB_VICTIMS"
XML_FORMATS = (DataFormat.SDMX_ML_21_GENERIC, DataFormat.SDMX_ML_21_SS, DataFormat.SDMX_ML_30)


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


@pytest.fixture(scope="module")
def repeated(thb) -> Dataset:
    """T, M, F and M again (value 6): the second M repeats the first (value 5)."""
    key = dict(
        FREQ="A",
        REF_AREA="PT",
        DATA_SOURCE="NREM",
        PERS_STAT="PER_VICT",
        AGE="TOTAL",
        CITIZEN="TOTAL",
        EXPLOIT="_T",
        TIME_PERIOD="2023",
        OBS_STATUS="A",
        CONF_STATUS="F",
        UNIT_MEASURE="NR",
        COUNT_RULE="PERS_YEAR",
    )
    rows = [
        dict(key, SEX=s, OBS_VALUE=v) for s, v in (("T", 12.0), ("M", 5.0), ("F", 7.0), ("M", 6.0))
    ]
    return Dataset(
        pd.DataFrame(rows),
        structure_urn=thb.layout(FLOW).structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )


def obs_position(data: bytes, value: bytes) -> tuple[int, int]:
    """(line, column) of the Obs start tag of the observation whose value is ``value``."""
    at = re.search(rb'(?:ObsValue value|OBS_VALUE)="' + value + rb'"', data).start()
    tag = max(data.rfind(b"<Obs", 0, at), data.rfind(b"<generic:Obs>", 0, at))
    line_start = data.rfind(b"\n", 0, tag) + 1
    return data[:tag].count(b"\n") + 1, tag - line_start + 1


def duplicate_issue(report):
    found = [i for i in report.issues if i.code == "duplicate-observation"]
    assert len(found) == 1, report.to_json()
    return found[0]


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_repeat_in_xml_names_the_line_of_the_first(thb, repeated, tmp_path, fmt):
    data = write_data(repeated, None, fmt, thb, flow=FLOW)
    path = tmp_path / "repeat.xml"
    path.write_bytes(data)
    issue = duplicate_issue(validate_file(path, flow=FLOW))
    first, second = sorted([obs_position(data, b"5"), obs_position(data, b"6")])
    assert first != second
    assert f"(first at line {first[0]}, column {first[1]})" in issue.message, issue.message
    assert (issue.location.line, issue.location.column) == second
    assert "observation" not in issue.message
    # the facts are fields: the first occurrence is the second observation, at its line
    assert issue.first_observation == 2
    assert (issue.first.line, issue.first.column) == first
    assert issue.to_dict()["first"] == {"line": first[0], "column": first[1]}


def test_repeat_in_a_workbook_names_the_sheet_row_of_the_first(thb, repeated, tmp_path):
    path = tmp_path / "repeat.xlsx"
    path.write_bytes(write_data(repeated, None, DataFormat.XLSX, thb, flow=FLOW))
    issue = duplicate_issue(validate_file(path, flow=FLOW))
    # Header in row 1, then T, M, F, M: the first M is Excel row 3, the repeat row 5.
    assert issue.location.sheet and issue.location.row == 5
    assert f"first at row 3 of sheet {issue.location.sheet}" in issue.message, issue.message
    assert (issue.first.sheet, issue.first.row) == (issue.location.sheet, 3)


def test_repeat_in_an_in_memory_frame_still_names_its_row(thb, repeated):
    from mosy_sdmx import validate

    issue = duplicate_issue(validate(repeated, thb, flow=FLOW))
    assert "first at row 2" in issue.message, issue.message
    assert issue.first_observation == 2 and issue.first.row == 2


def test_repeat_read_without_positions_names_the_observation(thb, repeated):
    """As from an SDMX-JSON message: a source, but no line or row per observation."""
    from dataclasses import replace

    from mosy_sdmx import validate

    issue = duplicate_issue(validate(replace(repeated, source="repeat.json"), thb, flow=FLOW))
    assert issue.first is None and issue.first_observation is not None
    assert f"(first at observation {issue.first_observation})" in issue.message
    assert issue.to_dict()["first_observation"] == issue.first_observation


@pytest.mark.parametrize("render", [render_text, render_html], ids=["text", "html"])
def test_renderings_show_line_and_column(thb, repeated, tmp_path, render):
    data = write_data(repeated, None, DataFormat.SDMX_ML_21_SS, thb, flow=FLOW)
    path = tmp_path / "repeat.xml"
    path.write_bytes(data)
    report = validate_file(path, flow=FLOW)
    line, column = max(obs_position(data, b"5"), obs_position(data, b"6"))
    text = " ".join(render(report).split())
    assert f"line {line}, column {column}" in text


def test_unexpected_reader_error_says_what_without_quoting_input(monkeypatch, tmp_path):
    secret = "MOSY-REPORT-SECRET-71f0"

    def broken(*args, **kwargs):
        raise ValueError(f"invalid literal for int() with base 10: '{secret}'\n{secret}")

    monkeypatch.setattr("mosy_sdmx.io.read_data", broken)
    path = tmp_path / "any.csv"
    path.write_text("x\n1\n", encoding="utf-8")
    report = validate_file(path, flow=FLOW)
    assert report.unusable and len(report.issues) == 1
    message = report.issues[0].message
    assert "ValueError" in message and "invalid literal for int()" in message, message
    assert secret not in report.to_json() and secret not in render_text(report)


def test_unexpected_error_text_is_capped(monkeypatch, tmp_path):
    monkeypatch.setattr(
        "mosy_sdmx.io.read_data", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x" * 5000))
    )
    path = Path(tmp_path / "any.csv")
    path.write_text("x\n", encoding="utf-8")
    message = validate_file(path, flow=FLOW).issues[0].message
    assert "RuntimeError" in message and len(message) < 300
