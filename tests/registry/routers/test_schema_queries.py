"""Schema queries: the XSD (constrained) or the constrained DSD as a structure message."""

from __future__ import annotations

import pytest
from lxml import etree
from schemas import assert_valid_json

XS = "{http://www.w3.org/2001/XMLSchema}"


def _enumeration(xsd: bytes, codelist: str) -> set[str]:
    root = etree.fromstring(xsd)
    values = set()
    for simple in root.iter(f"{XS}simpleType"):
        if simple.get("name") == codelist:
            values |= {e.get("value") for e in simple.iter(f"{XS}enumeration")}
    return values


@pytest.mark.parametrize("prefix", ["/sdmx/2.1", "/sdmx/3.0"])
def test_dataflow_schema_is_an_xsd(client, prefix) -> None:
    response = client.get(f"{prefix}/schema/dataflow/MOSY/DF_THB_VICTIMS/1.0.0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.sdmx.schema+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{XS}schema"
    assert "DF_THB_VICTIMS" in root.get("targetNamespace")


def test_agreement_schema_honours_the_providers_constraint(client) -> None:
    flow = client.get("/sdmx/2.1/schema/dataflow/MOSY/DF_THB_VICTIMS/1.0.0").content
    agreement = client.get(
        "/sdmx/2.1/schema/provisionagreement/MOSY/PA_PT_NREM_DF_THB_VICTIMS/1.0.0"
    ).content
    assert len(_enumeration(flow, "CL_GEO")) > 1
    assert _enumeration(agreement, "CL_GEO") == {"PT"}


def test_dimension_at_observation_shapes_the_schema(client) -> None:
    flat = client.get(
        "/sdmx/3.0/schema/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?dimensionAtObservation=AllDimensions"
    )
    assert flat.status_code == 200 and b"AllDimensions" in flat.content
    bad = client.get(
        "/sdmx/3.0/schema/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?dimensionAtObservation=NOPE"
    )
    assert bad.status_code == 400


def test_schema_as_structure_message(client) -> None:
    response = client.get(
        "/sdmx/3.0/schema/provisionagreement/MOSY/PA_PT_NREM_DF_THB_VICTIMS/1.0.0",
        headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"},
    )
    body = response.json()
    assert_valid_json(body, "structure")
    geo = next(c for c in body["data"]["codelists"] if c["id"] == "CL_GEO")
    assert [code["id"] for code in geo["codes"]] == ["PT"] and geo["isPartial"]


def test_unknown_dataflow_is_404(client) -> None:
    assert client.get("/sdmx/3.0/schema/dataflow/MOSY/DF_NONE/1.0.0").status_code == 404
