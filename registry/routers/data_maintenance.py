"""SDMX REST 2.x data maintenance: POST, PUT and DELETE under ``/sdmx/3.0/data``.

The same submission path as ``POST /api/submissions`` (one log, one
transaction), with the body a data message in any format the library reads:

- ``POST``: the data set's own action (SDMX-ML ``action``, SDMX-CSV 2.0
  ``ACTION``; none: Replace): ``201`` with the receipt and ``Location``;
- ``PUT``: Replace, whatever the message says: ``200`` with the receipt;
- ``DELETE .../{key}``: the provider's observations matching the key (``*``
  or an empty position: any code) are deleted: ``200`` with the receipt, or
  ``404`` when nothing matched.

A resubmission that changes nothing answers ``200`` ("nothing changed"),
rejected data ``422`` with the library's JSON report. A submitter token
writes for its own provider; an admin token names one with ``?provider=``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

import mosy_sdmx as ms
from mosy_sdmx.rest.data import parse_key
from mosy_sdmx.rest.maintenance import deletion_dataset
from registry.data_access import check_may_write, submitting_provider
from registry.deps import BaseUrlDep, EngineDep, SettingsDep, StructureCacheDep, current_view
from registry.errors import ApiError
from registry.routers.submissions import (
    REJECTED,
    answer,
    authenticate,
    submit_received,
    upload_folder,
)
from registry.store.structures import StructureCache
from registry.submissions.receipts import receipt
from registry.submissions.receiving import Received, receive
from registry.submissions.records import Status

router = APIRouter(tags=["data maintenance"])

_RESPONSES = {
    200: {"description": "Replaced, deleted, or nothing changed (receipt)."},
    201: {"description": "Stored (receipt); Location names the submission."},
    400: {"description": "Empty or unreadable body, or a bad key."},
    401: {"description": "No valid token."},
    403: {"description": "The token may not write this provider's data to this dataflow."},
    404: {"description": "Unknown dataflow; DELETE: nothing matched."},
    413: {"description": "The body is over MOSY_MAX_UPLOAD_MB."},
    415: {"description": "Not a data format the library reads."},
    422: REJECTED,
}


def _flow_of(
    engine, cache: StructureCache, context: str, agency: str, resource_id: str, version: str
):
    """The dataflow id the path names (ApiError 400/404 otherwise)."""
    if context not in ("dataflow", "*"):
        raise ApiError(
            400, "Data is written to a dataflow", f"use /sdmx/3.0/data/dataflow/..., not {context}"
        )
    structures = current_view(engine, cache).structures
    flow = structures.message.dataflow.get(resource_id)
    if flow is None:
        raise ApiError(404, "Unknown dataflow", f"the registry holds no dataflow {resource_id!r}")
    owner = flow.maintainer.id if flow.maintainer is not None else None
    if agency not in ("*", owner) or version not in ("*", "~", "+", str(flow.version)):
        raise ApiError(
            404,
            "Unknown dataflow",
            f"the registry holds {owner}:{resource_id}({flow.version}), not "
            f"{agency}:{resource_id}({version})",
        )
    return resource_id, structures


async def _write(
    request: Request,
    engine,
    settings,
    cache: StructureCache,
    *,
    base: str,
    flow: str | None,
    action: str | None,
    created: int,
) -> Response:
    token = await authenticate(request, engine)
    provider = submitting_provider(token, request.query_params.get("provider"))
    received = await receive(
        request.stream(),
        limit_bytes=settings.max_upload_mb << 20,
        folder=upload_folder(settings),
        filename=request.headers.get("x-filename") or "request-body",
        media_type=request.headers.get("content-type"),
    )
    with received:
        submission = await submit_received(
            engine, cache, token, received, base=base, provider=provider, flow=flow, action=action
        )
    response = answer(submission, base)
    if submission.status is Status.ACCEPTED and created != 201:
        response.status_code = created
    return response


@router.post("/sdmx/3.0/data", summary="Submit data (the dataflow the message names)",
             responses=_RESPONSES, status_code=201)  # fmt: skip
async def post_data_any(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
) -> Response:
    return await _write(
        request, engine, settings, cache, base=base, flow=None, action=None, created=201
    )


@router.post("/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}",
             summary="Submit data (append or replace, as the message says)",
             responses=_RESPONSES, status_code=201)  # fmt: skip
async def post_data(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
) -> Response:
    flow, _ = await run_in_threadpool(
        _flow_of, engine, cache, context, agency, resource_id, version
    )
    return await _write(
        request, engine, settings, cache, base=base, flow=flow, action=None, created=201
    )


@router.put("/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}",
            summary="Replace data (the message's observations replace the stored ones)",
            responses=_RESPONSES)  # fmt: skip
async def put_data(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
) -> Response:
    flow, _ = await run_in_threadpool(
        _flow_of, engine, cache, context, agency, resource_id, version
    )
    return await _write(
        request, engine, settings, cache, base=base, flow=flow, action="Replace", created=200
    )


@router.delete(
    "/sdmx/3.0/data/{context}/{agency}/{resource_id}/{version}/{key}",
    summary="Delete the provider's data matching a key",
    responses=_RESPONSES,
)
async def delete_data(
    request: Request,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
) -> Response:
    token = await authenticate(request, engine)
    provider = submitting_provider(token, request.query_params.get("provider"))
    flow, structures = await run_in_threadpool(
        _flow_of, engine, cache, context, agency, resource_id, version
    )
    check_may_write(token, structures, provider, flow)
    layout = structures.layout(flow)
    dataset = deletion_dataset(layout, parse_key(key, "v2"), provider=provider)
    body = await run_in_threadpool(
        ms.write_data, dataset, None, "sdmx-csv-2.0", structures, flow=flow
    )

    async def chunks():
        yield body

    received: Received = await receive(
        chunks(),
        limit_bytes=settings.max_upload_mb << 20,
        folder=upload_folder(settings),
        filename=f"delete-{flow}.csv",
        media_type="application/vnd.sdmx.data+csv;version=2.0.0",
    )
    with received:
        submission = await submit_received(
            engine, cache, token, received, base=base, provider=provider, flow=flow, action="Delete"
        )
    if submission.status is Status.REJECTED:
        return answer(submission, base)
    if submission.status is Status.DUPLICATE or not submission.counts["deleted"]:
        raise ApiError(
            404,
            "Nothing to delete",
            f"no data of {provider} in {flow} matches {key}; nothing was deleted",
        )
    return JSONResponse(receipt(submission, base), status_code=200)
