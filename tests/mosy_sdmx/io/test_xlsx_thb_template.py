"""The THB partner template of the issue: DF_THB_VICTIMS for PT_NREM."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mosy_sdmx.io import read_data
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.templates import write_template

pytestmark = pytest.mark.usefixtures("both_books")

FLOW, PROVIDER = "DF_THB_VICTIMS", "PT_NREM"


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


@pytest.fixture(scope="module")
def template(thb) -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, flow=FLOW, provider=PROVIDER, structures=thb, rows=20)
    return buffer.getvalue()


def _expected_codes(thb) -> dict[str, frozenset[str]]:
    """What the provider may use: the constraints where there are some, else the codelist."""
    layout = thb.layout(FLOW)
    constrained = thb.allowed_codes(FLOW, PROVIDER)
    return {
        cid: constrained.get(cid, comp.codes) & comp.codes
        for cid, comp in layout.components.items()
        if comp.codes
    }


def _codes_sheet(workbook) -> dict[str, set[str]]:
    sheet = workbook["Codes"]
    out = {}
    for cell in sheet[1]:
        if cell.value and not cell.value.endswith(" label"):
            values = (
                sheet.cell(row=r, column=cell.column).value for r in range(2, sheet.max_row + 1)
            )
            out[cell.value] = {v for v in values if v is not None}
    return out


def test_sheets_and_dataset_attributes(template, thb) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == ["Instructions", "Data", "Dataset", "Codes", "_mosy"]
    layout = thb.layout(FLOW)
    dataset_rows = list(workbook["Dataset"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in dataset_rows] == layout.attributes_at(
        layout.components["UNIT_MULT"].level
    )
    expected = _expected_codes(thb)
    for name, value, _ in dataset_rows:
        # Pre-filled exactly when the provider has a single choice.
        if len(expected[name]) == 1:
            assert value == next(iter(expected[name]))
        else:
            assert value is None


def test_codes_sheet_is_what_allowed_codes_says(template, thb) -> None:
    in_sheet = _codes_sheet(openpyxl.load_workbook(io.BytesIO(template)))
    expected = _expected_codes(thb)
    assert set(in_sheet) == set(expected)
    for cid, codes in expected.items():
        assert in_sheet[cid] == codes, cid
    # The provider's country narrows REF_AREA to one code.
    assert in_sheet["REF_AREA"] == {thb.provider_country(PROVIDER)}


def test_counts_are_whole_numbers_at_least_zero(template) -> None:
    data = openpyxl.load_workbook(io.BytesIO(template))["Data"]
    letter = {c.value: c.column_letter for c in data[1]}["OBS_VALUE"]
    (check,) = [
        v for v in data.data_validations.dataValidation if str(v.sqref) == f"{letter}2:{letter}21"
    ]
    assert (check.type, check.operator, check.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_filled_victims_template_reads_back_without_naming_the_structure(template, thb) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["Data"]
    letters = {c.value: c.column_letter for c in sheet[1]}
    rows = [
        {"SEX": "T", "OBS_VALUE": 12, "OBS_STATUS": "A", "TIME_PERIOD": 2023},
        {"SEX": "F", "OBS_VALUE": 0, "OBS_STATUS": "A", "TIME_PERIOD": "2023"},
        {"SEX": "M", "OBS_VALUE": None, "OBS_STATUS": "M", "TIME_PERIOD": "2023"},
    ]
    common = {
        "FREQ": "A", "DATA_SOURCE": "NREM", "PERS_STAT": "PER_VICT", "AGE": "TOTAL",
        "CITIZEN": "TOTAL", "EXPLOIT": "_T", "CONF_STATUS": "F", "COUNT_RULE": "PERS_YEAR",
    }  # fmt: skip
    for number, row in enumerate(rows, start=2):
        for cid, value in {**common, **row}.items():
            sheet[f"{letters[cid]}{number}"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)

    dataset = read_data(buffer.getvalue())
    frame = dataset.data
    assert dataset.provider == PROVIDER
    assert dataset.structure_urn == thb.layout(FLOW).structure_urn
    assert dataset.attributes == {"UNIT_MULT": "0", "DECIMALS": "0"}
    assert frame["REF_AREA"].tolist() == ["PT"] * 3  # the fixed column, left empty
    assert frame["UNIT_MEASURE"].tolist() == ["NR"] * 3
    assert frame["SEX"].tolist() == ["T", "F", "M"]
    assert frame["TIME_PERIOD"].tolist() == ["2023"] * 3
    np.testing.assert_array_equal(frame["OBS_VALUE"].to_numpy(), [12.0, 0.0, np.nan])
    assert frame["OBS_STATUS"].tolist() == ["A", "A", "M"]
    for cid, value in common.items():
        assert frame[cid].tolist() == [value] * 3, cid
    assert frame["COMMENT_OBS"].isna().all()
    assert list(frame.columns) == thb.layout(FLOW).all_columns()
    pd.testing.assert_frame_equal(read_data(buffer.getvalue(), thb, flow=FLOW).data, frame)
