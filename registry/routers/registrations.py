"""SDMX REST 2.x registration queries: ``/sdmx/3.0/registration/...``.

``/registration/id/{id}``, ``/registration/provider/{agency}/{provider}``
and ``/registration/{context}/{agency}/{id}/{version}`` (context:
datastructure, dataflow, provisionagreement; ``*`` and ``,`` lists in every
position), with ``updatedAfter``/``updatedBefore``; answered with an SDMX-ML
3.0 ``QueryRegistrationResponse`` (the standard has no SDMX-JSON form).
Registrations describe submissions: an administrator sees all, a provider's
token its own, and nobody without a token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from mosy_sdmx.exceptions import InvalidQueryError, StructureNotFoundError
from mosy_sdmx.registrations import MEDIA_TYPE, registration_response
from registry.deps import ConnectionDep
from registry.errors import ApiError
from registry.negotiation import Offer, choose
from registry.registrations import find_registrations
from registry.store.tokens import Role

router = APIRouter(tags=["registrations"])
OFFERS = (Offer("registry-3.0", MEDIA_TYPE, ("xml",)),)
CONTEXTS = ("datastructure", "dataflow", "provisionagreement", "*")
_RESPONSES = {
    200: {"content": {MEDIA_TYPE: {}}, "description": "The registrations (SDMX-ML 3.0)."},
    400: {"description": "A bad context, reference or time parameter."},
    401: {"description": "No token."},
    404: {"description": "No registration matches."},
}


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] or ["*"]


def _moment(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQueryError(
            "Bad date", f"{name}={value!r} is not an xs:dateTime (e.g. 2026-01-01T00:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _answer(request: Request, conn, **query) -> Response:
    from registry.deps import bearer_token

    choose(OFFERS, request.headers.get("accept"), request.query_params.get("format"))
    if not request.headers.get("authorization"):
        raise ApiError(
            401,
            "Authentication required",
            "registrations describe submissions: send a token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="mosy-registry"'},
        )
    token = bearer_token(request, conn)
    own = None if token.role is Role.ADMIN else token.provider
    found = find_registrations(
        conn,
        updated_after=_moment(request, "updatedAfter"),
        updated_before=_moment(request, "updatedBefore"),
        only_provider=own,
        **query,
    )
    if not found:
        raise StructureNotFoundError("No results", "no registration matches the query")
    body = registration_response([r.sdmx() for r in found])
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": "private, no-cache"})


@router.get("/sdmx/3.0/registration/id/{registration_id}", responses=_RESPONSES,
            summary="A registration by id (SDMX REST 2.x)")  # fmt: skip
def by_id(request: Request, registration_id: str, conn: ConnectionDep) -> Response:
    return _answer(request, conn, ids=[registration_id])


@router.get(
    "/sdmx/3.0/registration/provider/{provider_agency}/{provider_id}",
    responses=_RESPONSES,
    summary="Registrations by data provider (SDMX REST 2.x)",
)
@router.get("/sdmx/3.0/registration/provider/{provider_agency}", include_in_schema=False)
@router.get("/sdmx/3.0/registration/provider", include_in_schema=False)
def by_provider(
    request: Request, conn: ConnectionDep, provider_agency: str = "*", provider_id: str = "*"
) -> Response:
    return _answer(
        request, conn, provider_agencies=_list(provider_agency), providers=_list(provider_id)
    )


@router.get(
    "/sdmx/3.0/registration/{context}/{agency}/{resource_id}/{version}",
    responses=_RESPONSES,
    summary="Registrations by provision agreement, dataflow or DSD (SDMX REST 2.x)",
)
@router.get("/sdmx/3.0/registration/{context}/{agency}/{resource_id}", include_in_schema=False)
@router.get("/sdmx/3.0/registration/{context}/{agency}", include_in_schema=False)
@router.get("/sdmx/3.0/registration/{context}", include_in_schema=False)
def by_context(
    request: Request,
    context: str,
    conn: ConnectionDep,
    agency: str = "*",
    resource_id: str = "*",
    version: str = "*",
) -> Response:
    if context not in CONTEXTS:
        raise InvalidQueryError(
            "Unknown context",
            f"{context!r}: use id, provider, {', '.join(CONTEXTS)}",
        )
    return _answer(
        request,
        conn,
        context=None if context == "*" else context,
        agencies=_list(agency),
        resources=_list(resource_id),
        versions=_list(version),
    )
