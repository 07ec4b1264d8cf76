"""Example locations point into the file: XML line/column, sheet and cell, CSV row."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from mosy_sdmx import write_data
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.io.sdmx_ml.locate import locate_observations
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.templates import write_template
from mosy_sdmx.validation import validate_file

FLOW, PROVIDER = "DF_THB_VICTIMS", "PT_NREM"
BAD_STATUS, BAD_VALUE = "ZQ", -7.0


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


def _victims(bad_row: int) -> Dataset:
    """A small DF_THB_VICTIMS cube; row ``bad_row`` gets an unknown OBS_STATUS."""
    sexes, years = ["M", "F", "UNK"], [str(y) for y in range(2018, 2024)]
    n = len(sexes) * len(years)
    frame = pd.DataFrame(
        {
            "FREQ": "A",
            "REF_AREA": "PT",
            "DATA_SOURCE": "NREM",
            "PERS_STAT": "PER_VICT",
            "SEX": np.repeat(sexes, len(years)),
            "AGE": "TOTAL",
            "CITIZEN": "TOTAL",
            "EXPLOIT": "_T",
            "TIME_PERIOD": years * len(sexes),
            "OBS_VALUE": np.arange(n, dtype=np.float64) + 10,
            "OBS_STATUS": "A",
            "CONF_STATUS": "F",
            "UNIT_MEASURE": "NR",
            "COUNT_RULE": "PERS_YEAR",
        }
    )
    frame.loc[bad_row, "OBS_STATUS"] = BAD_STATUS
    frame.loc[n - 2, "OBS_VALUE"] = BAD_VALUE
    return Dataset(
        data=frame,
        structure_urn=thb_flow_urn(),
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
        provider=PROVIDER,
    )


def thb_flow_urn() -> str:
    return builtin_structures().layout(FLOW).structure_urn


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _obs_start_before(text: str, offset: int) -> int:
    """Offset of the last ``Obs`` start tag (any prefix) before ``offset``."""
    starts = [m.start() for m in re.finditer(r"<(?:\w+:)?Obs[\s/>]", text[:offset])]
    return starts[-1]


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("sdmx-ml-2.1-ss", {}),
        ("sdmx-ml-2.1-ss", {"dimension_at_observation": "AllDimensions"}),
        ("sdmx-ml-3.0", {}),
        ("sdmx-ml-2.1-generic", {}),
        ("sdmx-ml-2.1-generic", {"dimension_at_observation": "AllDimensions"}),
    ],
)
def test_xml_examples_carry_the_line_of_their_observation(tmp_path, thb, fmt, options) -> None:
    path = tmp_path / "victims.xml"
    write_data(_victims(bad_row=9), path, fmt, thb, **options)
    text = path.read_text("utf-8")
    report = validate_file(path, thb, flow=FLOW)

    unknown = [
        i
        for i in report.issues
        if i.code == "unknown-code" and i.location.component == "OBS_STATUS"
    ]
    assert len(unknown) == 1
    at = text.index(f'"{BAD_STATUS}"')
    assert (unknown[0].location.line, unknown[0].location.column) == _line_col(
        text, _obs_start_before(text, at)
    )
    assert unknown[0].location.row is None  # an XML file has lines, not rows

    negative = next(i for i in report.issues if i.code == "negative-count")
    at = text.index('"-7"')
    assert negative.location.line == _line_col(text, _obs_start_before(text, at))[0]
    assert negative.location.series_key.startswith("A.PT.NREM.")


def test_xlsx_examples_name_sheet_and_cell(tmp_path, thb) -> None:
    buffer = io.BytesIO()
    write_template(buffer, flow=FLOW, provider=PROVIDER, structures=thb, rows=20)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook["Data"]
    header = [c.value for c in sheet[1]]
    data = _victims(bad_row=0).data
    excel_row = 2
    for i, record in enumerate(data.to_dict("records")):
        if i == 3:
            excel_row += 1  # a blank line between observations is skipped
        for col, value in record.items():
            sheet.cell(row=excel_row, column=header.index(col) + 1, value=value)
        excel_row += 1
    bad_row, bad_col = 6, header.index("SEX") + 1
    sheet.cell(row=bad_row, column=bad_col, value="XX")
    duplicate = excel_row
    for col, value in data.iloc[1].to_dict().items():  # row 3 again, at the end
        sheet.cell(row=duplicate, column=header.index(col) + 1, value=value)
    path = tmp_path / "victims.xlsx"
    workbook.save(path)

    report = validate_file(path, thb, provider=PROVIDER, flow=FLOW)
    bad = next(i for i in report.issues if i.code == "unknown-code")
    assert bad.location.sheet == "Data"
    assert bad.location.cell == f"{get_column_letter(bad_col)}{bad_row}"
    assert bad.location.row == bad_row and bad.location.component == "SEX"
    status = next(
        i
        for i in report.issues
        if i.code == "unknown-code" and i.location.component == "OBS_STATUS"
    )
    assert status.location.cell == f"{get_column_letter(header.index('OBS_STATUS') + 1)}2"
    dup = next(i for i in report.issues if i.code == "duplicate-observation")
    assert (dup.location.sheet, dup.location.row, dup.location.cell) == ("Data", duplicate, None)
    assert "row 3 of sheet Data" in dup.message
    assert report.to_dict()["issues"][0]["location"]["sheet"] == "Data"


def test_csv_examples_keep_their_row(tmp_path, thb) -> None:
    path = tmp_path / "victims.csv"
    write_data(_victims(bad_row=4), path, "sdmx-csv-2.0", thb)
    report = validate_file(path, thb, flow=FLOW)
    bad = next(i for i in report.issues if i.code == "unknown-code")
    lines = path.read_text("utf-8").splitlines()
    expected = next(n for n, text in enumerate(lines, 1) if f",{BAD_STATUS}," in text)
    assert bad.location.row == expected
    assert bad.location.line is None and bad.location.sheet is None


def _obs_message(n: int, prefix: str, newline: str) -> bytes:
    """``n`` observations with varying spacing, plus look-alike tags that must not count."""
    tag = f"{prefix}:Obs" if prefix else "Obs"
    parts = [f'<?xml version="1.0"?>{newline}<Root><{tag}Value/>{newline}']
    for i in range(n):
        pad = " " * (i * 7 % 23)
        sep = newline if i % 3 else ""
        parts.append(f'{pad}<{tag} id="o{i}"><{tag}Key v="{i}"/></{tag}>{sep}')
    parts.append("</Root>")
    return "".join(parts).encode()


@pytest.mark.parametrize(("prefix", "newline"), [("", "\n"), ("generic", "\r\n"), ("g", "\r")])
def test_locate_across_chunk_boundaries(prefix, newline) -> None:
    n = 3000
    data = _obs_message(n, prefix, newline)
    text = data.decode()
    tag = f"<{prefix}:Obs " if prefix else "<Obs "
    offsets = [m.start() for m in re.finditer(re.escape(tag), text)]
    assert len(offsets) == n
    wanted = [0, 1, 2, 517, 1500, 2998, n - 1, n + 5]
    for chunk in (512, 1000, 4096):  # far below the input's size: many chunks
        assert len(data) > 10 * chunk
        found = locate_observations(data, wanted, chunk_size=chunk)
        assert set(found) == {w for w in wanted if w < n}
        for w, (line, column) in found.items():
            before = text[: offsets[w]]
            expected_line = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
            line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
            assert (line, column) == (expected_line, offsets[w] - line_start + 1), (chunk, w)


def test_locate_reads_gzip_and_paths(tmp_path) -> None:
    import gzip

    data = _obs_message(50, "", "\n")
    path = tmp_path / "obs.xml.gz"
    path.write_bytes(gzip.compress(data))
    text = data.decode()
    third = [m.start() for m in re.finditer("<Obs ", text)][2]
    assert locate_observations(Path(path), [2])[2] == _line_col(text, third)
    assert locate_observations(data, []) == {}
