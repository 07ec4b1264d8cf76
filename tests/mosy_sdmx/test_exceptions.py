"""Exceptions and validation issues share one code vocabulary."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import mosy_sdmx.exceptions as exceptions
from mosy_sdmx import Action, Dataset, read_data, validate_file, write_data
from mosy_sdmx.disclosure import protect
from mosy_sdmx.exceptions import (
    DatasetError,
    InvalidQueryError,
    Location,
    MissingReferenceError,
    MosyError,
    ParseError,
    ProtectionError,
    StructureError,
    StructureNotFoundError,
    UnsupportedFormatError,
    UnsupportedStructureError,
)
from mosy_sdmx.validation import ISSUE_TYPES
from mosy_sdmx.validation.api import error_report


def _error_classes() -> list[type[MosyError]]:
    return [
        value
        for value in vars(exceptions).values()
        if isinstance(value, type) and issubclass(value, MosyError)
    ]


def test_every_error_class_knows_its_issue_code():
    codes = {cls: cls.code for cls in _error_classes()}
    assert codes == {
        MosyError: "unreadable-input",
        ParseError: "unreadable-input",
        UnsupportedFormatError: "unsupported-format",
        StructureError: "broken-structure",
        MissingReferenceError: "broken-structure",
        UnsupportedStructureError: "unsupported-structure",
        StructureNotFoundError: "unknown-structure",
        DatasetError: "unusable-dataset",
        ProtectionError: "protection-incomplete",
        InvalidQueryError: "invalid-query",
    }
    assert set(codes.values()) <= set(ISSUE_TYPES)


@pytest.mark.parametrize("cls", _error_classes())
def test_an_error_becomes_a_report_with_its_own_code(cls):
    error = cls("Title", "what happened", location=Location(source="in.csv", row=3))
    report = error_report(error)
    assert report.unusable and not report.valid
    (issue,) = report.issues
    assert issue.code == cls.code == error.to_dict()["code"]
    assert issue.location == Location(source="in.csv", row=3)
    assert issue.facts == {"detail": "Title: what happened"}
    assert "what happened" in issue.message


def test_a_raise_site_names_a_more_precise_code():
    error = ParseError("Refused", "a DTD", code="refused-input")
    assert error.code == "refused-input" and ParseError.code == "unreadable-input"
    assert error_report(error).codes() == {"refused-input"}


def test_refused_dtd_is_refused_input_without_sniffing(tmp_path):
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x "y">]>\n'
        "<message:StructureSpecificData xmlns:message="
        '"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&x;'
        "</message:StructureSpecificData>"
    )
    with pytest.raises(ParseError) as caught:
        read_data(xxe)
    assert caught.value.code == "refused-input"
    assert validate_file(xxe).codes() == {"refused-input"}


@pytest.mark.parametrize("text", ["Bogus", "X", "merged"])
def test_an_unknown_action_is_a_parse_error_with_one_wording(text):
    with pytest.raises(ParseError, match="Unknown dataset action") as caught:
        Action.parse(text, Location(source="in.xml", line=4))
    assert repr(text) in caught.value.detail
    assert caught.value.location == Location(source="in.xml", line=4)


def test_unknown_actions_read_the_same_in_every_format():
    csv = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE\n"
        "dataflow,ECB:EXR(1.0),Q,A,2020,1\n"
    )
    json_message = (
        b'{"data": {"structures": [{"dimensions": {"observation": '
        b'[{"id": "TIME_PERIOD", "values": [{"value": "2020"}]}]}}], '
        b'"dataSets": [{"action": "Bogus", "structure": 0, "observations": {"0": [1]}}]}}'
    )
    for message in (csv.encode(), json_message):
        with pytest.raises(ParseError, match="Unknown dataset action"):
            read_data(io.BytesIO(message))


def test_protect_without_a_measure_is_a_dataset_error_not_a_parse_error():
    dataset = Dataset(data=pd.DataFrame({"REF_AREA": ["PT"], "TIME_PERIOD": ["2022"]}))
    with pytest.raises(DatasetError) as caught:
        protect(dataset)
    assert not isinstance(caught.value, ParseError)
    assert caught.value.code == "missing-measure"
    assert caught.value.location.component == "OBS_VALUE"
    (issue,) = error_report(caught.value).issues
    assert issue.code == "missing-measure"


def test_writing_sdmx_json_without_a_dimension_is_a_dataset_error():
    from mosy_sdmx.structures import builtin_structures

    layout = builtin_structures().layout("DF_THB_VICTIMS")
    frame = pd.DataFrame({"TIME_PERIOD": ["2022"], "OBS_VALUE": [1.0]})
    with pytest.raises(DatasetError, match="no column for") as caught:
        write_data(Dataset(data=frame), None, "sdmx-json-2.0", layout)
    assert caught.value.code == "missing-dimension"


def test_unknown_writer_options_are_unsupported_format_errors():
    from mosy_sdmx.structures import builtin_structures

    layout = builtin_structures().layout("DF_THB_VICTIMS")
    dataset = Dataset(data=pd.DataFrame({"OBS_VALUE": [1.0]}))
    with pytest.raises(UnsupportedFormatError, match="labels must be"):
        write_data(dataset, None, "sdmx-csv-2.0", layout, labels="names")
    with pytest.raises(UnsupportedFormatError, match="envelope must be"):
        write_data(dataset, None, "sdmx-json-1.0", layout, envelope="soap")
