"""Receive an upload: streamed to a temporary file, counted, hashed, never held in memory.

The body is written as it arrives; passing ``MOSY_MAX_UPLOAD_MB`` stops the
copy at once (413) and removes what was written, so a multi-gigabyte stream
costs the registry no more than the limit in disk and nothing in memory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from registry.errors import ApiError

#: Bytes read from the client per step.
CHUNK = 1 << 20


@dataclass
class Received:
    """An upload on disk: where, how big, its SHA-256, and what the client called it."""

    path: Path
    size: int
    checksum: str
    filename: str
    media_type: str | None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Received:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def too_large(limit_bytes: int) -> ApiError:
    return ApiError(
        413,
        "Upload too large",
        f"the file is over {limit_bytes // (1 << 20)} MiB, the registry's limit "
        "(MOSY_MAX_UPLOAD_MB); split it into several submissions, or compress it (gzip, zip)",
        # the rest of the body is not read: the connection is closed after the answer
        headers={"Connection": "close"},
    )


def safe_filename(name: str | None, default: str = "upload") -> str:
    """The client's file name without any folder part or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return base[:200] or default


async def receive(
    chunks: AsyncIterator[bytes],
    *,
    limit_bytes: int,
    folder: Path,
    filename: str | None,
    media_type: str | None,
) -> Received:
    """Copy ``chunks`` to a new file in ``folder``; ApiError 413 past the limit, 400 if empty."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > limit_bytes:
                    raise too_large(limit_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise ApiError(
            400, "Empty upload", "the file is empty: send an SDMX data message (any format)"
        )
    media = (media_type or "").split(";")[0].strip().lower() or None
    return Received(path, size, digest.hexdigest(), safe_filename(filename), media)


async def upload_chunks(upload) -> AsyncIterator[bytes]:
    """The chunks of a Starlette ``UploadFile``."""
    while chunk := await upload.read(CHUNK):
        yield chunk
