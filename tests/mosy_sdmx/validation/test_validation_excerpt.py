"""The rows of a CSV file a report points at, with the cells it names."""

from __future__ import annotations

import io

import pytest
from validation_fixtures import thb_dataset

from mosy_sdmx import write_data
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.validation import validate_file
from mosy_sdmx.validation.excerpt import csv_excerpt

FLOW, PROVIDER = "DF_THB_VICTIMS", "PT_NREM"


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory):
    """A valid file with an unknown area on row 4 and a miscased source on row 8."""
    structures = builtin_structures()
    dataset = thb_dataset()
    path = tmp_path_factory.mktemp("excerpt") / "bad.csv"
    write_data(dataset, path, "sdmx-csv-2.0", structures, flow=FLOW)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",PT,", ",PX,", 1)
    lines[7] = lines[7].replace(",NREM,", ",nrem,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, structures


def test_the_rows_and_cells_of_the_issues(bad_file) -> None:
    path, structures = bad_file
    report = validate_file(path, structures, provider=PROVIDER)
    assert not report.valid
    with path.open(encoding="utf-8", newline="") as handle:
        excerpt = csv_excerpt(report, handle)
    assert excerpt is not None and excerpt.columns[:5] == [
        "STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA",
    ]  # fmt: skip
    assert [row.number for row in excerpt.rows] == [4, 8]
    area, source = excerpt.rows
    assert area.cells[excerpt.columns.index("REF_AREA")] == "PX"
    assert area.marked == {"REF_AREA"} and area.severity == "error"
    assert source.cells[excerpt.columns.index("DATA_SOURCE")] == "nrem"
    assert source.marked == {"DATA_SOURCE"} and source.codes == ["unknown-code"]
    # The stored JSON form of the report gives the same excerpt.
    again = csv_excerpt(report.to_dict(), io.StringIO(path.read_text(encoding="utf-8")))
    assert [(r.number, r.cells, r.marked) for r in again.rows] == [
        (r.number, r.cells, r.marked) for r in excerpt.rows
    ]
    assert len(csv_excerpt(report, io.StringIO(path.read_text()), limit=1).rows) == 1


def test_nothing_to_show() -> None:
    assert csv_excerpt({"issues": []}, io.StringIO("A,B\n1,2\n")) is None
    # Issues without a row (a missing column) or in a sheet (Excel) have no CSV row.
    report = {
        "issues": [
            {"code": "missing-dimension", "severity": "error", "location": {}},
            {"code": "unknown-code", "severity": "error", "location": {"sheet": "D", "row": 3}},
        ]
    }
    assert csv_excerpt(report, io.StringIO("A,B\n1,2\n3,4\n")) is None
    # A row past the end of the file is left out.
    past = {"issues": [{"code": "x", "severity": "error", "location": {"row": 9}}]}
    assert csv_excerpt(past, io.StringIO("A,B\n1,2\n")) is None
