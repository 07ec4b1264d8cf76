"""SDMX REST schema queries: the structure-specific XSD of a dataflow, DSD or agreement.

The library writes the schema (``mosy_sdmx.structures.xsd``), narrowed to the
codes the dataflow's constraints (and, for a provision agreement, the
provider's) allow. ``dimensionAtObservation`` picks the schema's shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.rest.query import (
    SchemaQuery,
    StructureQuery,
    observation_dimension,
    parse_schema_query,
)
from mosy_sdmx.rest.selection import export_selection, match, select_schema
from mosy_sdmx.structures.references import ArtefactRef
from mosy_sdmx.structures.xsd import dataflow_schema
from registry.answers import structure_response
from registry.deps import SettingsDep, StructuresDep
from registry.errors import ApiError
from registry.negotiation import SCHEMA_OFFERS, choose

router = APIRouter(tags=["schema"])

SCHEMA_RESPONSES = {
    200: {
        "description": "An XML schema for structure-specific data, or the constrained DSD "
        "as a structure message",
        "content": {
            "application/vnd.sdmx.schema+xml;version=2.1": {},
            "application/vnd.sdmx.schema+xml;version=3.0.0": {},
            "application/vnd.sdmx.structure+xml;version=2.1": {},
            "application/vnd.sdmx.structure+xml;version=3.0.0": {},
            "application/vnd.sdmx.structure+json;version=2.0.0": {},
        },
    },
    304: {"description": "Not modified"},
    400: {"description": "Invalid query (SDMX error message)"},
    404: {"description": "No such dataflow, DSD or provision agreement"},
    406: {"description": "No offered format is acceptable"},
    501: {"description": "Metadata contexts are not implemented"},
}


async def _schema(
    request: Request,
    view: StructuresDep,
    settings: SettingsDep,
    api: str,
    context: str,
    agencyID: str,
    resourceID: str,
    version: str | None,
) -> Response:
    query = parse_schema_query(
        api, context, agencyID, resourceID, version, dict(request.query_params)
    )
    if context.startswith("metadata"):
        raise ApiError(501, "Not implemented", "reference metadata schemas are not offered")
    offer = choose(
        SCHEMA_OFFERS[api], request.headers.get("accept"), request.query_params.get("format")
    )
    ref_, flow, provider = await run_in_threadpool(_target, view, query)
    target = ref_.urn  # by URN: another version of the DSD may be held too
    dim = observation_dimension(
        view.structures.layout(flow or target), query.dimension_at_observation
    )
    key = f"schema/{ref_}/{dim}/{query.explicit_measure}"

    def render() -> bytes:
        structures = view.structures
        if not offer.name.startswith("xsd"):
            selection = select_schema(structures, view.graph, ref_, flow=flow, provider=provider)
            return export_selection(structures, view.graph, selection, offer.name)
        allowed = structures.allowed_codes(flow, provider) if flow else None
        ref = flow or target
        return dataflow_schema(
            structures,
            ref,
            "2.1" if offer.name == "xsd-2.1" else "3.0",
            dimension_at_observation=dim,
            allowed=allowed,
            explicit_measures=query.explicit_measure,
        )

    return await structure_response(
        request,
        view,
        key,
        offer,
        render,
        min_compress=settings.gzip_min_bytes,
        filename=f"{resourceID}.xsd",
    )


def _target(view, query: SchemaQuery) -> tuple[ArtefactRef, str | None, str | None]:
    """(artefact, dataflow URN, provider id) the schema is for."""
    structure_query = StructureQuery(
        api=query.api,
        type=query.context,
        agencies=(query.agency,),
        ids=(query.id,),
        versions=(query.version,),
    )
    found = match(view.graph, structure_query)
    if not found:
        raise StructureNotFoundError(
            f"No such {query.context}",
            f"{query.agency}:{query.id} in version {query.version.text} is not held",
        )
    ref = found[-1]
    artefact = view.graph.artefacts[ref]
    if query.context == "dataflow":
        return ref, ref.urn, None
    if query.context == "provisionagreement":
        usage, provider = artefact.structure_usage, artefact.data_provider
        if usage is None:
            raise StructureNotFoundError("Agreement without dataflow", f"{ref} names none")
        return ref, usage.urn or usage.id, provider.id if provider is not None else None
    return ref, None, None


async def _v1(
    request: Request,
    view: StructuresDep,
    settings: SettingsDep,
    context: str,
    agencyID: str,
    resourceID: str,
    version: str | None = None,
) -> Response:
    return await _schema(request, view, settings, "v1", context, agencyID, resourceID, version)


async def _v2(
    request: Request,
    view: StructuresDep,
    settings: SettingsDep,
    context: str,
    agencyID: str,
    resourceID: str,
    version: str | None = None,
) -> Response:
    return await _schema(request, view, settings, "v2", context, agencyID, resourceID, version)


for prefix, handler, label in (("/sdmx/2.1", _v1, "1.5.0"), ("/sdmx/3.0", _v2, "2.1.0")):
    for suffix in ("", "/{version}"):
        router.add_api_route(
            prefix + "/schema/{context}/{agencyID}/{resourceID}" + suffix,
            handler,
            methods=["GET"],
            summary=f"Schema query (SDMX REST {label})",
            description=(
                "context: dataflow, datastructure or provisionagreement. "
                "dimensionAtObservation: TIME_PERIOD (default), another dimension or "
                "AllDimensions. explicitMeasure: true or false (SDMX-ML 2.1 schemas of a "
                "structure with a measure dimension at observation: a type per measure; "
                "REST 2.0.0 syntax on /sdmx/3.0)."
            ),
            responses=SCHEMA_RESPONSES,
            name=f"schema_{label}{suffix.replace('/', '_').replace('{', '').replace('}', '')}",
        )
