"""Availability constraints validate against the official schemas in every format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from schemas import assert_valid_json, assert_valid_xml

from mosy_sdmx.structures.availability import Availability, availability_message


@pytest.fixture
def availability() -> Availability:
    return Availability(
        "MOSY",
        "DF_THB_VICTIMS",
        "1.0.0",
        {"FREQ": ["A"], "REF_AREA": ["AT", "BG"], "SEX": []},
        "TIME_PERIOD",
        datetime(2015, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
        observations=123,
        series=4,
    )


@pytest.mark.parametrize(("fmt", "version"), [("sdmx-ml-2.1", "2.1"), ("sdmx-ml-3.0", "3.0")])
def test_xml_is_valid_and_says_what_has_data(availability, fmt, version) -> None:
    body = availability_message(availability, fmt)
    assert_valid_xml(body, version)
    text = body.decode()
    assert "<common:AnnotationTitle>123</common:AnnotationTitle>" in text
    assert text.count("Value>AT<") == 1 and 'id="SEX"' not in text
    assert "2015-01-01T00:00:00" in text and "2024-12-31T23:59:59" in text


def test_json_is_valid(availability) -> None:
    doc = json.loads(availability_message(availability, "sdmx-json-2.0"))
    assert_valid_json(doc, "structure")
    region = doc["data"]["dataConstraints"][0]["cubeRegions"][0]["keyValues"]
    assert {"id": "REF_AREA", "values": ["AT", "BG"]} in region


def test_sdmx1_reads_the_constraint(availability) -> None:
    import sdmx

    message = sdmx.read_sdmx(
        __import__("io").BytesIO(availability_message(availability, "sdmx-ml-2.1"))
    )
    constraint = next(iter(message.constraint.values()))
    region = constraint.data_content_region[0]
    values = {
        dim.id: {getattr(v, "value", None) for v in member.values}
        for dim, member in region.member.items()
    }
    assert values["REF_AREA"] == {"AT", "BG"} and values["FREQ"] == {"A"}
    assert "TIME_PERIOD" in values  # the time range, as sdmx1's RangePeriod
