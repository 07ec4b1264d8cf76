"""CSV templates and choosing the template format."""

from __future__ import annotations

import csv
import io

import pytest

from mosy_sdmx.exceptions import StructureNotFoundError, UnsupportedFormatError
from mosy_sdmx.io import read_data
from mosy_sdmx.templates import allowed_codes, template_format, write_template


def _csv_header(data: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == 1  # SDMX-CSV has no comments: the header row only
    return rows[0]


def test_csv_template_is_the_sdmx_csv_20_header(ecb_structures) -> None:
    buffer = io.BytesIO()
    assert write_template(buffer, flow="EXR", structures=ecb_structures, format="csv") == "csv"
    header = _csv_header(buffer.getvalue())
    layout = ecb_structures.layout("EXR")
    assert header[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    # Components in DSD order, grouped: dimensions, time, measures, attributes.
    assert header[3:] == [
        *layout.dimensions,
        layout.time_dimension,
        *layout.measures,
        *layout.attributes,
    ]


def test_filled_csv_template_reads_back(ecb_structures) -> None:
    buffer = io.BytesIO()
    write_template(buffer, flow="EXR", structures=ecb_structures, format="csv")
    header = _csv_header(buffer.getvalue())
    values = {
        "STRUCTURE": "dataflow",
        "STRUCTURE_ID": "ECB:EXR(1.0)",
        "ACTION": "I",
        "FREQ": "A",
        "CURRENCY": "USD",
        "CURRENCY_DENOM": "EUR",
        "EXR_TYPE": "SP00",
        "EXR_SUFFIX": "A",
        "TIME_PERIOD": "2023",
        "OBS_VALUE": "1.0813",
        "OBS_STATUS": "A",
    }
    row = ",".join(values.get(column, "") for column in header) + "\r\n"
    dataset = read_data(buffer.getvalue() + row.encode(), ecb_structures, flow="EXR")
    assert dataset.data["CURRENCY"].tolist() == ["USD"]
    assert dataset.data["OBS_VALUE"].tolist() == [1.0813]
    assert dataset.structure_urn == ecb_structures.layout("EXR").structure_urn


def test_format_follows_the_suffix_unless_named() -> None:
    assert template_format("victims.csv") == "csv"
    assert template_format("victims.XLSX") == "xlsx"
    assert template_format("victims") == "xlsx"
    assert template_format("victims.xlsx", "csv") == "csv"
    assert template_format("victims.txt", "sdmx-csv-2.0") == "csv"
    with pytest.raises(UnsupportedFormatError):
        template_format("victims.xlsx", "ods")


def test_path_target_is_written_whole(ecb_structures, tmp_path) -> None:
    path = tmp_path / "exr.csv"
    write_template(path, flow="EXR", structures=ecb_structures)
    assert _csv_header(path.read_bytes())[0] == "STRUCTURE"
    assert [p.name for p in tmp_path.iterdir()] == ["exr.csv"]  # no .part left behind


def test_allowed_codes_narrow_the_codelists_by_the_constraints(ecb_structures) -> None:
    layout = ecb_structures.layout("EXR")
    constrained = ecb_structures.allowed_codes("EXR")
    allowed = allowed_codes(ecb_structures, "EXR", None)
    assert set(allowed) == {c for c, comp in layout.components.items() if comp.codes}
    assert allowed["CURRENCY"] == constrained["CURRENCY"] & layout.codes("CURRENCY")
    assert allowed["CURRENCY"] < layout.codes("CURRENCY")
    assert allowed["OBS_STATUS"] == layout.codes("OBS_STATUS")  # no constraint on it


def test_unknown_flow_and_provider(ecb_structures) -> None:
    with pytest.raises(StructureNotFoundError):
        allowed_codes(ecb_structures, "NO_SUCH_FLOW", None)
    with pytest.raises(StructureNotFoundError):
        allowed_codes(ecb_structures, "EXR", "PT_NREM")
