"""Data availability: ``/sdmx/2.1/availableconstraint/...`` (1.5.0), ``/sdmx/3.0/availability/...``.

The answer is the cube region of codes with data for the query (``mode=exact``)
or, per dimension, the codes still worth adding to the query
(``mode=available``: each dimension's own selection left out), built by
``mosy_sdmx.structures.availability`` from per-series counts the database
computes (``registry.store.data_queries.series_counts``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from fastapi import APIRouter, Request
from starlette.responses import Response

from mosy_sdmx.rest.data import DataQuery, bind, parse_data_query, with_defaults
from mosy_sdmx.structures.availability import Availability, availability_message
from registry.data_answers import find_dataflow, not_modified, prepare, validators
from registry.deps import EngineDep, StructuresDep
from registry.errors import ApiError
from registry.negotiation import AVAILABILITY_OFFERS, choose
from registry.store.data_queries import resolve, series_counts
from registry.store.observations import FlowRef

router = APIRouter(tags=["data"])

_RESPONSES = {
    200: {"description": "An Actual constraint: the codes with data and the observation count."},
    204: {"description": "Nothing matches (SDMX REST 2.x)."},
    304: {"description": "Not modified."},
    400: {"description": "The query breaks the grammar."},
    404: {"description": "Unknown dataflow or code; no results (1.5.0)."},
}


def _without(query: DataQuery, dim: str, position: int) -> DataQuery:
    keys = tuple(tuple(None if i == position else c for i, c in enumerate(k)) for k in query.keys)
    filters = tuple(f for f in query.filters if f.component != dim)
    return with_defaults(query, keys=keys, filters=filters)


def _answer(request: Request, engine, view, query: DataQuery) -> Response:
    offer = choose(
        AVAILABILITY_OFFERS[query.api], request.headers.get("accept"), query.extra.get("format")
    )
    if query.references not in ("none",):
        raise ApiError(
            501,
            "Not implemented",
            "availability answers carry the constraint only; fetch referenced structures "
            "with a structure query (references=none)",
        )

    class _Fmt:  # what prepare() needs of a negotiated format
        def __init__(self) -> None:
            self.offer = offer
            self.options: dict = {}

    with engine.connect() as conn:
        prepared = prepare(request, view, conn, query, _Fmt(), "availability")  # type: ignore[arg-type]
        headers = validators(prepared)
        if not_modified(request, prepared):
            return Response(status_code=304, headers=headers)
        layout = prepared.bound.layout
        if query.component and query.component not in layout.key_columns():
            raise ApiError(
                400,
                "Unknown component",
                f"{query.component} is not a dimension of {layout.flow_id}; use one of "
                + ", ".join(layout.key_columns()),
            )
        exact = _cube(conn, prepared.bound, prepared.flow)
        if exact is None:
            if query.api == "v1":
                raise ApiError(
                    404, "No results found", "no data match the query", code="no-results"
                )
            return Response(status_code=204, headers=headers)
        cube, observations, n_series, start, end = exact
        if query.mode == "available":
            for position, dim in enumerate(layout.dimensions):
                constrained = any(k[position] is not None for k in query.keys) or any(
                    f.component == dim for f in query.filters
                )
                if constrained:
                    wider = _cube(conn, bind(_without(query, dim, position), layout), prepared.flow)
                    if wider is not None:
                        cube[dim] = wider[0][dim]
    if query.component:
        cube = {k: v for k, v in cube.items() if k == query.component}
    flow = view.structures.dataflow(layout.flow_id)
    av = Availability(
        agency=prepared.flow.agency,
        flow_id=prepared.flow.id,
        flow_version=str(flow.version or prepared.flow.version),
        cube=cube,
        time_dimension=layout.time_dimension
        if query.component in (None, layout.time_dimension)
        else None,
        time_start=start,
        time_end=end,
        observations=observations,
        series=n_series,
    )
    body = availability_message(av, offer.name)
    return Response(body, media_type=offer.media_type, headers=headers)


def _cube(conn, bound, flow: FlowRef):
    selection = resolve(conn, bound, flow)
    if selection is None or selection.empty:
        return None
    counts = series_counts(conn, selection)
    if counts.empty:
        return None
    series = selection.series.set_index("pk").loc[counts["series_pk"].to_numpy()]
    cube = {}
    for dim in bound.layout.dimensions:
        cube[dim] = sorted(pd.unique(series[dim].astype(str)))
    start = datetime.fromtimestamp(int(counts["start"].min()), UTC)
    end = datetime.fromtimestamp(int(counts["end"].max()), UTC)
    return cube, int(counts["n"].sum()), len(counts), start, end


def _v1(request, engine, view, flow_ref, key=None, provider_ref=None, component=None):
    query = parse_data_query(
        "v1",
        flow_ref=flow_ref,
        key=key,
        provider_ref=provider_ref,
        params=dict(request.query_params),
        availability=True,
        component=component,
    )
    find_dataflow(view.structures, query)
    return _answer(request, engine, view, query)


@router.get("/sdmx/2.1/availableconstraint/{flow_ref}", responses=_RESPONSES,
            summary="Data availability (SDMX REST 1.5.0)")  # fmt: skip
def available_v1(request: Request, flow_ref: str, engine: EngineDep, view: StructuresDep):
    return _v1(request, engine, view, flow_ref)


@router.get("/sdmx/2.1/availableconstraint/{flow_ref}/{key}", include_in_schema=False)
def available_v1_key(
    request: Request, flow_ref: str, key: str, engine: EngineDep, view: StructuresDep
):
    return _v1(request, engine, view, flow_ref, key)


@router.get(
    "/sdmx/2.1/availableconstraint/{flow_ref}/{key}/{provider_ref}", include_in_schema=False
)
def available_v1_provider(
    request: Request,
    flow_ref: str,
    key: str,
    provider_ref: str,
    engine: EngineDep,
    view: StructuresDep,
):
    return _v1(request, engine, view, flow_ref, key, provider_ref)


@router.get(
    "/sdmx/2.1/availableconstraint/{flow_ref}/{key}/{provider_ref}/{component_id}",
    include_in_schema=False,
)
def available_v1_component(
    request: Request,
    flow_ref: str,
    key: str,
    provider_ref: str,
    component_id: str,
    engine: EngineDep,
    view: StructuresDep,
):
    return _v1(request, engine, view, flow_ref, key, provider_ref, component_id)


def _v2(request, engine, view, **path):
    component = path.pop("component", None)
    query = parse_data_query(
        "v2",
        params=dict(request.query_params),
        availability=True,
        component=component,
        **path,
    )
    return _answer(request, engine, view, query)


@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}/{version}/{key}/{component}",
            responses=_RESPONSES, summary="Data availability (SDMX REST 2.x)")  # fmt: skip
def availability_v2(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
    component: str,
    engine: EngineDep,
    view: StructuresDep,
):
    return _v2(request, engine, view, context=context, agency=agency, resource_id=resource_id,
               version=version, key=key, component=component)  # fmt: skip


@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}/{version}/{key}",
            include_in_schema=False)  # fmt: skip
@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}/{version}/{key}/",
            include_in_schema=False)  # fmt: skip
def availability_v2_key(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
    engine: EngineDep,
    view: StructuresDep,
):
    return _v2(request, engine, view, context=context, agency=agency, resource_id=resource_id,
               version=version, key=key)  # fmt: skip


@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}", include_in_schema=False)
@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}/{version}",
            include_in_schema=False)  # fmt: skip
@router.get("/sdmx/3.0/availability/{context}/{agency}/{resource_id}/{version}/",
            include_in_schema=False)  # fmt: skip
def availability_v2_flow(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    engine: EngineDep,
    view: StructuresDep,
    version: str = "~",
):
    return _v2(request, engine, view, context=context, agency=agency, resource_id=resource_id,
               version=version)  # fmt: skip
