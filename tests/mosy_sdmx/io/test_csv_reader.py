"""SDMX-CSV 1.0/2.0 reading: specification examples, labels, actions and bad input."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from csv_samples import THB_HEADER, THB_ROW, good_rows, thb_csv
from io_samples import thb_layout
from streams import OneWay

from mosy_sdmx.dataset import Action
from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io import read_data
from mosy_sdmx.io.sdmx_csv.reader import read

DATAFLOW = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="
CSV_10 = (
    "DATAFLOW,DIM_1,DIM_2,DIM_3,OBS_VALUE,ATTR_2,ATTR_3,ATTR_1,SERIESKEY\n"
    'ESTAT:NA_MAIN(1.6),A,B,2014-01,12.4,Y,"Normal, special and other values",N,A.B\n'
    'ESTAT:NA_MAIN(1.6),A,B,2014-02,10.8,Y,"Normal, special and other values",Y,A.B\n'
)


@pytest.fixture(scope="module")
def csv_specimens(specimens):
    return specimens / "sdmx-3.0" / "csv"


def test_every_specification_example_reads(csv_specimens):
    files = sorted(csv_specimens.glob("*.csv"))
    assert len(files) == 21
    for path in files:
        ds = read_data(path)
        assert ds.structure_urn and ds.structure_urn.startswith("urn:sdmx:org.sdmx.infomodel")
        lines = path.read_text(encoding="utf-8").count("\n")
        assert 0 < len(ds) <= lines, path.name


def test_example_01_values_and_custom_column(csv_specimens):
    ds = read_data(csv_specimens / "example-01.csv")
    assert (
        ds.structure_urn
        == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:NA_MAIN(1.6.0)"
    )
    assert list(ds.data["OBS_VALUE"]) == [12.4, 10.8]
    assert ds.data["OBS_VALUE"].dtype == np.float64
    assert list(ds.data["ATTR_3"].astype(str)) == ["Normal, special and other values"] * 2
    assert "UPDATED" in ds.data.columns and ds.action is Action.INFORMATION


def test_labels_both_semicolon_and_decimal_comma(csv_specimens):
    ds = read_data(csv_specimens / "example-04.csv")
    assert list(ds.data["DIM_1"].astype(str)) == ["A", "A"]
    assert list(ds.data["OBS_VALUE"]) == [12.4, 10.8]
    assert ds.labels["ATTR_1"] == {"N": "Non", "Y": "Oui"}
    assert "SERIES_KEY" not in ds.data.columns and "OBS_KEY" not in ds.data.columns
    # Non-coded values that merely contain text are left alone.
    assert ds.data["ATTR_3"].astype(str).iloc[0] == "Normal, special and other values"


def test_labels_name_columns(csv_specimens):
    ds = read_data(csv_specimens / "example-06.csv")
    assert list(ds.data.columns) == [
        "DIM_1",
        "DIM_2",
        "DIM_3",
        "OBS_VALUE",
        "ATTR_1",
        "ATTR_2",
        "ATTR_3",
    ]
    assert ds.labels["DIM_1"] == {"A": "Value A"}


def test_per_row_actions_kept_when_they_differ(csv_specimens):
    ds = read_data(csv_specimens / "example-10.csv")
    assert list(ds.data["ACTION"].astype(str)) == ["Append", "Replace"]
    single = read_data(csv_specimens / "example-16.csv")
    assert single.action is Action.DELETE and "ACTION" not in single.data.columns
    # "-" marks values to delete: kept as text, not refused as non-numeric.
    assert list(single.data["OBS_VALUE"].astype(object).fillna("")) == ["-", ""]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["I", "Information", "I\t"], None),  # one action, however spelt
        (["I", "Information", "D"], ["Information", "Information", "Delete"]),
        (["R", "Replace", " D", "D"], ["Replace", "Replace", "Delete", "Delete"]),
    ],
)
def test_spellings_of_one_action_are_one_action(actions, expected):
    """Found by the fuzzer: two spellings of one action made two categories of one
    name, and pandas refused them (a ValueError out of read_data)."""
    header = "STRUCTURE,STRUCTURE_ID,ACTION,DIM_1,TIME_PERIOD,OBS_VALUE"
    rows = [f"dataflow,X:F(1.0),{a},A,{2000 + i},{i}" for i, a in enumerate(actions)]
    ds = read_data("\n".join([header, *rows]).encode())
    if expected is None:
        assert ds.action is Action.INFORMATION and "ACTION" not in ds.data.columns
    else:
        assert ds.action is Action.INFORMATION
        assert list(ds.data["ACTION"].astype(str)) == expected


def test_line_break_inside_quoted_value(csv_specimens):
    ds = read_data(csv_specimens / "example-15.csv")
    assert len(ds) == 2
    assert "line\nbreak" in str(ds.data["ATTR_1"].iloc[0])


def test_sdmx_csv_10():
    ds = read_data(CSV_10.encode())
    assert (
        ds.structure_urn == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:NA_MAIN(1.6)"
    )
    assert list(ds.data.columns)[:4] == ["DIM_1", "DIM_2", "DIM_3", "OBS_VALUE"]
    assert list(ds.data["SERIESKEY"].astype(str)) == ["A.B", "A.B"]


def test_thb_with_layout_types_columns():
    ds = read(io.BytesIO(thb_csv(good_rows())), layout=thb_layout())
    assert list(ds.data.columns[:9]) == list(thb_layout().key_columns())
    assert isinstance(ds.data["SEX"].dtype, pd.CategoricalDtype)
    assert list(ds.data["OBS_VALUE"]) == [0.0, 10.0, 20.0]
    assert list(ds.data["TIME_PERIOD"]) == ["2015", "2016", "2017"]


def test_bom_and_mixed_line_endings_are_accepted():
    clean = read(io.BytesIO(thb_csv(good_rows())), layout=thb_layout())
    rows = good_rows()
    mixed = (THB_HEADER + "\r\n" + rows[0] + "\n" + rows[1] + "\r" + rows[2] + "\r\n").encode()
    for data in (b"\xef\xbb\xbf" + thb_csv(good_rows()), mixed, b"\xef\xbb\xbf" + mixed):
        got = read_data(data, thb_layout())
        pd.testing.assert_frame_equal(got.data, clean.data)


def test_header_only_is_an_empty_dataset():
    ds = read(io.BytesIO((THB_HEADER + "\n").encode()), layout=thb_layout())
    assert len(ds) == 0


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_file_is_a_parse_error(data):
    with pytest.raises(ParseError, match="Empty input"):
        read_data(data, format="sdmx-csv-2.0")


def test_row_with_a_missing_field_names_its_row():
    rows = good_rows(4)
    rows[2] = rows[2].rsplit(",", 1)[0]  # drop OBS_STATUS
    with pytest.raises(ParseError) as err:
        read_data(thb_csv(rows), thb_layout())
    assert err.value.title == "Missing column"
    assert err.value.location.row == 3 and err.value.location.line == 4
    assert "OBS_STATUS" in err.value.detail


def test_missing_field_on_a_stream_that_cannot_seek_still_explains():
    rows = good_rows(3)
    rows[1] = rows[1].rsplit(",", 2)[0]

    with pytest.raises(ParseError, match="expected 14 fields, found 12"):
        read(io.BufferedReader(OneWay(thb_csv(rows))), layout=thb_layout())


def test_non_numeric_value_names_row_and_component():
    rows = good_rows(5)
    rows[3] = THB_ROW.format(year=2030, value="12a")
    with pytest.raises(ParseError) as err:
        read_data(thb_csv(rows), thb_layout())
    assert err.value.title == "Not a number"
    assert err.value.location.row == 4 and err.value.location.component == "OBS_VALUE"
    assert "12a" in str(err.value)


def test_component_the_structure_does_not_have():
    header = THB_HEADER + ",COLOUR"
    rows = [r + ",blue" for r in good_rows()]
    with pytest.raises(ParseError) as err:
        read_data(thb_csv(rows, header), thb_layout())
    assert err.value.title == "Unknown component"
    assert err.value.location.component == "COLOUR" and err.value.location.column == 15
    kept = read_data(thb_csv(rows, header), thb_layout(), extra_columns="keep")
    assert list(kept.data["COLOUR"].astype(str)) == ["blue"] * 3
    ignored = read_data(thb_csv(rows, header), thb_layout(), extra_columns="ignore")
    assert "COLOUR" not in ignored.data.columns


def test_missing_dimension_column():
    header = THB_HEADER.replace("SEX,", "")
    rows = [r.replace(",F,Y_GE18", ",Y_GE18") for r in good_rows()]
    with pytest.raises(ParseError) as err:
        read_data(thb_csv(rows, header), thb_layout())
    assert err.value.title == "Missing column" and err.value.location.component == "SEX"


def test_not_sdmx_csv_header():
    with pytest.raises(ParseError, match="Not SDMX-CSV"):
        read(io.BytesIO(b"a,b,c\n1,2,3\n"))


def test_invalid_utf8_is_a_parse_error():
    data = thb_csv(good_rows()).replace(b"POL", b"P\xffL")
    with pytest.raises(ParseError):
        read_data(data, thb_layout())


def test_dataset_level_attribute_lifted_out_of_the_frame():
    header = THB_HEADER + ",UNIT_MULT"
    rows = [r + ",0" for r in good_rows()]
    ds = read_data(thb_csv(rows, header), thb_layout())
    assert ds.attributes == {"UNIT_MULT": "0"}
    assert "UNIT_MULT" not in ds.data.columns


def test_rows_for_several_structures_keep_their_structure_id(csv_specimens):
    ds = read_data(csv_specimens / "example-09A.csv")
    assert ds.structure_urn == DATAFLOW + "ESTAT:DF_NA_MAIN(1.6.0)"
    assert list(ds.data["STRUCTURE_ID"].astype(str)) == [
        "ESTAT:DF_NA_MAIN(1.6.0)",
        "ESTAT:DSD_NA_MAIN(1.7.0)",
        "ESTAT:DPA_NA_MAIN(1.8.0)",
    ]
    assert "STRUCTURE_ID" not in read_data(csv_specimens / "example-01.csv").data.columns


def test_malformed_row_that_is_not_utf8_is_located():
    """Arrow decodes a malformed row as UTF-8 before the invalid-row handler sees it:
    a row with a field too many and bytes that are not UTF-8 was refused without
    its position (and Arrow printed an ignored UnicodeDecodeError)."""
    header = "STRUCTURE,STRUCTURE_ID,ACTION,DIM_1,TIME_PERIOD,OBS_VALUE"
    rows = [b"dataflow,X:F(1.0),I,A,2000,1", b"dataflow,X:F(1.0),I,A,2001,2,\x8a\xff"]
    data = b"\n".join([header.encode(), *rows, b"dataflow,X:F(1.0),I,A,2002,3"])
    with pytest.raises(ParseError) as err:
        read_data(data)
    assert err.value.location.row == 2 and err.value.location.line == 3
    assert "not UTF-8" in str(err.value)


def test_invalid_utf8_names_row_and_component():
    rows = good_rows(4)
    rows[2] = rows[2].replace(",POL,", ",P\xe9L,")
    data = thb_csv(rows).replace("P\xe9L".encode(), b"P\xe9L")
    with pytest.raises(ParseError) as err:
        read_data(data, thb_layout())
    assert err.value.title == "Not UTF-8"
    assert err.value.location.row == 3 and err.value.location.component == "DATA_SOURCE"
