"""SDMX REST 2.x structure maintenance: POST, PUT and DELETE under ``/sdmx/3.0/structure``.

Administrators only (``Authorization: Bearer`` with an admin token). A body is
an SDMX-ML 2.1 or 3.0 or an SDMX-JSON 2.0 structure message, read by the
library (hardened XML parser, bounded JSON nesting). Each artefact is judged
on its own (``store.structures``): 201 when something was created, 200
otherwise, 207 when some artefacts were stored and others refused (a
versioning rule, a reference that would dangle: and whatever needs them), 409
when a versioning rule or a reference would break for all, 404 for PUT/DELETE
of what is not there, 422 when the body does not match the URL.
Every answer is a ``SubmitStructureResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.query import STRUCTURE_TYPES, resource_type
from mosy_sdmx.structures.fragments import Fragment
from mosy_sdmx.structures.references import ArtefactRef
from mosy_sdmx.structures.structure_set import read_structure_parts
from mosy_sdmx.structures.submit_response import SubmissionResult, write_submit_structure_response
from registry.deps import AdminDep, EngineDep
from registry.errors import ApiError
from registry.store.changes import Actor
from registry.store.structures import (
    Outcome,
    SaveReport,
    delete_artefact,
    external_refs,
    fragments_of,
    save_structures,
)

router = APIRouter(tags=["structure maintenance"])

RESPONSE_TYPE = "application/xml"
_BODY_TYPES = (
    "application/xml",
    "text/xml",
    "application/vnd.sdmx.structure+xml",
    "application/json",
    "application/vnd.sdmx.structure+json",
)
MAINTENANCE_RESPONSES = {
    200: {"description": "Replaced, deleted or unchanged (SubmitStructureResponse)"},
    201: {"description": "Created (SubmitStructureResponse)"},
    207: {"description": "Some artefacts stored, others refused (SubmitStructureResponse)"},
    400: {"description": "The body is not a readable SDMX structure message"},
    401: {"description": "No valid token"},
    403: {"description": "The token is not an admin token"},
    404: {"description": "PUT or DELETE of an artefact the registry does not hold"},
    409: {"description": "Versioning rule or reference broken; nothing was stored"},
    413: {"description": "Body over MOSY_MAX_BODY_MB"},
    415: {"description": "Not an SDMX-ML or SDMX-JSON structure message"},
    422: {"description": "The artefacts do not match the URL"},
    501: {"description": "A construct not implemented here (SDMX 3.0 codelist extensions)"},
}


def _actor(token) -> Actor:
    return Actor(f"token:{token.name}", token.pk)


async def _structures_in(request: Request) -> Submitted:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in _BODY_TYPES:
        raise ApiError(
            415,
            "Unsupported structure format",
            f"Content-Type {kind} is not accepted; send an SDMX-ML 2.1 or 3.0 structure "
            "message as application/vnd.sdmx.structure+xml (or application/xml), or an "
            "SDMX-JSON 2.0 one as application/vnd.sdmx.structure+json (or application/json)",
        )
    body = await request.body()
    if not body.strip():
        raise ApiError(400, "Empty body", "send an SDMX-ML or SDMX-JSON structure message")
    structures, refused = await run_in_threadpool(read_structure_parts, body, "request body")
    return Submitted(
        fragments_of(structures),
        external_refs(body),
        {ArtefactRef(*key): why for key, why in refused.items()},
    )


def _answer(report: SaveReport, *, success_status: int | None = None) -> Response:
    results = []
    for result in report.results:
        status, code, message = "Success", result.outcome.status, result.message
        if not result.outcome.ok:
            status = "Failure"
        elif not report.applied:
            status, code = "Failure", report.status
            message = f"{result.ref} not stored: the submission is refused as a whole"
        results.append(SubmissionResult(result.ref.urn, result.action, status, code, message))
    status_code = report.status if not report.ok else (success_status or report.status)
    return Response(
        write_submit_structure_response(results),
        status_code=status_code,
        media_type=RESPONSE_TYPE,
    )


@dataclass(frozen=True, slots=True)
class Submitted:
    """A maintenance body as read: its artefacts, those it declares held elsewhere,
    and those refused on reading (they refer to items the message lacks)."""

    fragments: list[Fragment]
    external: frozenset[ArtefactRef]
    refused: dict[ArtefactRef, str]

    def identities(self) -> set[tuple[str, str, str, str]]:
        return {(f.type, f.agency, f.id, f.version) for f in self.fragments} | {
            (r.type, r.agency, r.id, r.version) for r in self.refused
        }


def _submit(
    engine, submitted: Submitted, token, *, kind: str | None, put: ArtefactRef | None
) -> Response:
    if not submitted.identities():
        raise ApiError(422, "No artefacts", "the message holds no maintainable artefact")
    if kind is not None:
        wrong = sorted({key[0] for key in submitted.identities() if key[0] != kind})
        if wrong:
            raise ApiError(
                422,
                "Artefacts do not match the URL",
                f"the URL is for {kind}, the message holds {', '.join(wrong)}; POST mixed "
                "types to /sdmx/3.0/structure",
            )
    if put is not None and submitted.identities() != {(put.type, put.agency, put.id, put.version)}:
        raise ApiError(
            422, "Artefact does not match the URL", f"PUT {put} must carry exactly that artefact"
        )
    with engine.begin() as conn:
        if put is not None:
            from registry.store.structures import list_artefacts

            if put not in {row.ref for row in list_artefacts(conn)}:
                raise ApiError(404, "Not found", f"no {put} to replace; POST creates")
        report = save_structures(
            conn,
            submitted.fragments,
            actor=_actor(token),
            external=submitted.external,
            partial_success=True,
            refused=submitted.refused,
        )
        if not report.applied:
            conn.rollback()
    return _answer(report, success_status=200 if put is not None else None)


@router.post(
    "/sdmx/3.0/structure",
    summary="Create or replace structures (any types)",
    responses=MAINTENANCE_RESPONSES,
    status_code=201,
)
async def post_structures(request: Request, engine: EngineDep, token: AdminDep) -> Response:
    submitted = await _structures_in(request)
    return await run_in_threadpool(_submit, engine, submitted, token, kind=None, put=None)


@router.post(
    "/sdmx/3.0/structure/{structureType}",
    summary="Create or replace structures of one type",
    responses=MAINTENANCE_RESPONSES,
    status_code=201,
)
async def post_structures_of_type(
    request: Request,
    structureType: str,
    engine: EngineDep,
    token: AdminDep,
) -> Response:
    kind = _maintainable_type(structureType)
    submitted = await _structures_in(request)
    return await run_in_threadpool(_submit, engine, submitted, token, kind=kind, put=None)


@router.put(
    "/sdmx/3.0/structure/{structureType}/{agencyID}/{resourceID}/{version}",
    summary="Replace one artefact",
    responses=MAINTENANCE_RESPONSES,
)
async def put_structure(
    request: Request,
    structureType: str,
    agencyID: str,
    resourceID: str,
    version: str,
    engine: EngineDep,
    token: AdminDep,
) -> Response:
    ref = ArtefactRef(_maintainable_type(structureType), agencyID, resourceID, version)
    submitted = await _structures_in(request)
    return await run_in_threadpool(_submit, engine, submitted, token, kind=ref.type, put=ref)


@router.delete(
    "/sdmx/3.0/structure/{structureType}/{agencyID}/{resourceID}/{version}",
    summary="Delete one artefact",
    responses=MAINTENANCE_RESPONSES,
)
def delete_structure(
    structureType: str,
    agencyID: str,
    resourceID: str,
    version: str,
    engine: EngineDep,
    token: AdminDep,
) -> Response:
    ref = ArtefactRef(_maintainable_type(structureType), agencyID, resourceID, version)
    with engine.begin() as conn:
        report = delete_artefact(conn, ref, actor=_actor(token))
    return _answer(report)


@router.delete(
    "/sdmx/3.0/structure/{structureType}/{agencyID}/{resourceID}/{version}/{itemID}",
    summary="Delete one item (not implemented)",
    responses={
        501: {"description": "Item deletion is not implemented"},
        401: {"description": "No valid token."},
        403: {"description": "Not an administrator token."},
    },
)
def delete_item(token: AdminDep) -> Response:
    raise ApiError(
        501, "Not implemented", "deleting single items is not supported; PUT the item scheme"
    )


def _maintainable_type(name: str) -> str:
    kind = resource_type(name, "v2")
    if kind == "*" or kind not in STRUCTURE_TYPES:
        raise InvalidQueryError("Unknown structure type", f"{name!r} names no structure type")
    return kind


__all__ = ["Outcome", "router"]
