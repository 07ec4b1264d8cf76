"""One error envelope for every failure, and the one table of HTTP statuses.

Every error the registry answers with is a ``MosyError``: the library's own
(``ParseError``, ``StructureNotFoundError``, ``InvalidQueryError``...) or an
``ApiError`` raised by the web layer (401, 403, 406, 413, 414, 501...).
``install_error_handlers`` turns each into:

- on SDMX routes (``/sdmx/...``): an SDMX error message in the negotiated
  format: SDMX-ML 2.1 ``<mes:Error>`` under ``/sdmx/2.1``, SDMX-ML 3.0 under
  ``/sdmx/3.0``, or SDMX-JSON ``errors`` when JSON was asked for;
- elsewhere: the JSON envelope ``{"status", "code", "title", "detail"}``
  (``issues`` added when a validation report explains the refusal).

FastAPI's own errors (unknown route, wrong method, request validation) and
anything unexpected go through the same path; an unexpected exception is
logged with its traceback and answered 500 without one.
``tests/registry/test_error_shape.py`` pins the shapes.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import (
    InvalidQueryError,
    MissingReferenceError,
    MosyError,
    ParseError,
    StructureError,
    StructureNotFoundError,
    UnsupportedFormatError,
    UnsupportedStructureError,
)

log = logging.getLogger("registry")

JSON_ERROR = "application/json"
#: A kebab-case code per HTTP status, for errors raised without a more precise one.
_STATUS_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    413: "request-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "unprocessable",
    500: "internal-error",
    501: "not-implemented",
    503: "unavailable",
}


class ApiError(MosyError):
    """An error the web layer raises itself, with its HTTP status.

    ``headers`` are added to the answer (``WWW-Authenticate`` on 401).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        code: str | None = None,
        context: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title, detail, context=context)
        self.status = status
        self.code = code or _STATUS_CODES.get(status, "error")
        self.headers = headers or {}


#: Library errors -> HTTP status: the one place a MosyError class meets HTTP.
STATUS_OF: list[tuple[type[MosyError], int]] = [
    (StructureNotFoundError, 404),
    (InvalidQueryError, 400),
    (UnsupportedFormatError, 415),
    (ParseError, 400),
    (MissingReferenceError, 409),
    (UnsupportedStructureError, 501),
    (StructureError, 400),
]


def status_of(error: MosyError) -> int:
    if isinstance(error, ApiError):
        return error.status
    for cls, status in STATUS_OF:
        if isinstance(error, cls):
            return status
    return 400


def envelope(error: MosyError, status: int) -> dict[str, Any]:
    """The JSON envelope: status, code, title, detail (and issues, location, context)."""
    body: dict[str, Any] = {
        "status": status,
        "code": error.code,
        "title": error.title,
        "detail": error.detail,
    }
    issues = error.context.get("issues") if error.context else None
    if issues:
        body["issues"] = issues
    if error.location is not None and error.location.to_dict():
        body["location"] = error.location.to_dict()
    return body


def _message_text(error: MosyError) -> str:
    text = error.title
    if error.detail:
        text += f": {error.detail}"
    if error.location is not None and str(error.location):
        text += f" ({error.location})"
    return text


def sdmx_ml_error(error: MosyError, status: int, version: str) -> bytes:
    """An SDMX-ML ``Error`` message (``version`` "2.1" or "3.0")."""
    message, common = (
        (ns.MESSAGE_21, ns.COMMON_21) if version == "2.1" else (ns.MESSAGE_30, ns.COMMON_30)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<mes:Error xmlns:mes="{message}" xmlns:com="{common}">'
        f'<mes:ErrorMessage code="{status}">'
        f'<com:Text xml:lang="en">{escape(_message_text(error))}</com:Text>'
        f'<com:Text xml:lang="en">code: {escape(error.code)}</com:Text>'
        "</mes:ErrorMessage></mes:Error>"
    ).encode()


def sdmx_json_error(error: MosyError, status: int, schema: str) -> bytes:
    """An SDMX-JSON message holding only ``errors`` (2.0: ``meta`` too)."""
    item = {"code": status, "title": error.title, "detail": _message_text(error)}
    meta = {
        "schema": schema,
        "id": f"ERROR-{status}",
        "test": False,
        "prepared": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "sender": {"id": "MOSY"},
    }
    return json.dumps({"meta": meta, "errors": [item]}).encode()


def render_error(request: Request, error: MosyError, status: int) -> Response:
    """The error as the client asked for it: SDMX message on SDMX routes, JSON elsewhere."""
    from registry.negotiation import error_format

    kind, media_type, extra = error_format(request)
    if kind == "html":
        from registry.portal.rendering import error_page

        answer = error_page(request, status, error.title, error.detail)
        answer.headers.update(getattr(error, "headers", {}) or {})
        return answer
    if kind == "sdmx-ml":
        body = sdmx_ml_error(error, status, extra)
    elif kind == "sdmx-json":
        body = sdmx_json_error(error, status, extra)
    else:
        body = json.dumps(envelope(error, status)).encode()
    headers = dict(getattr(error, "headers", {}) or {})
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        headers["X-Request-ID"] = request_id
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through ``render_error``."""

    @app.exception_handler(MosyError)
    async def _mosy(request: Request, exc: MosyError) -> Response:
        status = status_of(exc)
        if status >= 500 and status != 501:  # 501 is a known limit, not a failure
            log.error("request %s failed: %s", _rid(request), exc)
        return render_error(request, exc, status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}; see /docs for the API"
        error = ApiError(exc.status_code, title, detail, headers=dict(exc.headers or {}))
        return render_error(request, error, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        error = ApiError(400, "Invalid request", problems)
        return render_error(request, error, 400)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        """The database cannot be reached (down, restarting, every connection busy):
        503 with Retry-After, as status.md has it for a temporary state."""
        log.error("request %s: database unavailable: %s", _rid(request), exc)
        error = ApiError(
            503,
            "Service unavailable",
            "the registry's database cannot be reached just now; retry in a few seconds "
            f"(request id {_rid(request)})",
            headers={"Retry-After": "5"},
        )
        return render_error(request, error, 503)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("request %s failed unexpectedly", _rid(request))
        error = ApiError(
            500,
            "Internal error",
            f"the registry failed to answer; quote request id {_rid(request)} when reporting it",
        )
        return render_error(request, error, 500)


def _rid(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


#: The JSON error envelope as an OpenAPI schema (``envelope``'s shape).
PROBLEM_SCHEMA: dict = {
    "type": "object",
    "required": ["status", "code", "title", "detail"],
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
    },
}


def problems(**described: str) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for error statuses answered with the JSON envelope:
    ``problems(e401="No valid token.")`` (the status after ``e``)."""
    return {
        int(name[1:]): {
            "description": text,
            "content": {"application/json": {"schema": PROBLEM_SCHEMA}},
        }
        for name, text in described.items()
    }
