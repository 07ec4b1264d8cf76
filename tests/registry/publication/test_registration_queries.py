"""SDMX REST 2.x registration queries, answered in SDMX-ML 3.0 valid against the schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from schemas import assert_valid_xml

from registry.db.engine import make_engine
from registry.registrations import register
from registry.store.structures import StructureCache
from registry.store.tokens import Role, create_token

REG = "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/registry}"
BASE = "/sdmx/3.0/registration"


@pytest.fixture
def registered(fresh_settings, fresh_client):
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        structures = StructureCache().get(conn).structures
        made = {}
        for n, (provider, flow) in enumerate(
            [("AT_MOI", "DF_THB_VICTIMS"), ("BG_NREM", "DF_THB_VICTIMS"),
             ("AT_MOI", "DF_THB_OFFENDERS")], start=1,
        ):  # fmt: skip
            made[(provider, flow)] = register(
                conn, structures, provider=provider, flow=flow,
                data_source=f"https://registry.example/api/submissions/{n}/file",
                at=datetime(2026, 12, n, 12, tzinfo=UTC), submission=n,
            )  # fmt: skip
        tokens = {
            name: create_token(conn, name=name, role=role, provider=provider)[1]
            for name, role, provider in (
                ("admin", Role.ADMIN, None), ("at", Role.READER, "AT_MOI"),
            )
        }  # fmt: skip
    engine.dispose()
    yield fresh_client, made, tokens


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/vnd.sdmx.registry+xml")
    assert_valid_xml(response.content, "3.0")
    tree = etree.fromstring(response.content)
    return [e.get("id") for e in tree.findall(f".//{REG}Registration")]


def _get(client, path: str, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(BASE + path, params=params, headers=headers)


def test_registration_queries_by_id_provider_and_context(registered) -> None:
    client, made, tokens = registered
    admin = tokens["admin"]
    victims_at = made[("AT_MOI", "DF_THB_VICTIMS")]
    assert _ids(_get(client, f"/id/{victims_at}", admin)) == [victims_at]
    assert _ids(_get(client, "/provider/MOSY/AT_MOI", admin)) == [
        victims_at, made[("AT_MOI", "DF_THB_OFFENDERS")],
    ]  # fmt: skip
    assert len(_ids(_get(client, "/provider/*/*", admin))) == 3
    assert len(_ids(_get(client, "/provider/MOSY/AT_MOI,BG_NREM", admin))) == 3
    flows = _ids(_get(client, "/dataflow/MOSY/DF_THB_VICTIMS/*", admin))
    assert sorted(flows) == sorted([victims_at, made[("BG_NREM", "DF_THB_VICTIMS")]])
    assert len(_ids(_get(client, "/datastructure/*/DSD_THB_PERSONS/*", admin))) == 3
    assert len(_ids(_get(client, "/provisionagreement/*/*/*", admin))) == 3
    later = _ids(_get(client, "/dataflow/*/*/*", admin, updatedAfter="2026-12-02T12:00:00Z"))
    assert later == [made[("AT_MOI", "DF_THB_OFFENDERS")]]  # after is exclusive
    before = _get(client, "/dataflow/*/*/*", admin, updatedBefore="2026-12-02T12:00:00+00:00")
    assert _ids(before) == [victims_at]
    body = etree.fromstring(_get(client, f"/id/{victims_at}", admin).content)
    source = body.findtext(f".//{REG}SimpleDataSource")
    assert source == "https://registry.example/api/submissions/1/file"
    agreement = body.findtext(f".//{REG}ProvisionAgreement")
    assert agreement.startswith("urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=MOSY:")


def test_registrations_are_for_their_providers_and_admins(registered) -> None:
    client, made, tokens = registered
    assert _get(client, "/provider/*/*", None).status_code == 401
    own = _ids(_get(client, "/provider/*/*", tokens["at"]))
    assert sorted(own) == sorted(v for (p, _), v in made.items() if p == "AT_MOI")
    other = made[("BG_NREM", "DF_THB_VICTIMS")]
    assert _get(client, f"/id/{other}", tokens["at"]).status_code == 404


def test_bad_registration_queries(registered) -> None:
    client, _, tokens = registered
    admin = tokens["admin"]
    assert _get(client, "/codelist/*/*/*", admin).status_code == 400
    assert _get(client, "/dataflow/*/*/*", admin, updatedAfter="yesterday").status_code == 400
    assert _get(client, "/id/nope", admin).status_code == 404
    json = client.get(f"{BASE}/provider/*/*", headers={
        "Authorization": f"Bearer {admin}", "Accept": "application/json"})  # fmt: skip
    assert json.status_code == 406
