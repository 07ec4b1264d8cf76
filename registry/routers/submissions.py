"""``/api/submissions``: submit a data file (multipart), read the log, download the originals.

Thin on purpose: the token and its rights come from ``registry.data_access``,
the multipart upload is streamed to disk by ``registry.submissions.multipart``,
and everything about the data (reading, validation, storage, the log) happens in
``registry.submissions.accepting.submit``, shared with the SDMX REST data
maintenance routes and the portal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.formats import DataFormat
from registry.data_access import (
    check_may_submit,
    check_may_write,
    own_submissions,
    submitting_provider,
)
from registry.deps import (
    BaseUrlDep,
    EngineDep,
    RowId,
    SettingsDep,
    StructureCacheDep,
    bearer_token,
    current_view,
)
from registry.errors import ApiError, problems
from registry.store.changes import Actor
from registry.store.structures import StructureCache
from registry.store.tokens import Token
from registry.submissions.accepting import parse_action, submit
from registry.submissions.converting import write_submission_data
from registry.submissions.multipart import FormError, receive_form
from registry.submissions.receipts import check_file_kept, receipt
from registry.submissions.receiving import Received
from registry.submissions.records import (
    Status,
    Submission,
    file_chunks,
    get_submission,
    list_submissions,
)

router = APIRouter(tags=["submissions"])

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The data file: any format the library reads "
                        "(SDMX-ML 2.1/3.0, SDMX-CSV 1.0/2.0, SDMX-JSON, Excel), gzip or zip.",
                    },
                    "flow": {
                        "type": "string",
                        "description": "Dataflow id; default: the one the message names.",
                    },
                    "action": {
                        "type": "string",
                        "enum": ["Append", "Replace", "Delete"],
                        "description": "Overrides the file's own action.",
                    },
                    "provider": {
                        "type": "string",
                        "description": "Admin tokens only: the provider submitted for.",
                    },
                },
            }
        }
    },
}
#: A rejection: the library's JSON validation report (``Report.to_dict()``), unchanged.
REJECTED: dict[str, Any] = {
    "description": "Rejected: the library's validation report, unchanged; nothing stored.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["valid", "stats", "issues", "truncated"],
                "properties": {
                    "valid": {"type": "boolean"},
                    "stats": {"type": "object"},
                    "issues": {"type": "array", "items": {"type": "object"}},
                    "truncated": {"type": "boolean"},
                },
            }
        }
    },
}
_SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Nothing changed: the file repeats the last accepted one (receipt)."},
    201: {"description": "Accepted and stored (receipt); Location names the submission."},
    **problems(
        e400="Unreadable or empty file, or a bad form.",
        e401="No valid token.",
        e403="The token may not submit this provider's data to this dataflow.",
        e404="The dataflow named is not held by the registry.",
        e413="The file is over MOSY_MAX_UPLOAD_MB.",
        e415="Not a multipart form, or not a data format the library reads.",
    ),
    422: REJECTED,
}
_READ_RESPONSES: dict[int | str, dict[str, Any]] = problems(
    e400="A bad parameter.",
    e401="No valid token.",
    e404="No such submission among those this token may read.",
)


def _authenticate(request: Request, engine) -> Token:
    with engine.connect() as conn:
        return bearer_token(request, conn)


async def authenticate(request: Request, engine) -> Token:
    return await run_in_threadpool(_authenticate, request, engine)


def actor_of(token: Token) -> Actor:
    return Actor(f"token:{token.name}", token.pk)


def upload_folder(settings) -> Path:
    return settings.data_dir / "incoming"


async def submit_received(
    engine,
    cache: StructureCache,
    token: Token,
    received: Received,
    *,
    base: str,
    provider: str,
    flow: str | None,
    action: str | None,
) -> Submission:
    """Validate and store an upload already on disk (shared with the SDMX routes)."""
    try:
        asked = parse_action(action)
    except MosyError as exc:
        raise ApiError(400, "Unknown action", exc.detail) from None
    view = await run_in_threadpool(current_view, engine, cache)
    structures = view.structures
    if flow is not None and flow not in structures.message.dataflow:
        raise ApiError(404, "Unknown dataflow", f"the registry holds no dataflow {flow!r}")

    def may_write(flow_id: str) -> None:
        check_may_write(token, structures, provider, flow_id)

    return await run_in_threadpool(
        lambda: submit(
            engine,
            received,
            structures=structures,
            provider=provider,
            flow=flow,
            action=asked,
            actor=actor_of(token),
            base_url=base,
            check_flow=may_write,
        )
    )


def refusal(submission: Submission, base: str) -> Response:
    """A rejected submission's answer: 400/415 when unreadable, else 422 with the report."""
    report = submission.report
    link = {"Link": f'<{base}/api/submissions/{submission.pk}>; rel="related"'}
    issues = report.get("issues", [])
    first = issues[0] if issues else {}
    if report.get("stats", {}).get("observations", 0) == 0 and first.get("code") in (
        "unreadable-input",
        "unsupported-format",
        "unknown-structure",
        "broken-structure",
        "unusable-dataset",
    ):
        status = 415 if first.get("code") == "unsupported-format" else 400
        detail = first.get("message") or first.get("detail") or "the file cannot be read"
        raise ApiError(
            status,
            "Unreadable file" if status == 400 else "Unsupported format",
            f"{detail}; nothing was stored (submission {submission.pk})",
            code=first.get("code"),
            context={"issues": issues},
            headers=link,
        )
    return JSONResponse(report, status_code=422, headers=link)


def answer(submission: Submission, base: str) -> Response:
    if submission.status is Status.REJECTED:
        return refusal(submission, base)
    body = receipt(submission, base)
    own = body["links"]["self"]
    if submission.status is Status.DUPLICATE:
        return JSONResponse(body, status_code=200, headers={"Content-Location": own})
    return JSONResponse(body, status_code=201, headers={"Location": own})


@router.post(
    "/api/submissions",
    summary="Submit a data file (multipart upload)",
    status_code=201,
    responses=_SUBMIT_RESPONSES,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def create_submission(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
):
    token = await authenticate(request, engine)
    check_may_submit(token)  # a reader is refused before any upload is read
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise ApiError(
            415,
            "Multipart form expected",
            "send the file as multipart/form-data field 'file' (curl -F file=@data.csv); "
            "a raw data message goes to POST /sdmx/3.0/data/dataflow/{agency}/{id}/{version}",
        )
    try:
        form = await receive_form(
            request.stream(),
            request.headers["content-type"],
            limit_bytes=settings.max_upload_mb << 20,
            folder=upload_folder(settings),
        )
    except FormError as exc:
        raise ApiError(400, "Bad form", f"the multipart body cannot be read: {exc}") from None
    if form.upload is None:
        raise ApiError(
            400, "File missing", "send the data file as form field 'file' (-F file=@data.csv)"
        )
    with form.upload as received:
        provider = submitting_provider(token, _text(form.fields.get("provider")))
        submission = await submit_received(
            engine,
            cache,
            token,
            received,
            base=base,
            provider=provider,
            flow=_text(form.fields.get("flow")),
            action=_text(form.fields.get("action")),
        )
    return answer(submission, base)


def _text(value) -> str | None:
    if value is None or isinstance(value, UploadFile):
        return None
    value = str(value).strip()
    return value or None


def _moment(name: str, value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "Bad date", f"{name}={value!r} is not an ISO 8601 date-time (2026-01-31T12:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get(
    "/api/submissions",
    summary="The submission log (newest first; a provider sees its own)",
    responses={**_READ_RESPONSES, **problems(e403="Another provider's submissions.")},
)
async def submissions_list(
    request: Request,
    engine: EngineDep,
    base: BaseUrlDep,
    provider: Annotated[str | None, Query(max_length=200)] = None,
    flow: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[Status | None, Query()] = None,
    since: Annotated[str | None, Query(description="Received at or after (ISO 8601).")] = None,
    until: Annotated[str | None, Query(description="Received before (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    token = await authenticate(request, engine)
    own = own_submissions(token)
    if own is not None and provider and provider != own:
        raise ApiError(403, "Not your submissions", f"token {token.name!r} reads {own}'s only")
    after, before = _moment("since", since), _moment("until", until)

    def read() -> tuple[int, list[Submission]]:
        with engine.connect() as conn:
            return list_submissions(
                conn,
                provider=own or provider,
                flow=flow,
                status=status,
                since=after,
                until=before,
                limit=limit,
                offset=offset,
            )

    total, items = await run_in_threadpool(read)
    out: dict[str, Any] = {
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": [receipt(s, base) for s in items],
        "links": {},
    }
    if offset + len(items) < total:
        params = dict(request.query_params)
        params.update(offset=str(offset + limit), limit=str(limit))
        query = "&".join(f"{k}={v}" for k, v in params.items())
        out["links"]["next"] = f"{base}/api/submissions?{query}"
    return out


async def visible_submission(request: Request, engine, submission_id: int) -> Submission:
    token = await authenticate(request, engine)
    own = own_submissions(token)

    def read() -> Submission | None:
        with engine.connect() as conn:
            return get_submission(conn, submission_id)

    found = await run_in_threadpool(read)
    if found is None or (own is not None and found.provider != own):
        raise ApiError(
            404, "No such submission", f"no submission {submission_id} this token may read"
        )
    return found


@router.get(
    "/api/submissions/{submission_id}",
    summary="One submission: its receipt and validation report",
    responses=_READ_RESPONSES,
)
async def submission_one(
    request: Request, submission_id: RowId, engine: EngineDep, base: BaseUrlDep
) -> dict[str, Any]:
    found = await visible_submission(request, engine, submission_id)
    return {**receipt(found, base), "report": found.report}


@router.get(
    "/api/submissions/{submission_id}/report",
    summary="One submission's validation report (the library's JSON report)",
    responses=_READ_RESPONSES,
)
async def submission_report(request: Request, submission_id: RowId, engine: EngineDep):
    found = await visible_submission(request, engine, submission_id)
    return Response(found.report_json, media_type="application/json")


@router.get(
    "/api/submissions/{submission_id}/file",
    summary="The original upload, byte for byte",
    response_class=Response,
    responses={
        **_READ_RESPONSES,
        200: {"description": "The original bytes.", "content": {"application/octet-stream": {}}},
        **problems(
            e410="A rejected submission's file, removed after MOSY_REJECTED_FILE_DAYS; "
            "its receipt, checksum and report are kept."
        ),
    },
)
async def submission_file(
    request: Request, submission_id: RowId, engine: EngineDep, settings: SettingsDep
):
    found = await visible_submission(request, engine, submission_id)
    check_file_kept(found, settings.rejected_file_days)
    # Always as octet-stream: the type the submitter declared is not trusted to be shown.
    return StreamingResponse(
        file_chunks(engine, found.file_pk),
        media_type="application/octet-stream",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Content-Length": str(found.size),
            "ETag": f'"{found.checksum}"',
            "Digest": f"sha-256={_b64(found.checksum)}",
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )


@router.get(
    "/api/submissions/{submission_id}/data",
    summary="The submission's data, in any format the library writes",
    response_class=Response,
    responses={
        **_READ_RESPONSES,
        200: {
            "description": "The data, in the format asked for.",
            "content": {fmt.media_type: {} for fmt in DataFormat},
        },
        406: {"description": "Unknown format."},
        409: {"description": "A rejected submission stored no data."},
    },
)
async def submission_data(
    request: Request,
    submission_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    format: str = Query(DataFormat.SDMX_CSV_20.value, max_length=100),
):
    found = await visible_submission(request, engine, submission_id)
    try:
        fmt = DataFormat.parse(format)
    except MosyError:
        names = ", ".join(f.value for f in DataFormat)
        raise ApiError(406, "Unknown format", f"format is one of: {names}") from None
    if found.status is Status.REJECTED:
        original = (
            f"its original is at /api/submissions/{found.pk}/file"
            if found.file_removed_at is None
            else f"its original was removed on {found.file_removed_at:%Y-%m-%d}"
        )
        raise ApiError(
            409, "Rejected: no data stored", f"submission {found.pk} was rejected; {original}"
        )
    view = await run_in_threadpool(current_view, engine, cache)
    path = await run_in_threadpool(
        write_submission_data, engine, found, view.structures, fmt, upload_folder(settings)
    )
    name = f"submission-{found.pk}{fmt.suffix}"
    return FileResponse(
        path,
        media_type=fmt.media_type,
        filename=name,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
