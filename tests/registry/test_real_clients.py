"""Harvesters' own clients, unmodified, over real HTTP to a uvicorn server on 127.0.0.1.

sdmx1's ``Client`` (a source added at run time), pysdmx's ``RegistryClient``
and ``RestService`` in SDMX REST 1.5.0 and 2.x syntax: what they receive
equals what the registry's store holds (the THB structures).
"""

from __future__ import annotations

import pytest
import sdmx
from pysdmx.api.fmr import RegistryClient
from pysdmx.api.qb import (
    ApiVersion,
    RestService,
    SchemaContext,
    SchemaQuery,
    StructureQuery,
    StructureReference,
    StructureType,
)
from pysdmx.io import read_sdmx
from pysdmx.io.format import StructureFormat

from mosy_sdmx.structures import builtin_structures

THB = builtin_structures()


@pytest.fixture(scope="module")
def sdmx1_client(live_server):
    source_id = f"MOSY_TEST_{live_server.port}"
    sdmx.add_source(
        {"id": source_id, "url": f"{live_server.url}/sdmx/2.1", "name": "MoSy test registry"},
        override=True,
    )
    return sdmx.Client(source_id)


def test_sdmx1_lists_the_dataflows(sdmx1_client) -> None:
    message = sdmx1_client.dataflow(agency_id="MOSY")
    assert sorted(message.dataflow) == sorted(THB.dataflows)
    for flow_id, flow in message.dataflow.items():
        assert str(flow.name) == str(THB.dataflow(flow_id).name)


def test_sdmx1_gets_a_dsd_with_its_descendants(sdmx1_client) -> None:
    message = sdmx1_client.datastructure(
        "DSD_THB_PERSONS", agency_id="MOSY", params={"references": "descendants"}
    )
    dsd = message.structure["DSD_THB_PERSONS"]
    held = THB.dsd("DSD_THB_PERSONS")
    assert [d.id for d in dsd.dimensions] == [d.id for d in held.dimensions]
    assert [a.id for a in dsd.attributes] == [a.id for a in held.attributes]
    used = {
        c.local_representation.enumerated.id
        for c in [*held.dimensions, *held.attributes]
        if c.local_representation and c.local_representation.enumerated is not None
    }
    assert used <= set(message.codelist)
    assert "CS_THB" in message.concept_scheme


def test_sdmx1_gets_a_codelist(sdmx1_client) -> None:
    codelist = sdmx1_client.codelist("CL_GEO", agency_id="MOSY").codelist["CL_GEO"]
    held = THB.codelist("CL_GEO")
    assert {c.id: str(c.name) for c in codelist} == {c.id: str(c.name) for c in held}


@pytest.fixture(scope="module")
def registry_client(live_server) -> RegistryClient:
    return RegistryClient(f"{live_server.url}/sdmx/3.0")


def test_pysdmx_dataflow_details(registry_client) -> None:
    info = registry_client.get_dataflow_details("MOSY", "DF_THB_VICTIMS", "1.0.0")
    held = THB.layout("DF_THB_VICTIMS")
    assert [c.id for c in info.components] == [
        *held.dimensions,
        held.time_dimension,
        *held.measures,
        *held.attributes,
    ] or {c.id for c in info.components} == set(held.components)
    providers = {
        pa.data_provider.id
        for pa in THB.message.provisionagreement.values()
        if pa.structure_usage.id == "DF_THB_VICTIMS"
    }
    assert {p.id for p in info.providers} == providers


def test_pysdmx_codes_and_providers(registry_client) -> None:
    codes = registry_client.get_codes("MOSY", "CL_SEX_THB", "1.0.0")
    assert {c.id for c in codes} == set(THB.codelist("CL_SEX_THB").items)
    providers = registry_client.get_providers("MOSY")
    assert {p.id for p in providers} == set(THB.providers())


def test_pysdmx_schema_of_a_dataflow_and_an_agreement(registry_client) -> None:
    schema = registry_client.get_schema("dataflow", "MOSY", "DF_THB_VICTIMS", "1.0.0")
    components = {c.id: c for c in schema.components}
    assert set(components) == set(THB.layout("DF_THB_VICTIMS").components)
    allowed = THB.allowed_codes("DF_THB_VICTIMS")
    assert {c.id for c in components["FREQ"].enumeration} == allowed["FREQ"]
    agreement = registry_client.get_schema(
        "provisionagreement", "MOSY", "PA_PT_NREM_DF_THB_VICTIMS", "1.0.0"
    )
    ref_area = next(c for c in agreement.components if c.id == "REF_AREA")
    assert {c.id for c in ref_area.enumeration} == {"PT"}


@pytest.mark.parametrize(
    ("prefix", "api"), [("/sdmx/2.1", ApiVersion.V1_5_0), ("/sdmx/3.0", ApiVersion.V2_1_0)]
)
@pytest.mark.parametrize(
    "fmt",
    [StructureFormat.SDMX_ML_2_1, StructureFormat.SDMX_ML_3_0, StructureFormat.SDMX_JSON_2_0_0],
)
def test_pysdmx_rest_service_in_both_syntaxes(live_server, prefix, api, fmt) -> None:
    service = RestService(f"{live_server.url}{prefix}", api, structure_format=fmt)
    query = StructureQuery(
        StructureType.DATAFLOW,
        "MOSY",
        "DF_THB_VICTIMS",
        "1.0.0",
        references=StructureReference.DESCENDANTS,
    )
    message = read_sdmx(service.structure(query).decode())
    flows = message.get_dataflows()
    assert [f.id for f in flows] == ["DF_THB_VICTIMS"]
    codelists = {c.id for c in message.get_codelists()}
    assert {"CL_GEO", "CL_SEX_THB", "CL_FREQ"} <= codelists
    items = StructureQuery(StructureType.CODELIST, "MOSY", "CL_GEO", "1.0.0", item_id=["PT", "EL"])
    partial = read_sdmx(service.structure(items).decode()).get_codelists()[0]
    assert {c.id for c in partial.items} == {"PT", "EL"}


@pytest.mark.parametrize(
    ("prefix", "api"), [("/sdmx/2.1", ApiVersion.V1_5_0), ("/sdmx/3.0", ApiVersion.V2_1_0)]
)
def test_pysdmx_schema_query(live_server, prefix, api) -> None:
    service = RestService(f"{live_server.url}{prefix}", api)
    query = SchemaQuery(SchemaContext.DATAFLOW, "MOSY", "DF_THB_VICTIMS", "1.0.0")
    assert b"DF_THB_VICTIMS" in service.schema(query)


def test_a_v1_and_a_v2_client_see_the_same_artefacts(live_server) -> None:
    seen = []
    for prefix, api in (("/sdmx/2.1", ApiVersion.V1_5_0), ("/sdmx/3.0", ApiVersion.V2_1_0)):
        service = RestService(
            f"{live_server.url}{prefix}", api, structure_format=StructureFormat.SDMX_JSON_2_0_0
        )
        message = read_sdmx(service.structure(StructureQuery(StructureType.CODELIST)).decode())
        seen.append(sorted((c.agency, c.id, c.version) for c in message.get_codelists()))
    assert seen[0] == seen[1] and len(seen[0]) == len(THB.codelists)
