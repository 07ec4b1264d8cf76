"""Conditional requests: ``ETag``/``If-None-Match`` and ``Last-Modified``/``If-Modified-Since``.

Answers derive their validators from a store revision (a number and a time
per scope), never from the body, so a ``304`` costs one indexed read and no
serialisation. ETags are weak (``W/"..."``): the same representation may be
sent compressed or not. Used by the structure routes now, the data routes next.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from registry.store.revisions import Revision


def make_etag(revision: Revision, *parts: str) -> str:
    """A weak ETag for ``parts`` (query, format...) at ``revision``."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()
    return f'W/"{revision.scope[:1]}{revision.number}-{digest}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def validators(revision: Revision, etag: str) -> dict[str, str]:
    return {"ETag": etag, "Last-Modified": http_date(revision.updated_at)}


def not_modified(request: Request, revision: Revision, etag: str) -> bool:
    """True when the client's copy is current (RFC 9110 §13.2.2: If-None-Match wins)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return revision.updated_at <= since
    return False


def not_modified_response(revision: Revision, etag: str) -> Response:
    return Response(status_code=304, headers=validators(revision, etag))
