"""Registration query responses validate against the official SDMX-ML 3.0 schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from schemas import assert_valid_xml

from mosy_sdmx.registrations import Registration, provision_agreement_urn, registration_response

REG = "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/registry}"


def test_a_response_with_registrations_is_valid_and_says_everything() -> None:
    urn = provision_agreement_urn("MOSY", "PA_AT_MOI_DF_THB_VICTIMS", "1.0")
    registrations = [
        Registration(
            id=f"reg-{n}",
            provision_agreement=urn,
            data_source=f"https://registry.example/api/submissions/{n}/file",
            last_updated=datetime(2026, 12, 3, 18, n, tzinfo=UTC),
        )
        for n in (1, 2)
    ]
    body = registration_response(registrations, prepared=datetime(2026, 12, 3, tzinfo=UTC))
    assert_valid_xml(body, "3.0")
    tree = etree.fromstring(body)
    found = tree.findall(f".//{REG}Registration")
    assert [e.get("id") for e in found] == ["reg-1", "reg-2"]
    assert found[1].get("lastUpdated") == "2026-12-03T18:02:00Z"
    assert found[0].findtext(f"{REG}ProvisionAgreement") == urn
    assert found[0].findtext(f".//{REG}SimpleDataSource").endswith("/submissions/1/file")


def test_an_empty_response_is_valid() -> None:
    assert_valid_xml(registration_response([]), "3.0")


def test_a_bad_agreement_reference_is_caught_by_the_schema() -> None:
    bad = Registration("r", "PA_X", "https://x.example/f", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(AssertionError, match="not valid"):
        assert_valid_xml(registration_response([bad]), "3.0")
