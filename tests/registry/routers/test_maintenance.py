"""Structure maintenance (SDMX REST 2.x): admins only, atomic, versioning rules, change log."""

from __future__ import annotations

import pytest
from lxml import etree
from paths import STANDARDS
from registry_specimens import ECB_FILE, ecb_storable
from schemas import assert_valid_xml

from mosy_sdmx.structures import builtin_structures
from registry.db.engine import make_engine
from registry.store.changes import list_changes
from registry.store.tokens import Role, create_token

XML = {"Content-Type": "application/vnd.sdmx.structure+xml;version=2.1"}


@pytest.fixture
def tokens(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        _, admin = create_token(conn, name="ops", role=Role.ADMIN)
        _, submitter = create_token(conn, name="pt", role=Role.SUBMITTER, provider="PT_NREM")
    engine.dispose()
    return {"admin": admin, "submitter": submitter}


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **XML}


@pytest.fixture(scope="module")
def ecb_message() -> bytes:
    return ecb_storable()


def _results(response) -> list[tuple[str, str, str]]:
    assert_valid_xml(response.content, "3.0")
    root = etree.fromstring(response.content)
    out = []
    for result in root.iter("{*}SubmissionResult"):
        urn = result.find("{*}SubmittedStructure/{*}MaintainableObject").text
        status = result.find("{*}StatusMessage").get("status")
        code = result.find("{*}StatusMessage/{*}MessageText").get("code")
        out.append((urn, status, code))
    return out


def test_post_creates_and_the_store_serves_it(fresh_client, tokens, ecb_message) -> None:
    response = fresh_client.post(
        "/sdmx/3.0/structure", content=ecb_message, headers=_auth(tokens["admin"])
    )
    assert response.status_code == 201
    results = _results(response)
    assert (
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)",
        "Success",
        "201",
    ) in results
    served = fresh_client.get("/sdmx/2.1/dataflow/ECB/EXR/1.0")
    assert served.status_code == 200
    again = fresh_client.post(
        "/sdmx/3.0/structure", content=ecb_message, headers=_auth(tokens["admin"])
    )
    assert again.status_code == 200  # nothing new


def test_changes_are_logged_with_the_token_name(
    fresh_client, fresh_settings, tokens, ecb_message
) -> None:
    fresh_client.post("/sdmx/3.0/structure", content=ecb_message, headers=_auth(tokens["admin"]))
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        log = list_changes(conn, limit=50)
    engine.dispose()
    ecb = [c for c in log if ":ECB:" in c.target or "=ECB:" in c.target]
    assert ecb and {c.actor for c in ecb} == {"token:ops"}
    assert "dataflow=ECB:EXR(1.0)" in {c.target for c in ecb}


def test_a_stable_artefact_is_not_silently_overwritten(fresh_client, tokens) -> None:
    current = fresh_client.get("/sdmx/2.1/codelist/MOSY/CL_SEX_THB/1.0.0").content
    changed = current.replace(b"Female", b"Women")
    response = fresh_client.put(
        "/sdmx/3.0/structure/codelist/MOSY/CL_SEX_THB/1.0.0",
        content=changed,
        headers=_auth(tokens["admin"]),
    )
    assert response.status_code == 409
    assert "new version" in response.text
    assert fresh_client.get("/sdmx/2.1/codelist/MOSY/CL_SEX_THB/1.0.0").content == current


def test_a_missing_reference_is_409_and_nothing_is_stored(
    fresh_client, tokens, ecb_message
) -> None:
    root = etree.fromstring(ecb_message)
    for box in root.iter("{*}Codelists", "{*}Concepts"):
        box.getparent().remove(box)
    broken = etree.tostring(root)
    before = fresh_client.get("/health").json()["structures"]
    response = fresh_client.post(
        "/sdmx/3.0/structure", content=broken, headers=_auth(tokens["admin"])
    )
    assert response.status_code == 409
    assert any(code == "409" for _, _, code in _results(response))
    assert fresh_client.get("/health").json()["structures"] == before
    assert fresh_client.get("/sdmx/2.1/dataflow/ECB/EXR").status_code == 404


def test_delete_refuses_what_others_use_and_deletes_the_rest(
    fresh_client, tokens, ecb_message
) -> None:
    admin = _auth(tokens["admin"])
    fresh_client.post("/sdmx/3.0/structure", content=ecb_message, headers=admin)
    used = fresh_client.delete("/sdmx/3.0/structure/datastructure/ECB/ECB_EXR1/1.0", headers=admin)
    assert used.status_code == 409 and "referred to by" in used.text
    gone = fresh_client.delete(
        "/sdmx/3.0/structure/categorisation/ECB/53A341E8-D48B-767E-D5FF-E2E3E0E2BB19/1.0",
        headers=admin,
    )
    assert gone.status_code == 404  # ecb_storable holds no categorisation
    constraint = fresh_client.delete(  # nothing refers to it
        "/sdmx/3.0/structure/dataconstraint/ECB/EXR_CONSTRAINTS/1.0", headers=admin
    )
    assert constraint.status_code == 200
    assert [status for _, status, _ in _results(constraint)] == ["Success"]
    missing = fresh_client.delete("/sdmx/3.0/structure/codelist/X/Y/1.0", headers=admin)
    assert missing.status_code == 404


def test_put_must_match_the_url(fresh_client, tokens) -> None:
    body = fresh_client.get("/sdmx/2.1/codelist/MOSY/CL_SEX_THB/1.0.0").content
    response = fresh_client.put(
        "/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1.0.0",
        content=body,
        headers=_auth(tokens["admin"]),
    )
    assert response.status_code == 422
    wrong_type = fresh_client.post(
        "/sdmx/3.0/structure/dataflow", content=body, headers=_auth(tokens["admin"])
    )
    assert wrong_type.status_code == 422


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("nonsense", 401), ("submitter", 403)])
def test_only_admins_maintain(fresh_client, tokens, who, status, ecb_message) -> None:
    headers = dict(XML)
    if who:
        headers["Authorization"] = f"Bearer {tokens.get(who, 'mosy_wrong')}"
    response = fresh_client.post("/sdmx/3.0/structure", content=ecb_message, headers=headers)
    assert response.status_code == status
    assert_valid_xml(response.content, "3.0")
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert fresh_client.get("/sdmx/2.1/dataflow/ECB").status_code == 404


def test_revoked_token_is_refused(fresh_client, fresh_settings, tokens) -> None:
    from registry.store.tokens import find_token, revoke_token

    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        revoke_token(conn, pk=find_token(conn, tokens["admin"]).pk)
    engine.dispose()
    response = fresh_client.post(
        "/sdmx/3.0/structure", content=b"<x/>", headers=_auth(tokens["admin"])
    )
    assert response.status_code == 401 and "revoked" in response.text


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not xml at all", "application/xml", 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "application/xml",
            400,
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>',
            "application/xml",
            400,
        ),
        (b"<a>" * 5000 + b"</a>" * 5000, "application/xml", 400),
        (b'{"data": {}}', "application/json", 422),  # no artefact in it
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (b'{"data": {"codelists": [{"id": 1}]}}', "application/json", 400),
        (b'{"data": {"metadataStructures": [{"id": "M"}]}}', "application/json", 400),
        (b"<x/>", "text/csv", 415),
        (
            (STANDARDS / "sdmx-ml/3.0/samples/Codelist/codelist - extended.xml").read_bytes(),
            "application/xml",
            501,  # a CodelistExtension is refused, not stored without its codes
        ),
        (
            b'{"data": {"codelists": [{"id": "CL", "agencyID": "A", "version": "1.0", '
            b'"names": {"en": "x"}, "codelistExtensions": [{"codelist": "urn:x"}]}]}}',
            "application/json",
            501,
        ),
        (b"", "application/xml", 400),
    ],
)
def test_hostile_or_wrong_bodies_change_nothing(
    fresh_client, tokens, body, content_type, status
) -> None:
    before = fresh_client.get("/health").json()["structures"]
    headers = {"Authorization": f"Bearer {tokens['admin']}", "Content-Type": content_type}
    response = fresh_client.post("/sdmx/3.0/structure", content=body, headers=headers)
    assert response.status_code == status
    assert "root:" not in response.text
    if status == 501:
        assert "extensions are not implemented" in " ".join(response.text.split())
    assert fresh_client.get("/health").json()["structures"] == before


@pytest.mark.parametrize(
    ("accept", "content_type", "query"),
    [
        (
            "application/vnd.sdmx.structure+json;version=2.0.0",
            "application/vnd.sdmx.structure+json;version=2.0.0",
            "*/*/*/*",
        ),
        (
            "application/vnd.sdmx.structure+json;version=1.0.0",
            "application/vnd.sdmx.structure+json;version=1.0.0",
            "*/*/*/*",
        ),
        # SDMX-ML 3.0 cannot state a parent such as "_T" (CL_THB_EXPLOIT): the
        # SDMX 3.0 classes (flows, structures, constraints, agreements) go back.
        (
            "application/vnd.sdmx.structure+xml;version=3.0.0",
            "application/xml",
            "dataflow/*/*/*?references=all",
        ),
    ],
)
def test_what_the_registry_serves_loads_back_unchanged(
    fresh_client, tokens, accept, content_type, query
) -> None:
    """Stored artefacts, served as SDMX-JSON 2.0 or 1.0 or SDMX-ML 3.0 and POSTed back."""
    served = fresh_client.get(f"/sdmx/3.0/structure/{query}", headers={"Accept": accept})
    assert served.status_code == 200
    if "3.0" in accept:  # the codelist it cannot state whole stays out
        root = etree.fromstring(served.content)
        (exploit,) = root.xpath("//*[local-name()='Codelist'][@id='CL_THB_EXPLOIT']")
        exploit.getparent().remove(exploit)
        served = etree.tostring(root)
    else:
        served = served.content
    before = fresh_client.get("/health").json()["structures"]
    headers = {"Authorization": f"Bearer {tokens['admin']}", "Content-Type": content_type}
    response = fresh_client.post("/sdmx/3.0/structure", content=served, headers=headers)
    results = _results(response)
    assert response.status_code == 200, response.text[-2000:]
    if query.startswith("*"):
        assert len(results) == len(list(builtin_structures().artefacts()))  # every one
    assert {"dataflow", "datastructure", "dataconstraint"} <= {
        urn.split(".")[4].split("=")[0].lower().replace("contentconstraint", "dataconstraint")
        for urn, _, _ in results
    }
    assert fresh_client.get("/health").json()["structures"] == before  # nothing changed


def test_an_sdmx_json_upload_creates_what_it_holds(fresh_client, tokens) -> None:
    admin = {"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "application/json"}
    served = fresh_client.get(
        "/sdmx/3.0/structure/codelist/MOSY/CL_SEX_THB/1.0.0", params={"format": "sdmx-json"}
    ).json()
    codelist = served["data"]["codelists"][0]
    codelist["version"] = "1.1.0"
    codelist["links"] = []
    codelist["names"]["en"] = "Sex (revised)"
    created = fresh_client.post("/sdmx/3.0/structure", json=served, headers=admin)
    assert created.status_code == 201, created.text
    back = fresh_client.get("/sdmx/3.0/structure/codelist/MOSY/CL_SEX_THB/1.1.0?format=sdmx-json")
    names = back.json()["data"]["codelists"][0]["names"]
    assert names["en"] == "Sex (revised)"


def _codelist_message(codes: dict[str, str], *, partial: bool = False, final: bool = False):
    flags = f' isFinal="{str(final).lower()}"' + (' isPartial="true"' if partial else "")
    items = "".join(
        f'<str:Code id="{cid}"><com:Name xml:lang="en">{name}</com:Name></str:Code>'
        for cid, name in codes.items()
    )
    return (
        '<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        "<mes:Header><mes:ID>T</mes:ID><mes:Test>false</mes:Test>"
        '<mes:Prepared>2026-01-01T00:00:00</mes:Prepared><mes:Sender id="MOSY"/></mes:Header>'
        f'<mes:Structures><str:Codelists><str:Codelist agencyID="MOSY" id="CL_DECIMALS" '
        f'version="1.0"{flags}><com:Name xml:lang="en">Decimals</com:Name>{items}'
        "</str:Codelist></str:Codelists></mes:Structures></mes:Structure>"
    ).encode()


def _codes(client) -> dict[str, str]:
    served = client.get("/sdmx/3.0/structure/codelist/MOSY/CL_DECIMALS/1.0?format=sdmx-json")
    assert served.status_code == 200
    codelist = served.json()["data"]["codelists"][0]
    assert "isPartial" not in codelist
    return {code["id"]: code["name"] for code in codelist["codes"]}


def test_a_partial_codelist_is_merged_into_the_stored_one(fresh_client, tokens) -> None:
    """maintenance.md's own example: code 0 renamed, code 2 kept, 3 added at the end."""
    admin = _auth(tokens["admin"])
    whole = _codelist_message({"0": "Zero", "1": "One", "2": "Two"})
    assert fresh_client.post("/sdmx/3.0/structure", content=whole, headers=admin).status_code == 201
    partial = _codelist_message({"0": "No decimal", "3": "Three"}, partial=True)
    response = fresh_client.put(
        "/sdmx/3.0/structure/codelist/MOSY/CL_DECIMALS/1.0", content=partial, headers=admin
    )
    assert response.status_code == 200, response.text
    assert _codes(fresh_client) == {"0": "No decimal", "1": "One", "2": "Two", "3": "Three"}
    again = fresh_client.post("/sdmx/3.0/structure", content=partial, headers=admin)
    assert again.status_code == 200 and "unchanged" in again.text
    replaced = fresh_client.post(
        "/sdmx/3.0/structure", content=_codelist_message({"0": "Zero"}), headers=admin
    )
    assert replaced.status_code == 200 and _codes(fresh_client) == {"0": "Zero"}  # not partial


def test_a_partial_scheme_is_created_by_post_and_respects_stability(fresh_client, tokens) -> None:
    admin = _auth(tokens["admin"])
    url = "/sdmx/3.0/structure/codelist/MOSY/CL_DECIMALS/1.0"
    partial = _codelist_message({"0": "Zero"}, partial=True)
    absent = fresh_client.put(url, content=partial, headers=admin)
    assert absent.status_code == 404 and "no codelist=MOSY:CL_DECIMALS(1.0)" in absent.text
    created = fresh_client.post("/sdmx/3.0/structure", content=partial, headers=admin)
    assert created.status_code == 201  # as partial as it came
    served = fresh_client.get(url, params={"format": "sdmx-json"}).json()["data"]["codelists"]
    assert served[0]["isPartial"] is True
    final = _codelist_message({"0": "Zero"}, final=True)
    stable = final.replace(b'version="1.0"', b'version="2.0"')
    assert (
        fresh_client.post("/sdmx/3.0/structure", content=stable, headers=admin).status_code == 201
    )
    change = _codelist_message({"1": "One"}, partial=True, final=True)
    change = change.replace(b'version="1.0"', b'version="2.0"')
    refused = fresh_client.post("/sdmx/3.0/structure", content=change, headers=admin)
    assert refused.status_code == 409 and "new version" in refused.text
    codes = fresh_client.get(url.replace("1.0", "2.0"), params={"format": "sdmx-json"}).json()
    assert [c["id"] for c in codes["data"]["codelists"][0]["codes"]] == ["0"]


def _ecb_categorisation_with(categories: list[str]) -> bytes:
    """The specimen's categorisation (into ECB:MOBILE_NAVI(1.0) category 07), with a
    category scheme of that identity holding ``categories``."""
    root = etree.parse(str(ECB_FILE)).getroot()
    structures = root.find("{*}Structures")
    for box in list(structures):
        if etree.QName(box).localname != "Categorisations":
            structures.remove(box)
    str_ns = etree.QName(structures[0]).namespace
    com_ns = str_ns.replace("structure", "common")
    box = etree.Element(f"{{{str_ns}}}CategorySchemes")
    scheme = etree.SubElement(
        box,
        f"{{{str_ns}}}CategoryScheme",
        agencyID="ECB",
        id="MOBILE_NAVI",
        version="1.0",
        isFinal="false",
    )
    etree.SubElement(scheme, f"{{{com_ns}}}Name").text = "Economic concepts"
    for category in categories:
        item = etree.SubElement(scheme, f"{{{str_ns}}}Category", id=category)
        etree.SubElement(item, f"{{{com_ns}}}Name").text = f"Category {category}"
    structures.insert(0, box)
    return etree.tostring(root)


def test_the_ecb_specimen_is_stored_but_what_cannot_be(fresh_client, tokens) -> None:
    """207: the categorisation (its category scheme is not held) and the agency scheme
    (it would drop the THB agencies) are refused by name, the rest is stored."""
    admin = _auth(tokens["admin"])
    response = fresh_client.post(
        "/sdmx/3.0/structure", content=ECB_FILE.read_bytes(), headers=admin
    )
    assert response.status_code == 207
    results = {
        urn.split("infomodel.")[1].split(".", 1)[1]: (status, code)
        for urn, status, code in _results(response)
    }
    assert results["Dataflow=ECB:EXR(1.0)"] == ("Success", "201")
    assert results["Categorisation=ECB:53A341E8-D48B-767E-D5FF-E2E3E0E2BB19(1.0)"] == (
        "Failure",
        "409",
    )
    assert results["AgencyScheme=SDMX:AGENCIES(1.0)"] == ("Failure", "409")
    assert "category 07 of categoryscheme=ECB:MOBILE_NAVI(1.0)" in response.text
    assert "agency MOSY of agencyscheme=SDMX:AGENCIES(1.0)" in response.text
    assert fresh_client.get("/sdmx/2.1/dataflow/ECB/EXR/1.0").status_code == 200
    agencies = fresh_client.get("/sdmx/2.1/agencyscheme/SDMX/AGENCIES/1.0").text
    assert 'id="MOSY"' in agencies and 'id="BIS"' not in agencies  # the registry's own

    # A message at odds with itself (its scheme lacks the category it categorises in):
    # each artefact is judged on its own (maintenance.md): the scheme is stored (201),
    # the categorisation refused by name (409), the answer 207.
    without_07 = _ecb_categorisation_with(["01", "02"])
    response = fresh_client.post("/sdmx/3.0/structure", content=without_07, headers=admin)
    assert response.status_code == 207, response.text
    results = {
        urn.split("infomodel.")[1].split(".", 1)[1]: (status, code)
        for urn, status, code in _results(response)
    }
    assert results == {
        "CategoryScheme=ECB:MOBILE_NAVI(1.0)": ("Success", "201"),
        "Categorisation=ECB:53A341E8-D48B-767E-D5FF-E2E3E0E2BB19(1.0)": ("Failure", "409"),
    }
    assert "category 07 of categoryscheme=ECB:MOBILE_NAVI(1.0)" in response.text
    assert fresh_client.get("/sdmx/2.1/categoryscheme/ECB/MOBILE_NAVI/1.0").status_code == 200
    categorisation = "/sdmx/2.1/categorisation/ECB/53A341E8-D48B-767E-D5FF-E2E3E0E2BB19/1.0"
    assert fresh_client.get(categorisation).status_code == 404
    with_07 = _ecb_categorisation_with(["01", "02", "07"])
    response = fresh_client.post("/sdmx/3.0/structure", content=with_07, headers=admin)
    assert response.status_code == 201  # the categorisation created, the scheme replaced
    assert fresh_client.get(categorisation).status_code == 200


def test_a_message_whose_every_artefact_fails_is_409_and_changes_nothing(
    fresh_client, tokens
) -> None:
    """A stable scheme changed (versioning, 409) and a categorisation into a category
    that scheme lacks (409): nothing passes, so 409, and the store is unchanged."""
    admin = _auth(tokens["admin"])
    final = _ecb_categorisation_with(["01"]).replace(b'isFinal="false"', b'isFinal="true"')
    scheme_only = etree.fromstring(final)
    for box in scheme_only.iter("{*}Categorisations"):
        box.getparent().remove(box)
    stored = fresh_client.post(
        "/sdmx/3.0/structure", content=etree.tostring(scheme_only), headers=admin
    )
    assert stored.status_code == 201
    scheme_url = "/sdmx/2.1/categoryscheme/ECB/MOBILE_NAVI/1.0"
    before = fresh_client.get(scheme_url).content
    odd = _ecb_categorisation_with(["01", "02"]).replace(b'isFinal="false"', b'isFinal="true"')
    wrong_type = fresh_client.post("/sdmx/3.0/structure/categorisation", content=odd, headers=admin)
    assert wrong_type.status_code == 422  # it holds a category scheme too
    response = fresh_client.post("/sdmx/3.0/structure", content=odd, headers=admin)
    assert response.status_code == 409, response.text
    assert sorted(code for _, _, code in _results(response)) == ["409", "409"]
    assert "cannot change" in response.text and "category 07" in response.text
    assert fresh_client.get(scheme_url).content == before
    categorisation = "/sdmx/2.1/categorisation/ECB/53A341E8-D48B-767E-D5FF-E2E3E0E2BB19/1.0"
    assert fresh_client.get(categorisation).status_code == 404


def test_a_scheme_may_not_drop_the_item_a_stored_artefact_uses(fresh_client, tokens) -> None:
    admin = _auth(tokens["admin"])
    with_07 = _ecb_categorisation_with(["01", "07"])
    ecb = ecb_storable()
    assert fresh_client.post("/sdmx/3.0/structure", content=ecb, headers=admin).status_code == 201
    assert (
        fresh_client.post("/sdmx/3.0/structure", content=with_07, headers=admin).status_code == 201
    )
    scheme_only = etree.fromstring(_ecb_categorisation_with(["01"]))
    for box in scheme_only.iter("{*}Categorisations"):
        box.getparent().remove(box)
    response = fresh_client.post(
        "/sdmx/3.0/structure", content=etree.tostring(scheme_only), headers=admin
    )
    assert response.status_code == 409, response.text
    assert "categoryscheme=ECB:MOBILE_NAVI(1.0) would break categorisation=ECB:" in (
        " ".join(response.text.split())
    )
