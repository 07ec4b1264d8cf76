"""SDMX 3.0 several values and multilingual texts: written back in SDMX-ML 3.0,
SDMX-JSON 2.0 and SDMX-CSV 2.0, and refused by the formats that cannot hold them."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pandas as pd
import pytest
import real_messages as rm
import sdmx
from paths import SPECIMENS, STANDARDS
from schemas import assert_valid_json, assert_valid_xml

from mosy_sdmx import read_data, write_data
from mosy_sdmx.dataset import LocalisedText, is_multi_value
from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.structures import load_structures

SAMPLE = STANDARDS / "sdmx-ml" / "3.0" / "samples" / "Data - Complex Data Attributes"
CARRIERS = ("sdmx-ml-3.0", "sdmx-json-2.0", "sdmx-csv-2.0")
OTHERS = ("sdmx-ml-2.1-ss", "sdmx-ml-2.1-generic", "sdmx-csv-1.0", "sdmx-json-1.0", "xlsx")


@pytest.fixture(scope="module")
def sample():
    """The official complex-attributes sample, read with its own DSD."""
    structures = load_structures(SAMPLE / "ECB_EXR_CA_DSD.xml")
    return read_data(SAMPLE / "ECB_EXR_CA.xml", structures), structures


def _cells(dataset) -> dict:
    data = dataset.data
    return {
        c: [None if not is_multi_value(v) and pd.isna(v) else v for v in data[c].astype(object)]
        for c in ("OBS_STATUS", "SOURCE_AGENCY", "SOURCE_PUB", "TITLE")
    }


@pytest.mark.parametrize("fmt", CARRIERS)
def test_sample_values_and_languages_survive(sample, fmt):
    dataset, structures = sample
    written = write_data(dataset, None, fmt, structures)
    back = read_data(written, structures)
    assert _cells(back) == _cells(dataset)
    assert back.data["OBS_VALUE"].tolist() == dataset.data["OBS_VALUE"].tolist()


def test_sdmx_ml_30_output_validates_against_the_official_dataflow_schema(sample):
    """Written without the DSD (the components its message shows), the output is
    in the sample dataflow's namespace and valid against the sample's own XSD."""
    dataset = read_data(SAMPLE / "ECB_EXR_CA.xml")
    written = write_data(dataset, None, "sdmx-ml-3.0")
    assert_valid_xml(written, "3.0", SAMPLE / "ECB_EXR_CA_Dataflow.xsd")
    assert b'<Comp id="TITLE" xsi:type="ns1:TITLE_ATTRIBUTE">' in written
    assert b'<common:Text xml:lang="fr">Quelques textes en anglais</common:Text>' in written
    assert _cells(read_data(written)) == _cells(sample[0])
    # sdmx1 reads the message (its model keeps one value per attribute).
    assert len(sdmx.read_sdmx(io.BytesIO(written)).data[0].obs) == 3


def test_sdmx_json_20_output_validates(sample):
    dataset, structures = sample
    message = json.loads(write_data(dataset, None, "sdmx-json-2.0", structures))
    assert_valid_json(message, "data")
    observation = message["data"]["structures"][0]["attributes"]["series"]
    title = next(a for a in observation if a["id"] == "TITLE")
    assert title["format"] == {
        "dataType": "String",
        "maxOccurs": "unbounded",
        "isMultiLingual": True,
    }
    assert title["values"][0]["values"][0] == {
        "en": "Some English Text",
        "fr": "Quelques textes en anglais",
    }


def test_sdmx_csv_20_columns_say_what_they_hold(sample):
    dataset, structures = sample
    text = write_data(dataset, None, "sdmx-csv-2.0", structures).decode()
    header = text.splitlines()[0].split(",")
    assert header[0] == "STRUCTURE[;]"
    assert {"OBS_STATUS[]", "SOURCE_AGENCY[]", "TITLE[en;fr]"} <= set(header)


@pytest.mark.parametrize("fmt", CARRIERS)
def test_separator_inside_a_value_stays_inside(fmt):
    from mosy_sdmx.io.sdmx_ml import ss_reader

    dataset = ss_reader.read(io.BytesIO(rm.multi_valued_30(series=2)))
    # The message shows FREQ and CURRENCY on the series: say they are dimensions.
    layout = replace(dataset.layout, guessed_dimensions=())
    written = write_data(dataset, None, fmt, layout)
    back = read_data(written, layout)
    usd = back.data["CURRENCY"] == "USD"
    assert back.data.loc[usd, "G_SRC"].tolist() == [("a;b", "c")] * 3
    assert back.data.loc[usd, "OBS_STATUS"].tolist() == [("A", "F"), "A", "E"]
    assert back.attributes["DS_NOTE"] == LocalisedText({"en": "Note", "de": "Notiz"})


@pytest.mark.parametrize("fmt", OTHERS)
def test_formats_without_them_refuse_rather_than_flatten(sample, fmt):
    dataset, structures = sample
    with pytest.raises(DatasetError, match="several values") as err:
        write_data(dataset, None, fmt, structures)
    assert set(err.value.context["components"]) >= {"OBS_STATUS", "TITLE"}


@pytest.mark.parametrize("name", ["example-07.csv", "example-08.csv"])
def test_csv_specification_examples_read_as_values(name):
    dataset = read_data(SPECIMENS / "sdmx-3.0" / "csv" / name)
    cells = dataset.data["ATTR_1"].tolist()
    if name == "example-07.csv":
        assert cells == [("Value X", "Value Y")] * 2
        assert dataset.data["ATTR_2"].tolist() == [("M, N & O", "P & Q")] * 2
        assert dataset.data["ATTR_3"].tolist() == [("A", "B", "C"), ("A", "C")]
    else:
        assert cells == [
            LocalisedText({"en": "Any Value", "fr": "N'importe quelle Valeur"}),
            LocalisedText({"en": 'Value "X"', "fr": 'Valeur "X"'}),
        ]
