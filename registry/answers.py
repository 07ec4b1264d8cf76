"""Structure answers: negotiated, cached per revision, compressed once.

The same query at the same store revision gives the same bytes, so each
process keeps rendered answers (and their gzip/brotli forms) in a bounded
LRU that belongs to the revision's ``StructureView`` and goes with it. A
repeated query costs one revision read and a dictionary look-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from registry.compression import choose_encoding, compress_bytes
from registry.conditional import make_etag, not_modified, not_modified_response, validators
from registry.negotiation import Offer
from registry.store.structures import StructureView

CACHE_ENTRIES = 512


class RenderCache:
    """A bounded, thread-safe LRU of rendered bodies."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self._size = size
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: tuple) -> bytes | None:
        """The cached body, or None (never renders: safe on the event loop)."""
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def get(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                return body
        body = make()  # outside the lock: other queries need not wait
        with self._lock:
            self._entries[key] = body
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return body


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str


def cache_of(view: StructureView) -> RenderCache:
    cache = view.rendered.get("answers")
    if cache is None:
        cache = view.rendered.setdefault("answers", RenderCache())
    return cache


async def structure_response(
    request: Request,
    view: StructureView,
    key: str,
    offer: Offer,
    render: Callable[[], bytes],
    *,
    min_compress: int,
    filename: str | None = None,
) -> Response:
    """A 200 (or 304) for the answer ``key`` in ``offer``, from cache when possible.

    Validators come from the revision, so a 304 needs no rendering; a cached
    body is served from the event loop; only a first rendering (and its
    compression) goes to the thread pool.
    """
    etag = make_etag(view.revision, key, offer.name)
    if not_modified(request, view.revision, etag):
        return not_modified_response(view.revision, etag)
    cache = cache_of(view)
    encoding = choose_encoding(request.headers.get("accept-encoding", ""))
    headers = validators(view.revision, etag)
    headers["Vary"] = "Accept, Accept-Encoding"
    headers["Cache-Control"] = "no-cache"
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    compressed_key = (key, offer.name, encoding)
    body = cache.peek(compressed_key) if encoding else None
    if body is None:
        body = cache.peek((key, offer.name, None))
        if body is None:
            body = await run_in_threadpool(cache.get, (key, offer.name, None), render)
        if encoding and len(body) >= min_compress:
            plain = body
            body = await run_in_threadpool(
                cache.get, compressed_key, lambda: compress_bytes(plain, encoding)
            )
        else:
            encoding = None
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=offer.media_type, headers=headers)
