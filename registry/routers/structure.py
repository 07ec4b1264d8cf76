"""SDMX REST structure queries, both generations side by side.

- ``/sdmx/2.1/{resource}/{agencyID}/{resourceID}/{version}/{itemID}``: SDMX REST
  1.5.0, SDMX-ML 2.1 by default;
- ``/sdmx/3.0/structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}``:
  SDMX REST 2.1.0 (2.0.0 and 2.2 syntax where compatible), SDMX-ML 3.0 by default.

Handlers only parse (``mosy_sdmx.rest.query``), select and export
(``mosy_sdmx.rest.selection``) and answer (``registry.answers``); every
format is offered on both generations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.query import (
    STRUCTURE_TYPES,
    V1_RESOURCES,
    StructureQuery,
    parse_structure_query,
)
from mosy_sdmx.rest.selection import export_selection, select_structures
from registry.answers import structure_response
from registry.deps import SettingsDep, StructuresDep
from registry.errors import ApiError
from registry.negotiation import STRUCTURE_OFFERS, choose

router = APIRouter(tags=["structure"])
#: Unknown resource names end here, after every other /sdmx route, for a 400 that
#: lists the resources (mounted last by ``ROUTERS``).
fallback = APIRouter(include_in_schema=False)


class _Names(Convertor[str]):
    """A path segment that is one of a fixed set of names (structure resources).

    Only real resource names match the structure routes, so they can come
    first in the route table (they are the hot path) without swallowing
    ``/sdmx/2.1/data/...`` or ``/schema/...``.
    """

    def __init__(self, names: Iterable[str]) -> None:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self.regex = f"(?i:{alternatives})"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("sdmx_v1_resource", _Names(V1_RESOURCES))
register_url_convertor("sdmx_v2_type", _Names(STRUCTURE_TYPES | {"*"}))

STRUCTURE_RESPONSES = {
    200: {
        "description": "A structure message",
        "content": {
            "application/vnd.sdmx.structure+xml;version=2.1": {},
            "application/vnd.sdmx.structure+xml;version=3.0.0": {},
            "application/vnd.sdmx.structure+json;version=2.0.0": {},
            "application/vnd.sdmx.structure+json;version=1.0.0": {},
        },
    },
    204: {"description": "Nothing changed after updatedAfter"},
    304: {"description": "Not modified since the ETag or date the client holds"},
    400: {"description": "The query breaks the SDMX REST grammar (SDMX error message)"},
    404: {"description": "No artefact matches (SDMX error message)"},
    406: {"description": "No offered format is acceptable"},
    414: {"description": "URI too long"},
    501: {"description": "Not implemented (asOf)"},
    503: {"description": "The database cannot be reached just now (Retry-After)"},
}
_DETAIL = (
    "full, allstubs, referencestubs, allcompletestubs, referencecompletestubs, referencepartial"
)
_REFERENCES = "none, parents, parentsandsiblings, children, descendants, all, or a structure type"


async def answer(
    request: Request, view: StructuresDep, settings: SettingsDep, query: StructureQuery
) -> Response:
    if "asOf" in query.extra:
        raise ApiError(501, "Not implemented", "asOf (time travel) is not supported here")
    offer = choose(
        STRUCTURE_OFFERS[query.api],
        request.headers.get("accept"),
        request.query_params.get("format"),
    )
    key = query.render("v2")
    if query.updated_after:
        since = _instant(query.updated_after)
        keep = lambda ref: view.updated.get(ref, since) > since  # noqa: E731
        selection = await run_in_threadpool(
            select_structures, view.structures, view.graph, query, keep=keep
        )
        if not selection.matched:
            return Response(status_code=204)

    def render() -> bytes:
        # A cached answer skips this; an unknown artefact raises here, uncached.
        selection = select_structures(view.structures, view.graph, query)
        return export_selection(view.structures, view.graph, selection, offer.name)

    return await structure_response(
        request, view, key, offer, render, min_compress=settings.gzip_min_bytes
    )


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQueryError(
            "Invalid updatedAfter", f"{text!r} is not an ISO 8601 date-time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- SDMX REST 1.5.0 ------------------------------------------------------------


async def _v1(
    request: Request,
    view: StructuresDep,
    settings: SettingsDep,
    resource: str,
    agencyID: str | None = None,
    resourceID: str | None = None,
    version: str | None = None,
    itemID: str | None = None,
) -> Response:
    query = parse_structure_query(
        "v1", resource, agencyID, resourceID, version, itemID, dict(request.query_params)
    )
    return await answer(request, view, settings, query)


_V1 = "/sdmx/2.1/{resource:sdmx_v1_resource}"
for suffix in (
    "",
    "/{agencyID}",
    "/{agencyID}/{resourceID}",
    "/{agencyID}/{resourceID}/{version}",
    "/{agencyID}/{resourceID}/{version}/{itemID}",
):
    router.add_api_route(
        _V1 + suffix,
        _v1,
        methods=["GET"],
        summary="Structure query (SDMX REST 1.5.0, SDMX 2.1)",
        description=(
            "resource: datastructure, dataflow, codelist, conceptscheme, agencyscheme, "
            "dataproviderscheme, provisionagreement, contentconstraint, categoryscheme, "
            "categorisation, structure... Lists join with '+'; 'all' and 'latest' keywords. "
            f"detail: {_DETAIL}. references: {_REFERENCES}."
        ),
        responses=STRUCTURE_RESPONSES,
        name="structure_v1" + suffix.replace("/", "_").replace("{", "").replace("}", ""),
    )


# -- SDMX REST 2.x ---------------------------------------------------------------


async def _v2(
    request: Request,
    view: StructuresDep,
    settings: SettingsDep,
    structureType: str = "*",
    agencyID: str | None = None,
    resourceID: str | None = None,
    version: str | None = None,
    itemID: str | None = None,
) -> Response:
    query = parse_structure_query(
        "v2", structureType, agencyID, resourceID, version, itemID, dict(request.query_params)
    )
    return await answer(request, view, settings, query)


_V2 = "/sdmx/3.0/structure"
for suffix in (
    "",
    "/{structureType:sdmx_v2_type}",
    "/{structureType:sdmx_v2_type}/{agencyID}",
    "/{structureType:sdmx_v2_type}/{agencyID}/{resourceID}",
    "/{structureType:sdmx_v2_type}/{agencyID}/{resourceID}/{version}",
    "/{structureType:sdmx_v2_type}/{agencyID}/{resourceID}/{version}/{itemID}",
):
    router.add_api_route(
        _V2 + suffix,
        _v2,
        methods=["GET"],
        summary="Structure query (SDMX REST 2.1.0, SDMX 3.0)",
        description=(
            "structureType: datastructure, dataflow, codelist, conceptscheme, agencyscheme, "
            "dataproviderscheme, provisionagreement, dataconstraint, categoryscheme, "
            "categorisation or *. Lists join with ','; '*' for all; versions take the "
            "semantic-version wildcards +, ~ and * (e.g. 1.+.0). "
            f"detail: {_DETAIL}, raw (as full: raw differs only for extended codelists, "
            "which the registry does not hold). references: {_REFERENCES}, ancestors. "
            "updatedAfter: only artefacts changed since (204 if none)."
        ),
        responses=STRUCTURE_RESPONSES,
        name="structure_v2" + suffix.replace("/", "_").replace("{", "").replace("}", ""),
    )


@fallback.get("/sdmx/2.1/{resource}")
@fallback.get("/sdmx/2.1/{resource}/{rest:path}")
async def unknown_v1(resource: str, rest: str = "") -> Response:
    parse_structure_query("v1", resource)  # raises InvalidQueryError naming the resources
    raise ApiError(404, "Not found", f"no resource at /sdmx/2.1/{resource}")


@fallback.get("/sdmx/3.0/structure/{structure_type}")
@fallback.get("/sdmx/3.0/structure/{structure_type}/{rest:path}")
async def unknown_v2(structure_type: str, rest: str = "") -> Response:
    parse_structure_query("v2", structure_type)
    raise ApiError(404, "Not found", f"no resource at /sdmx/3.0/structure/{structure_type}")
