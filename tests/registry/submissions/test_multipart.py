"""A multipart submission parsed as it arrives: the file written and hashed in one pass,
the fields kept, Starlette's limits kept, nothing left on disk when it is refused."""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from registry.errors import ApiError
from registry.submissions.multipart import MAX_FIELD_BYTES, FormError, receive_form


def _run(coroutine):
    """Run ``coroutine`` on a loop of its own thread: a browser test earlier in the
    session may leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _body(files=None, data=None) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://registry/", files=files, data=data)
    return request.read(), request.headers["content-type"]


def _parse(body: bytes, content_type: str, folder, *, step: int = 65536, limit: int = 1 << 30):
    async def chunks():
        for start in range(0, len(body), step):
            yield body[start : start + step]

    return _run(receive_form(chunks(), content_type, limit_bytes=limit, folder=folder))


@pytest.mark.parametrize("step", [7, 65536, 1 << 22])
def test_the_file_and_the_fields_arrive_whole(tmp_path, step) -> None:
    content = os.urandom(300_000) + b"\r\n--boundary-like\r\n" + os.urandom(1000)
    body, kind = _body(
        files={"file": ("../victims.csv", content, "text/csv")},
        data={"flow": "DF_THB_VICTIMS", "action": "Append", "provider": "PT_NREM"},
    )
    form = _parse(body, kind, tmp_path, step=step)
    assert form.fields == {"flow": "DF_THB_VICTIMS", "action": "Append", "provider": "PT_NREM"}
    upload = form.upload
    assert upload is not None
    assert upload.path.read_bytes() == content
    assert upload.size == len(content)
    assert upload.checksum == hashlib.sha256(content).hexdigest()
    assert (upload.filename, upload.media_type) == ("victims.csv", "text/csv")


def test_a_form_without_a_file_part_has_no_upload(tmp_path) -> None:
    body, kind = _body(files={"data": ("x.csv", b"a,b\n1,2\n")}, data={"flow": "F"})
    form = _parse(body, kind, tmp_path)
    assert form.upload is None and form.fields == {"flow": "F"}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("files", "data", "words"),
    [
        ({"file": ("a.csv", b"1"), "other": ("b.csv", b"2")}, None, "too many files"),
        ({"file": ("a.csv", b"1")}, {f"f{i}": "x" for i in range(11)}, "too many fields"),
        ({"file": ("a.csv", b"1")}, {"flow": "x" * (MAX_FIELD_BYTES + 1)}, "KiB"),
    ],
)
def test_starlettes_limits_hold_and_nothing_is_left(tmp_path, files, data, words) -> None:
    body, kind = _body(files=files, data=data)
    with pytest.raises(FormError, match=words):
        _parse(body, kind, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_malformed_bodies_are_form_errors(tmp_path) -> None:
    body, kind = _body(files={"file": ("a.csv", b"1,2,3\n" * 1000)})
    with pytest.raises(FormError, match="boundary"):
        _parse(body, "multipart/form-data", tmp_path)
    with pytest.raises(FormError, match="malformed"):
        _parse(b"--" + kind.split("boundary=")[1].encode() + b"\r\ngarbage\x00\r\n\r\n", kind,
               tmp_path)  # fmt: skip
    # a body cut off inside the file: no upload, no file on disk
    form = _parse(body[: len(body) // 2], kind, tmp_path)
    assert form.upload is None
    assert list(tmp_path.iterdir()) == []


def test_an_upload_over_the_limit_is_refused_at_once(tmp_path) -> None:
    body, kind = _body(files={"file": ("a.csv", os.urandom(200_000))})
    with pytest.raises(ApiError) as refused:
        _parse(body, kind, tmp_path, limit=100_000)
    assert refused.value.status == 413
    assert list(tmp_path.iterdir()) == []
    empty, kind = _body(files={"file": ("a.csv", b"")})
    with pytest.raises(ApiError) as nothing:
        _parse(empty, kind, tmp_path)
    assert nothing.value.status == 400
    assert list(tmp_path.iterdir()) == []
