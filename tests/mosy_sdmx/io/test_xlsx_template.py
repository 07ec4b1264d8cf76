"""Partner templates: sheets, drop-downs, the codes offered, and reading a filled one back."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from sdmx.model.common import DataProvider
from xlsx_samples import fill_template, header_letters, load_workbook

from mosy_sdmx.exceptions import ParseError, StructureNotFoundError
from mosy_sdmx.io import read_data
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.templates import allowed_codes, write_template

pytestmark = pytest.mark.usefixtures("both_books")

PROVIDER = "XX_TEST"
ROWS = 50


class RestrictedSet(StructureSet):
    """The ECB structures plus one provider allowed a subset of codes.

    Stands in for provision agreements: ``allowed_codes`` is the method the
    template code asks, as the THB StructureSet answers it.
    """

    def __init__(self, base: StructureSet, allowed: dict[str, frozenset[str]]) -> None:
        super().__init__(base.message, base.source)
        self._allowed = allowed

    def providers(self):
        return {PROVIDER: DataProvider(id=PROVIDER, name={"en": "Test provider"})}

    def allowed_codes(self, flow, provider=None):
        return dict(self._allowed) if provider == PROVIDER else {}


@pytest.fixture(scope="module")
def restricted(ecb_structures) -> RestrictedSet:
    return RestrictedSet(
        ecb_structures,
        {
            "FREQ": frozenset({"A", "M"}),
            "CURRENCY_DENOM": frozenset({"EUR"}),  # one code: a fixed column
            "OBS_STATUS": frozenset({"A", "M", "L"}),
        },
    )


@pytest.fixture(scope="module")
def template_bytes(restricted) -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, flow="EXR", provider=PROVIDER, structures=restricted, rows=ROWS)
    return buffer.getvalue()


def _codes_sheet(workbook) -> dict[str, list[str]]:
    sheet = workbook["Codes"]
    out = {}
    for cell in sheet[1]:
        if cell.value and not str(cell.value).endswith(" label"):
            rows = range(2, sheet.max_row + 1)
            column = [sheet.cell(row=r, column=cell.column).value for r in rows]
            out[cell.value] = [v for v in column if v is not None]
    return out


def _range_values(workbook, formula: str) -> list[str]:
    sheet_part, cells = formula.lstrip("=").split("!")
    sheet = workbook[sheet_part.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [
        sheet.cell(row=r, column=c).value
        for r in range(min_row, max_row + 1)
        for c in range(min_col, max_col + 1)
    ]


def test_template_has_instructions_data_codes_and_a_hidden_meta_sheet(template_bytes) -> None:
    workbook = load_workbook(template_bytes)
    assert workbook.sheetnames == ["Instructions", "Data", "Codes", "_mosy"]
    assert workbook["_mosy"].sheet_state == "veryHidden"
    assert workbook.active.title == "Instructions"


def test_data_header_is_the_layouts_columns(template_bytes, restricted) -> None:
    header = list(header_letters(load_workbook(template_bytes)["Data"]))
    assert header == restricted.layout("EXR").all_columns()


def test_codes_sheet_holds_exactly_the_providers_codes(template_bytes, restricted) -> None:
    workbook = load_workbook(template_bytes)
    allowed = allowed_codes(restricted, "EXR", PROVIDER)
    in_sheet = _codes_sheet(workbook)
    layout = restricted.layout("EXR")
    coded = [c for c in layout.all_columns() if layout.components[c].codes]
    assert set(in_sheet) == set(coded)
    for cid in coded:
        assert len(in_sheet[cid]) == len(set(in_sheet[cid]))
        assert set(in_sheet[cid]) == allowed[cid], cid


def test_codes_sheet_labels_are_the_codelists_english_names(template_bytes, restricted) -> None:
    sheet = load_workbook(template_bytes)["Codes"]
    codelist = restricted.codelist(restricted.layout("EXR").components["OBS_STATUS"].codelist)
    header = {c.value: c.column for c in sheet[1] if c.value}
    column = header["OBS_STATUS"]
    pairs = {
        sheet.cell(row=r, column=column).value: sheet.cell(row=r, column=column + 1).value
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=column).value
    }
    assert pairs == {code: codelist[code].name.localizations["en"] for code in pairs}
    assert len(pairs) == 3


def test_dropdowns_point_at_the_codes_ranges_over_the_prepared_rows(
    template_bytes, restricted
) -> None:
    workbook = load_workbook(template_bytes)
    data = workbook["Data"]
    letters = header_letters(data)
    allowed = allowed_codes(restricted, "EXR", PROVIDER)
    lists = {}
    for validation in data.data_validations.dataValidation:
        if validation.type != "list":
            continue
        assert not validation.formula1.startswith('"'), "inline lists are capped at 255 chars"
        for cell_range in validation.sqref.ranges:
            lists[str(cell_range)] = _range_values(workbook, validation.formula1)
    for cid, letter in letters.items():
        if cid not in allowed or not allowed[cid]:
            continue
        values = lists[f"{letter}2:{letter}{ROWS + 1}"]
        assert set(values) == allowed[cid], cid
    assert len(lists) == len([c for c in letters if allowed.get(c)])


def test_value_column_accepts_numbers_only(template_bytes, restricted) -> None:
    data = load_workbook(template_bytes)["Data"]
    letter = header_letters(data)["OBS_VALUE"]
    checks = [v for v in data.data_validations.dataValidation if f"{letter}2" in str(v.sqref)]
    assert len(checks) == 1 and checks[0].type in ("decimal", "whole")


def test_instructions_name_flow_provider_and_unknown_value_rule(template_bytes, restricted) -> None:
    text = " ".join(
        str(v)
        for row in load_workbook(template_bytes)["Instructions"].iter_rows(values_only=True)
        for v in row
        if v
    )
    assert "EXR" in text and PROVIDER in text and "Test provider" in text
    labels = restricted.codelist("CL_OBS_STATUS")
    for code in ("M", "L"):
        assert f"{code} ({labels[code].name.localizations['en']})" in text
    assert "CURRENCY_DENOM = EUR" in text  # the fixed value is explained


def test_unknown_provider_is_structure_not_found(restricted) -> None:
    with pytest.raises(StructureNotFoundError):
        write_template(io.BytesIO(), flow="EXR", provider="NOPE", structures=restricted)


# -- a filled template reads back ------------------------------------------------


FILLED = [
    {"FREQ": "A", "CURRENCY": "USD", "EXR_TYPE": "SP00", "EXR_SUFFIX": "A",
     "TIME_PERIOD": 2023, "OBS_VALUE": 1.0813, "OBS_STATUS": "A", "OBS_COM": "first"},
    {"FREQ": "M", "CURRENCY": "JPY", "CURRENCY_DENOM": "EUR", "EXR_TYPE": "SP00",
     "EXR_SUFFIX": "A", "TIME_PERIOD": "2023-01", "OBS_VALUE": 150, "OBS_STATUS": "A"},
    {},  # a blank line between observations is skipped
    {"FREQ": "M", "CURRENCY": "GBP", "EXR_TYPE": "SP00", "EXR_SUFFIX": "A",
     "TIME_PERIOD": "2023-02", "OBS_VALUE": None, "OBS_STATUS": "M"},
    {"FREQ": "A", "CURRENCY": "CHF", "EXR_TYPE": "SP00", "EXR_SUFFIX": "A",
     "TIME_PERIOD": "2022", "OBS_VALUE": " 0.97 ", "OBS_STATUS": "A"},
]  # fmt: skip


def test_filled_template_reads_back_exactly(template_bytes, restricted) -> None:
    dataset = read_data(fill_template(template_bytes, FILLED))
    observations = [r for r in FILLED if r]
    frame = dataset.data
    assert len(frame) == len(observations)
    assert frame["FREQ"].tolist() == [r["FREQ"] for r in observations]
    assert frame["CURRENCY"].tolist() == [r["CURRENCY"] for r in observations]
    # The fixed column may be left empty: it reads as the provider's one code.
    assert frame["CURRENCY_DENOM"].tolist() == ["EUR"] * len(observations)
    assert frame["TIME_PERIOD"].tolist() == [str(r["TIME_PERIOD"]) for r in observations]
    expected = [
        float(str(r["OBS_VALUE"]).strip()) if r["OBS_VALUE"] is not None else np.nan
        for r in observations
    ]
    np.testing.assert_array_equal(frame["OBS_VALUE"].to_numpy(), np.array(expected))
    assert frame["OBS_VALUE"].dtype == np.float64
    assert frame["OBS_STATUS"].tolist() == [r["OBS_STATUS"] for r in observations]
    assert isinstance(frame["FREQ"].dtype, pd.CategoricalDtype)
    assert frame["OBS_COM"].iloc[0] == "first" and frame["OBS_COM"].iloc[1:].isna().all()
    assert list(frame.columns) == restricted.layout("EXR").all_columns()
    assert dataset.provider == PROVIDER
    assert dataset.structure_urn == restricted.layout("EXR").structure_urn
    # Rows were skipped, so each observation keeps its own sheet row.
    assert dataset.source_lines.tolist() == [2, 3, 5, 6]


def test_reading_with_the_structure_given_gives_the_same(template_bytes, restricted) -> None:
    filled = fill_template(template_bytes, FILLED)
    with_structure = read_data(filled, restricted, flow="EXR")
    pd.testing.assert_frame_equal(with_structure.data, read_data(filled).data)


def test_template_for_another_structure_is_refused(template_bytes, restricted) -> None:
    from dataclasses import replace

    other = replace(restricted.layout("EXR"), dsd_urn="urn:x:DataStructure=X:OTHER(1.0)")
    with pytest.raises(ParseError) as info:
        read_data(fill_template(template_bytes, FILLED), other)
    assert info.value.location.sheet == "_mosy"


# -- bad workbooks: ParseError with sheet and cell --------------------------------


def _parse_error(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as info:
        read_data(data)
    return info.value


def test_non_numeric_value_names_its_cell(template_bytes) -> None:
    rows = [dict(FILLED[0]), dict(FILLED[1], OBS_VALUE="twelve")]
    error = _parse_error(fill_template(template_bytes, rows))
    letter = header_letters(load_workbook(template_bytes)["Data"])["OBS_VALUE"]
    assert (error.location.sheet, error.location.cell) == ("Data", f"{letter}3")
    assert "twelve" in str(error)


def test_boolean_value_is_not_a_number(template_bytes) -> None:
    error = _parse_error(fill_template(template_bytes, [dict(FILLED[0], OBS_VALUE=True)]))
    assert error.location.cell.endswith("2") and error.location.sheet == "Data"


def test_missing_column_names_the_header_cell(template_bytes) -> None:
    def drop_currency(workbook):
        sheet = workbook["Data"]
        letter = header_letters(sheet)["CURRENCY"]
        sheet[f"{letter}1"] = None

    letter = header_letters(load_workbook(template_bytes)["Data"])["CURRENCY"]
    error = _parse_error(fill_template(template_bytes, FILLED, drop_currency))
    assert (error.location.sheet, error.location.cell) == ("Data", f"{letter}1")
    assert error.location.component == "CURRENCY"


def test_empty_data_sheet(template_bytes) -> None:
    error = _parse_error(template_bytes)
    assert (error.location.sheet, error.location.cell) == ("Data", "A2")
    assert error.title == "Empty data sheet"


def test_unknown_columnheader_letters(template_bytes) -> None:
    def rename(workbook):
        workbook["Data"]["A1"] = "FREQUENCY"

    error = _parse_error(fill_template(template_bytes, FILLED, rename))
    assert (error.location.sheet, error.location.cell) == ("Data", "A1")


def test_workbook_without_its_data_sheet(template_bytes) -> None:
    def remove(workbook):
        del workbook["Data"]

    error = _parse_error(fill_template(template_bytes, [], remove))
    assert error.location.sheet == "Data" and error.title == "No data sheet"


def test_plain_workbook_is_not_a_template() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(["name", "value"])
    workbook.active.append(["x", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    error = _parse_error(buffer.getvalue())
    assert (error.location.sheet, error.location.cell) == ("Sheet1", "A1")


def test_plain_workbook_with_component_header_reads_given_the_structure(restricted) -> None:
    layout = restricted.layout("EXR")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "mine"
    sheet.append([*layout.key_columns(), "OBS_VALUE"])
    sheet.append(["A", "USD", "EUR", "SP00", "A", "2021", 1.18])
    buffer = io.BytesIO()
    workbook.save(buffer)
    dataset = read_data(buffer.getvalue(), restricted, flow="EXR")
    assert dataset.data["CURRENCY"].tolist() == ["USD"]
    assert dataset.data["OBS_VALUE"].tolist() == [1.18]
    assert dataset.structure_urn == layout.structure_urn


def test_broken_workbook_is_a_parse_error(template_bytes) -> None:
    error = _parse_error(template_bytes[:-200])
    assert isinstance(error, ParseError)


def test_cell_reference_helper_matches_openpyxl() -> None:
    from mosy_sdmx.io.xlsx.meta import column_letter

    for index in (0, 25, 26, 51, 701, 702, 16383):
        assert coordinate_from_string(f"{column_letter(index)}1")[0] == (
            openpyxl.utils.get_column_letter(index + 1)
        )
