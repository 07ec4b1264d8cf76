"""SDMX REST data queries: ``/sdmx/2.1/data/...`` (1.5.0) and ``/sdmx/3.0/data/...`` (2.x).

Handlers only parse (``mosy_sdmx.rest.data``) and hand over to
``registry.data_answers``: the grammar lives in the library, the SQL in the
store, the formats in the library's streaming writers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mosy_sdmx.rest.data import parse_data_query
from registry.app_state import state_cache
from registry.data_answers import AnswerCache, answer
from registry.data_answers import app_attribute_sets as _attribute_sets
from registry.data_answers import app_selections as _selections
from registry.deps import EngineDep, StructureCacheDep, current_view
from registry.store.series_keys import SeriesKeys
from registry.store.structures import StructureCache

router = APIRouter(tags=["data"])

_RESPONSES = {
    200: {"description": "The data, streamed in the negotiated format."},
    204: {"description": "Nothing matches (SDMX REST 2.x)."},
    304: {"description": "Not modified since the client's ETag / date."},
    400: {"description": "The query breaks the SDMX REST grammar."},
    404: {"description": "Unknown dataflow or code, or no results (SDMX REST 1.5.0)."},
    406: {"description": "The format asked for is not offered."},
    501: {"description": "A part of the API not offered here."},
}
_V1 = (
    "SDMX REST 1.5.0 data query. `flowRef`: ID, AGENCY,ID or AGENCY,ID,VERSION; `key`: "
    "codes per dimension joined with '.', several codes in a position with '+', empty = "
    "any, `all` = everything; `providerRef`: provider ids joined with '+'."
)
_V2 = (
    "SDMX REST 2.x data query. `key`: codes joined with '.', `*` = any, several keys "
    "with ','. Filters as `c[COMPONENT]=op:value` (eq, ne, lt, le, gt, ge, co, nc, sw, ew; "
    "',' = OR, '+' = AND)."
)


def _answer(request: Request, engine, cache: StructureCache, query) -> Response:
    """Answer in the calling worker thread: the structures' revision is read here too,
    so a request costs one hop to the thread pool (a 304 is then a few reads)."""
    view = current_view(engine, cache)
    return answer(
        request,
        engine,
        view,
        query,
        _attribute_sets(request),
        _selections(request),
        state_cache(request, "series_keys", SeriesKeys),
        state_cache(request, "data_answers", AnswerCache),
    )


def _v1(
    request: Request,
    engine,
    cache: StructureCache,
    flow_ref: str,
    key: str | None,
    provider_ref: str | None,
) -> Response:
    query = parse_data_query(
        "v1",
        flow_ref=flow_ref,
        key=key,
        provider_ref=provider_ref,
        params=dict(request.query_params),
    )
    return _answer(request, engine, cache, query)


@router.get("/sdmx/2.1/data/{flow_ref}", summary="Data (SDMX REST 1.5.0)", responses=_RESPONSES,
            description=_V1)  # fmt: skip
@router.get("/sdmx/2.1/data/{flow_ref}/", include_in_schema=False)
async def data_v1_all(request: Request, flow_ref: str, engine: EngineDep, cache: StructureCacheDep):
    return await run_in_threadpool(_v1, request, engine, cache, flow_ref, None, None)


@router.get("/sdmx/2.1/data/{flow_ref}/{key}", summary="Data by key (SDMX REST 1.5.0)",
            responses=_RESPONSES, description=_V1)  # fmt: skip
async def data_v1_key(
    request: Request, flow_ref: str, key: str, engine: EngineDep, cache: StructureCacheDep
):
    return await run_in_threadpool(_v1, request, engine, cache, flow_ref, key, None)


@router.get("/sdmx/2.1/data/{flow_ref}/{key}/{provider_ref}",
            summary="Data by key and provider (SDMX REST 1.5.0)", responses=_RESPONSES,
            description=_V1)  # fmt: skip
async def data_v1_provider(
    request: Request,
    flow_ref: str,
    key: str,
    provider_ref: str,
    engine: EngineDep,
    cache: StructureCacheDep,
):
    return await run_in_threadpool(_v1, request, engine, cache, flow_ref, key, provider_ref)


def _v2(request: Request, engine, cache: StructureCache, **path: str | None) -> Response:
    query = parse_data_query("v2", params=dict(request.query_params), **path)  # type: ignore[arg-type]
    return _answer(request, engine, cache, query)


@router.get("/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}/{key}",
            summary="Data (SDMX REST 2.x)", responses=_RESPONSES, description=_V2)  # fmt: skip
async def data_v2(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
    engine: EngineDep,
    cache: StructureCacheDep,
):
    return await run_in_threadpool(
        _v2, request, engine, cache, context=context, agency=agency, resource_id=resource_id,
        version=version, key=key,
    )  # fmt: skip


@router.get("/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}", include_in_schema=False)
@router.get("/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}/", include_in_schema=False)
async def data_v2_version(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    engine: EngineDep,
    cache: StructureCacheDep,
):
    return await run_in_threadpool(
        _v2, request, engine, cache, context=context, agency=agency, resource_id=resource_id,
        version=version,
    )  # fmt: skip


@router.get("/sdmx/3.0/data/{context}/{agency}/{resource_id}", include_in_schema=False)
@router.get("/sdmx/3.0/data/{context}/{agency}/{resource_id}/", include_in_schema=False)
async def data_v2_id(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    engine: EngineDep,
    cache: StructureCacheDep,
):
    return await run_in_threadpool(
        _v2, request, engine, cache, context=context, agency=agency, resource_id=resource_id
    )


@router.get("/sdmx/3.0/data", include_in_schema=False)
@router.get("/sdmx/3.0/data/{context}", include_in_schema=False)
@router.get("/sdmx/3.0/data/{context}/{agency}", include_in_schema=False)
async def data_v2_broad(
    request: Request,
    engine: EngineDep,
    cache: StructureCacheDep,
    context: str = "*",
    agency: str = "*",
):
    return await run_in_threadpool(_v2, request, engine, cache, context=context, agency=agency)
