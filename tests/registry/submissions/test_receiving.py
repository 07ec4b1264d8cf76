"""Uploads to disk: counted, hashed, limited; nothing left behind when refused."""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile

import pytest
from starlette.datastructures import UploadFile

from registry.errors import ApiError
from registry.submissions.receiving import CHUNK, receive, receive_upload


def _run(coroutine):
    """Run ``coroutine`` on a loop of its own thread: a browser test earlier in the
    session may leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _upload(content: bytes) -> UploadFile:
    spooled = SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 (the UploadFile owns it)
    spooled.write(content)
    spooled.seek(len(content) // 2)  # wherever the form parser left it
    return UploadFile(file=spooled, filename="../data.csv")


def _receive_upload(content: bytes, folder, limit: int = 1 << 30):
    return _run(
        receive_upload(
            _upload(content),
            limit_bytes=limit,
            folder=folder,
            filename="../data.csv",
            media_type="text/csv; charset=utf-8",
        )
    )


def test_an_upload_is_copied_whole_with_its_checksum(tmp_path) -> None:
    content = os.urandom(3 * CHUNK + 17)
    received = _receive_upload(content, tmp_path)
    assert received.path.read_bytes() == content
    assert received.size == len(content)
    assert received.checksum == hashlib.sha256(content).hexdigest()
    assert (received.filename, received.media_type) == ("data.csv", "text/csv")


def test_an_empty_or_too_large_upload_leaves_nothing(tmp_path) -> None:
    with pytest.raises(ApiError) as empty:
        _receive_upload(b"", tmp_path)
    assert empty.value.status == 400
    with pytest.raises(ApiError) as large:
        _receive_upload(os.urandom(2 * CHUNK), tmp_path, limit=CHUNK + 1)
    assert large.value.status == 413
    assert list(tmp_path.iterdir()) == []


def test_a_stream_is_received_alike(tmp_path) -> None:
    content = os.urandom(2 * CHUNK + 5)

    async def chunks():
        for start in range(0, len(content), 65536):
            yield content[start : start + 65536]

    received = _run(
        receive(chunks(), limit_bytes=1 << 30, folder=tmp_path, filename=None, media_type=None)
    )
    assert received.path.read_bytes() == content
    assert received.checksum == hashlib.sha256(content).hexdigest()
    assert received.filename == "upload"
