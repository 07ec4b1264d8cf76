"""SDMX-JSON as producers write it: attributes without values, several data sets,
observations missing a dimension, and data written again without a structure."""

from __future__ import annotations

import io
import json

import pytest
import real_messages as rm

from mosy_sdmx import DeviationWarning, read_data, read_datasets, write_data
from mosy_sdmx.exceptions import ParseError


def test_attribute_without_values_left_out_is_ignored_with_a_warning():
    with pytest.warns(DeviationWarning, match="TIME_FORMAT") as caught:
        dataset = read_data(io.BytesIO(rm.oecd_json()))
    # The warning points at the caller, not inside the library.
    assert caught[0].filename == __file__
    assert "TIME_FORMAT" not in dataset.data.columns
    # OBS_STATUS keeps its own values: the arrays were not misaligned by one.
    assert dataset.data["OBS_STATUS"].astype(object).tolist()[1:] == ["x", "w", "y"]
    assert dataset.data["LOCATION"].tolist() == ["AUS", "HUN", "HUN", "ITA"]
    (deviation,) = dataset.deviations
    assert deviation.code == "json-attribute-without-values"
    assert deviation.location.component == "TIME_FORMAT"


def test_attribute_without_values_keeps_its_place_when_the_arrays_hold_it(recwarn):
    dataset = read_data(io.BytesIO(rm.oecd_json(slot_for_empty=True)))
    assert not [w for w in recwarn if issubclass(w.category, DeviationWarning)]
    assert dataset.deviations == []
    assert dataset.data["TIME_FORMAT"].isna().all()
    assert dataset.data["OBS_STATUS"].astype(object).tolist()[1:] == ["x", "w", "y"]


def test_dataset_attribute_without_values_is_ignored_too():
    with pytest.warns(DeviationWarning, match="dataSet level"):
        dataset = read_data(io.BytesIO(rm.oecd_json(empty_at="dataSet")))
    assert "TIME_FORMAT" not in dataset.attributes
    assert dataset.data["OBS_STATUS"].astype(object).tolist()[1:] == ["x", "w", "y"]


def test_used_attribute_without_values_is_still_an_error():
    message = json.loads(rm.oecd_json(slot_for_empty=True))
    message["dataSets"][0]["observations"]["0:0:0"][1] = 0  # refers to a value it lacks
    with pytest.raises(ParseError, match="TIME_FORMAT has 0 values"):
        read_data(json.dumps(message).encode())


def test_several_data_sets_in_order_and_read_data_refuses_them():
    data = rm.several_datasets_json(attributes=("A", "B"), actions=("Replace", "Delete"))
    datasets = read_datasets(io.BytesIO(data))
    assert [(d.action.value, d.attributes["COMMENT"]) for d in datasets] == [
        ("Replace", "A"),
        ("Delete", "B"),
    ]
    assert [d.data["OBS_VALUE"].tolist() for d in datasets] == [[1.5, 2.5], [2.5, 3.5]]
    # Read as one, their dataset attributes would overwrite each other.
    with pytest.raises(ParseError, match="read_datasets"):
        read_data(io.BytesIO(data))


def test_data_sets_differing_only_by_action_read_as_one():
    data = rm.several_datasets_json(attributes=("A", "A"), actions=("Replace", "Delete"))
    dataset = read_data(io.BytesIO(data))
    assert dataset.data["ACTION"].astype(str).tolist() == ["Replace"] * 2 + ["Delete"] * 2
    assert dataset.attributes == {"COMMENT": "A"}


def test_null_dimension_value_is_refused():
    message = json.loads(rm.several_datasets_json(attributes=("A",), actions=("Replace",)))
    message["data"]["structures"][0]["dimensions"]["observation"][0]["values"][1] = None
    with pytest.raises(ParseError, match="dimension TIME_PERIOD") as err:
        read_data(json.dumps(message).encode())
    assert err.value.code == "missing-dimension-value"


def test_written_again_without_a_structure():
    """The components the message declares are enough to write every format."""
    dataset = read_data(
        io.BytesIO(rm.several_datasets_json(attributes=("A",), actions=("Replace",)))
    )
    layout = dataset.layout
    assert layout.dimensions == ("CURRENCY",) and layout.time_dimension == "TIME_PERIOD"
    assert layout.components["COMMENT"].level.value == "dataset"
    for fmt in ("sdmx-ml-2.1-generic", "sdmx-ml-2.1-ss", "sdmx-ml-3.0", "sdmx-json-1.0"):
        back = read_data(write_data(dataset, None, fmt))
        assert back.data["OBS_VALUE"].tolist() == [1.5, 2.5], fmt
        assert back.attributes == {"COMMENT": "A"}, fmt
    # SDMX-CSV has no dataset level: the attribute is a column on every row.
    back = read_data(write_data(dataset, None, "sdmx-csv-2.0"))
    assert back.data["COMMENT"].tolist() == ["A", "A"]
