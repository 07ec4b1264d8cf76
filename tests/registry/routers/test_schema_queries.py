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


@pytest.fixture
def demography_client(fresh_client, fresh_settings):
    """A fresh store that also holds Eurostat's demography DSD (a measure dimension)
    in version 1.0 and, without its OBS_FLAG attribute, in version 2.0."""
    from real_messages import demography_structure

    from registry.db.engine import make_engine
    from registry.store.tokens import Role, create_token

    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        _, secret = create_token(conn, name="ops", role=Role.ADMIN)
    engine.dispose()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/xml"}
    first = demography_structure()
    root = etree.fromstring(demography_structure(with_dataflow=False))
    for box in list(root.find("{*}Structures")):
        if etree.QName(box).localname != "DataStructures":
            box.getparent().remove(box)
    dsd = root.find(".//{*}DataStructure")
    dsd.set("version", "2.0")
    dsd.set("urn", dsd.get("urn").replace("(1.0)", "(2.0)"))
    attributes = dsd.find(".//{*}AttributeList")
    attributes.getparent().remove(attributes)
    for body in (first, etree.tostring(root)):
        response = fresh_client.post("/sdmx/3.0/structure", content=body, headers=headers)
        assert response.status_code == 201, response.text
    return fresh_client


@pytest.mark.parametrize("prefix", ["/sdmx/2.1", "/sdmx/3.0"])
def test_explicit_measure_types_the_observations(demography_client, prefix) -> None:
    path = f"{prefix}/schema/datastructure/ESTAT/DEMO_XS/1.0?dimensionAtObservation=INDIC_DE"
    xsd21 = {"Accept": "application/vnd.sdmx.schema+xml;version=2.1"}
    plain = demography_client.get(path, headers=xsd21)
    explicit = demography_client.get(path + "&explicitMeasure=true", headers=xsd21)
    assert plain.status_code == explicit.status_code == 200
    types = lambda r: {  # noqa: E731
        t.get("name"): t.get("abstract")
        for t in etree.fromstring(r.content).iter(f"{XS}complexType")
    }
    assert types(plain)["ObsType"] is None and "TFRNSI" not in types(plain)
    assert types(explicit)["ObsType"] == "true" and {"TFRNSI", "AGEMOTH", "JAN"} <= set(
        types(explicit)
    )
    assert plain.headers["etag"] != explicit.headers["etag"]


def test_each_version_of_a_dsd_has_its_own_schema(demography_client) -> None:
    """The kept answer is keyed by the artefact's agency, id and version, not its id."""
    old = demography_client.get("/sdmx/2.1/schema/datastructure/ESTAT/DEMO_XS/1.0")
    new = demography_client.get("/sdmx/2.1/schema/datastructure/ESTAT/DEMO_XS/2.0")
    assert b'name="OBS_FLAG"' in old.content and b'name="OBS_FLAG"' not in new.content
    assert old.headers["etag"] != new.headers["etag"]


@pytest.mark.parametrize(
    "accept",
    ["application/vnd.sdmx.schema+xml;version=3.0.0", "application/vnd.sdmx.structure+json"],
)
def test_an_unknown_observation_dimension_is_an_invalid_query(client, accept) -> None:
    response = client.get(
        "/sdmx/3.0/schema/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?dimensionAtObservation=NOPE",
        headers={"Accept": accept},
    )
    assert response.status_code == 400
    assert "Invalid dimensionAtObservation" in response.text and "SEX" in response.text
