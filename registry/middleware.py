"""ASGI middleware: request ids, request-size limits (413/414).

Pure ASGI (not ``BaseHTTPMiddleware``) so that streamed responses stay
streamed and no request body is read twice.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import ApiError, render_error

log = logging.getLogger("registry.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Give each request an id (the client's ``X-Request-ID`` if sane), echo it, log it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s %d %.1fms",
                request_id,
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


class HeadMiddleware:
    """Answer ``HEAD`` as ``GET`` without the body (RFC 9110 asks every server to).

    Harvesters check ``ETag`` and ``Last-Modified`` this way; the routes are
    declared for GET only, so HEAD would otherwise be a 405. The headers,
    ``Content-Length`` included, are those the GET would send.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class TrailingSlashMiddleware:
    """Serve ``/sdmx/.../`` as ``/sdmx/...``: clients (pysdmx) add a slash, and a
    redirect would cost every such request a second round trip."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith("/sdmx/") and path.endswith("/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/")
                raw = scope.get("raw_path")
                if raw:
                    scope["raw_path"] = raw.rstrip(b"/")
        await self.app(scope, receive, send)


#: Where data files are uploaded (POST/PUT): bodies there may reach MOSY_MAX_UPLOAD_MB.
UPLOAD_PATHS = ("/api/submissions", "/sdmx/3.0/data", "/partner/upload")


class LimitsMiddleware:
    """Refuse over-long request targets (414) and bodies over the limit (413).

    A declared Content-Length over the limit is refused before reading; a
    chunked body is counted as it arrives and cut off when it passes the limit.
    Data uploads (``UPLOAD_PATHS``) have their own, larger limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_url_length: int,
        max_body_bytes: int,
        max_upload_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_url_length = max_url_length
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if target > self.max_url_length:
            error = ApiError(
                414,
                "URI too long",
                f"the request target has {target} bytes; the limit is {self.max_url_length}. "
                "Ask for fewer items per query, or use wildcards",
            )
            await render_error(Request(scope), error, 414)(scope, receive, send)
            return
        upload = scope["method"] in ("POST", "PUT") and scope["path"].startswith(UPLOAD_PATHS)
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            error = self._too_large(limit, upload)
            await render_error(Request(scope), error, 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise self._too_large(limit, upload)
            return message

        await self.app(scope, counted, send)

    @staticmethod
    def _too_large(limit: int, upload: bool) -> ApiError:
        if upload:
            from registry.submissions.receiving import too_large

            return too_large(limit)
        return ApiError(
            413,
            "Request too large",
            f"the body is over {limit // (1 << 20)} MiB (MOSY_MAX_BODY_MB)",
        )
