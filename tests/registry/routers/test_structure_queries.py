"""Structure queries over HTTP, both API generations, on both databases."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from schemas import assert_valid_json, assert_valid_xml

ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
JSON10 = "application/vnd.sdmx.structure+json;version=1.0.0"


def _ids(response, tag: str) -> set[str]:
    return set(etree.fromstring(response.content).xpath(f"//*[local-name()='{tag}']/@id"))


def test_v1_lists_the_dataflows_in_sdmx_ml_21_by_default(client) -> None:
    response = client.get("/sdmx/2.1/dataflow")
    assert response.status_code == 200
    assert response.headers["content-type"] == ML21
    assert_valid_xml(response.content, "2.1")
    assert "DF_THB_VICTIMS" in _ids(response, "Dataflow")


def test_v2_answers_sdmx_ml_30_by_default(client) -> None:
    response = client.get("/sdmx/3.0/structure/dataflow/MOSY/DF_THB_VICTIMS/1.0.0")
    assert response.headers["content-type"] == ML30
    assert_valid_xml(response.content, "3.0")


@pytest.mark.parametrize(
    ("accept", "version"),
    [(ML21, "2.1"), (ML30, "3.0"), (JSON20, "json"), (JSON10, "json-1.0")],
)
@pytest.mark.parametrize("prefix", ["/sdmx/2.1/", "/sdmx/3.0/structure/"])
def test_every_format_on_both_generations(client, prefix, accept, version) -> None:
    response = client.get(
        prefix + "datastructure/MOSY/DSD_THB_PERSONS/1.0.0?references=children",
        headers={"Accept": accept},
    )
    assert response.status_code == 200 and response.headers["content-type"] == accept
    if version.startswith("json"):
        body = response.json()
        assert_valid_json(body, "structure", "1.0" if version == "json-1.0" else "2.0.0")
        assert {c["id"] for c in body["data"]["codelists"]} >= {"CL_GEO", "CL_SEX_THB"}
        primary = (
            "primaryMeasure"
            in body["data"]["dataStructures"][0]["dataStructureComponents"]["measureList"]
        )
        assert primary == (version == "json-1.0")  # SDMX 2.1's model in 1.0
    else:
        assert_valid_xml(response.content, version)
        assert {"CL_GEO", "CL_SEX_THB"} <= _ids(response, "Codelist")


def test_format_parameter_for_browsers(client) -> None:
    response = client.get("/sdmx/2.1/codelist/MOSY/CL_SEX_THB?format=sdmx-json")
    assert response.headers["content-type"] == JSON20
    assert_valid_json(response.json(), "structure")
    older = client.get("/sdmx/2.1/codelist/MOSY/CL_SEX_THB?format=sdmx-json-1.0")
    assert older.headers["content-type"] == JSON10
    assert older.json()["data"]["codelists"][0]["isFinal"] is True
    assert_valid_json(older.json(), "structure", "1.0")


def test_v1_and_v2_see_the_same_artefacts(client) -> None:
    v1 = client.get("/sdmx/2.1/codelist/all/all/latest", headers={"Accept": JSON20}).json()
    v2 = client.get("/sdmx/3.0/structure/codelist/*/*/~", headers={"Accept": JSON20}).json()
    ids = lambda m: sorted((c["agencyID"], c["id"], c["version"]) for c in m["data"]["codelists"])  # noqa: E731
    assert ids(v1) == ids(v2) and len(ids(v1)) == 20


def test_item_query_returns_a_partial_codelist(client) -> None:
    response = client.get("/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1.0.0/PT,EL")
    assert_valid_xml(response.content, "3.0")
    root = etree.fromstring(response.content)
    assert set(root.xpath("//*[local-name()='Code']/@id")) == {"PT", "EL"}
    assert root.xpath("//*[local-name()='Codelist']/@isPartial") == ["true"]


def test_semver_wildcards(client) -> None:
    latest_stable = client.get("/sdmx/3.0/structure/codelist/SDMX/CL_FREQ/+")
    assert latest_stable.status_code == 404  # SDMX's CL_FREQ is 2.1: not a stable semver
    any_latest = client.get("/sdmx/3.0/structure/codelist/SDMX/CL_FREQ/~")
    assert any_latest.status_code == 200
    one_dot = client.get("/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1.+.0")
    assert one_dot.status_code == 200


def test_allstubs(client) -> None:
    response = client.get(
        "/sdmx/3.0/structure/dataflow?detail=allstubs", headers={"Accept": JSON20}
    )
    flows = response.json()["data"]["dataflows"]
    assert len(flows) == 10 and all("structure" not in f for f in flows)


def test_updated_after(client) -> None:
    everything = client.get("/sdmx/3.0/structure/codelist?updatedAfter=2000-01-01T00:00:00Z")
    assert everything.status_code == 200
    nothing = client.get("/sdmx/3.0/structure/codelist?updatedAfter=2999-01-01T00:00:00Z")
    assert nothing.status_code == 204


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/sdmx/3.0/structure/codelists", 400, "not an SDMX REST structure resource"),
        ("/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1..0", 400, "not a version query"),
        ("/sdmx/3.0/structure/codelist?detail=everything", 400, "use one of full"),
        ("/sdmx/3.0/structure/codelist?references=cousins", 400, "structure type"),
        ("/sdmx/3.0/structure/codelist?foo=bar", 400, "foo is not a parameter"),
        ("/sdmx/2.1/dataflow/MOSY/DF_NOPE", 404, "no dataflow matches"),
        ("/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1.0.0/XX", 404, "none of XX"),
        ("/sdmx/3.0/structure/codelist?asOf=2020-01-01T00:00:00", 501, "asOf"),
        ("/sdmx/3.0/metadata/metadataflow/MOSY/MDF/1.0.0", 501, "metadata queries"),
    ],
)
def test_bad_queries_get_sdmx_errors_that_say_what_to_change(client, path, status, says) -> None:
    response = client.get(path)
    assert response.status_code == status
    version = "2.1" if path.startswith("/sdmx/2.1") else "3.0"
    assert_valid_xml(response.content, version)
    assert says in response.text


def test_error_in_json_when_json_is_asked(client) -> None:
    response = client.get("/sdmx/3.0/structure/dataflow/MOSY/NOPE", headers={"Accept": JSON20})
    assert response.status_code == 404
    assert json.loads(response.content)["errors"][0]["code"] == 404


def test_raw_is_full_as_no_extended_codelist_is_held(client) -> None:
    """detail=raw differs from full only for extended codelists (structures.md)."""
    path = "/sdmx/3.0/structure/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?references=all"
    full = client.get(path + "&detail=full", headers={"Accept": JSON20})
    raw = client.get(path + "&detail=raw", headers={"Accept": JSON20})
    assert raw.status_code == 200
    assert raw.json()["data"] == full.json()["data"]


def _artefacts(response) -> dict[str, dict]:
    """type=id -> (isExternalReference, isPartial, number of items, has descriptions)."""
    root = etree.fromstring(response.content)
    out = {}
    for element in root.xpath("//*[local-name()='Structures']/*/*[@id and @agencyID]"):
        kind = etree.QName(element).localname
        items = element.xpath("./*[@id]")
        out[f"{kind}={element.get('id')}"] = {
            "stub": element.get("isExternalReference") == "true",
            "partial": element.get("isPartial") == "true",
            "items": len(items),
            "descriptions": bool(element.xpath(".//*[local-name()='Description']")),
        }
    return out


FLOW_ALL = "dataflow/MOSY/DF_THB_VICTIMS/{version}?references=all&detail={detail}"


@pytest.mark.parametrize(
    ("prefix", "version"), [("/sdmx/2.1/", "latest"), ("/sdmx/3.0/structure/", "~")]
)
@pytest.mark.parametrize(
    "detail",
    [
        "full",
        "allstubs",
        "referencestubs",
        "allcompletestubs",
        "referencecompletestubs",
        "referencepartial",
        "raw",
    ],
)
def test_every_detail_of_both_generations(client, prefix, version, detail) -> None:
    """structures.md's detail values on a dataflow with all its references: what is a
    stub, a complete stub (with descriptions), a partial scheme, or whole."""
    response = client.get(prefix + FLOW_ALL.format(version=version, detail=detail))
    if detail == "raw" and prefix == "/sdmx/2.1/":
        assert response.status_code == 400 and "use one of full" in response.text
        return
    assert response.status_code == 200
    assert_valid_xml(response.content, "2.1" if prefix == "/sdmx/2.1/" else "3.0")
    found = _artefacts(response)
    full = _artefacts(client.get(prefix + FLOW_ALL.format(version=version, detail="full")))
    assert found.keys() == full.keys()  # detail never changes what is returned
    flow = found["Dataflow=DF_THB_VICTIMS"]
    others = {k: v for k, v in found.items() if k != "Dataflow=DF_THB_VICTIMS"}
    codelists = {k: v for k, v in others.items() if k.startswith("Codelist=")}
    if detail in ("full", "raw", "referencepartial"):
        assert not any(v["stub"] for v in found.values())
    if detail in ("full", "raw"):
        assert found == full and not any(v["partial"] for v in found.values())
    elif detail == "referencepartial":
        assert not flow["partial"]
        narrowed = [k for k, v in codelists.items() if v["partial"]]
        assert all(codelists[k]["items"] <= full[k]["items"] for k in narrowed)
        assert any(codelists[k]["items"] < full[k]["items"] for k in narrowed)
    else:
        assert flow["stub"] == detail.startswith("all")
        assert all(v["stub"] and v["items"] == 0 for v in others.values())
        complete = "completestubs" in detail
        assert any(v["descriptions"] for v in others.values()) == complete
