"""Response compression: brotli, gzip or deflate, as ``Accept-Encoding`` prefers.

Starlette's GZipMiddleware knows gzip only; harvesters and browsers also ask
for ``br``. This middleware compresses whole and streamed bodies alike (one
compressor object per response, flushed per chunk so a stream stays a
stream), leaves alone responses that already carry a ``Content-Encoding``
(routes may send pre-compressed cached bodies) and small or already
compressed content, and adds ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMPRESSIBLE = (
    "text/",
    "application/xml",
    "application/json",
    "application/vnd.sdmx",
    "+xml",
    "+json",
    "+csv",
    "application/javascript",
)


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


#: Levels for bodies compressed as they stream (not kept): fast ones. Brotli 1 and
#: gzip 1 compress SDMX-CSV and -ML several hundred MB/s with ratios near 15; the
#: default levels (brotli 5, gzip 6) manage about 100 MB/s, slower than the answer
#: is written. Bodies compressed once and kept (``compress_bytes``) use those.
STREAM_BROTLI_QUALITY = 1
STREAM_ZLIB_LEVEL = 1


class _Brotli:
    def __init__(self) -> None:
        self._c = brotli.Compressor(quality=STREAM_BROTLI_QUALITY)

    def compress(self, data: bytes) -> bytes:
        return self._c.process(data) + self._c.flush()

    def flush(self) -> bytes:
        return self._c.finish()


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._c = zlib.compressobj(STREAM_ZLIB_LEVEL, zlib.DEFLATED, wbits)

    def compress(self, data: bytes) -> bytes:
        return self._c.compress(data) + self._c.flush(zlib.Z_SYNC_FLUSH)

    def flush(self) -> bytes:
        return self._c.flush(zlib.Z_FINISH)


def choose_encoding(accept_encoding: str) -> str | None:
    """'br', 'gzip' or 'deflate' by the client's q-values (ties: that order); None for none."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name:
            weights[name.lower()] = q
    star = weights.get("*", 0.0)
    best, best_q = None, 0.0
    for name in ("br", "gzip", "deflate"):
        q = weights.get(name, star)
        if q > best_q:
            best, best_q = name, q
    return best


def compress_bytes(body: bytes, encoding: str) -> bytes:
    """A whole body compressed as ``encoding`` (for bodies cached compressed)."""
    if encoding == "br":
        return brotli.compress(body, quality=5)
    wbits = 31 if encoding == "gzip" else 15
    c = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return c.compress(body) + c.flush()


def _compressor(encoding: str) -> _Compressor:
    if encoding == "br":
        return _Brotli()
    return _Zlib(31 if encoding == "gzip" else 15)


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(Headers(scope=scope).get("accept-encoding", ""))
        if encoding is None:
            await self.app(scope, receive, send)
            return
        await _Responder(self.app, encoding, self.minimum_size)(scope, receive, send)


class _Responder:
    def __init__(self, app: ASGIApp, encoding: str, minimum_size: int) -> None:
        self.app = app
        self.encoding = encoding
        self.minimum_size = minimum_size
        self.start: Message | None = None
        self.compressor: _Compressor | None = None
        self.passthrough = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.send = send
        await self.app(scope, receive, self._send)

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            headers = Headers(raw=message["headers"])
            kind = headers.get("content-type", "")
            self.passthrough = (
                "content-encoding" in headers
                or not any(marker in kind for marker in _COMPRESSIBLE)
                or message["status"] in (204, 304)
            )
            if self.passthrough:
                await self.send(message)
            return
        if message["type"] != "http.response.body" or self.passthrough:
            await self.send(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.compressor is None:
            assert self.start is not None
            headers = MutableHeaders(raw=self.start["headers"])
            if not more and len(body) < self.minimum_size:
                headers.add_vary_header("Accept-Encoding")
                await self.send(self.start)
                await self.send(message)
                self.passthrough = True
                return
            self.compressor = _compressor(self.encoding)
            headers["Content-Encoding"] = self.encoding
            headers.add_vary_header("Accept-Encoding")
            if "content-length" in headers:
                del headers["Content-Length"]
            if not more:
                data = compress_bytes(body, self.encoding)
                headers["Content-Length"] = str(len(data))
                await self.send(self.start)
                await self.send({"type": "http.response.body", "body": data})
                return
            await self.send(self.start)
        data = self.compressor.compress(body)
        if not more:
            data += self.compressor.flush()
        await self.send({"type": "http.response.body", "body": data, "more_body": more})
