"""Hostile uploads are refused with 400/413/415/422 and a clear message; the store is
unchanged and the service keeps answering others."""

from __future__ import annotations

import gzip
import io
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient
from hostile_xml import hostile
from registry_servers import ThreadServer
from submission_data import FLOW

from registry.app import create_app
from registry.settings import load_settings


@pytest.fixture
def api(desk):
    # no publication worker: the store's counts change only by what a test sends
    quiet = desk.settings.model_copy(update={"background_worker": False})
    with TestClient(create_app(quiet)) as client:
        yield client


def _post(api, desk, name: str, content: bytes, flow: str = FLOW):
    return api.post(
        "/api/submissions",
        files={"file": (name, content, "application/octet-stream")},
        data={"flow": flow},
        headers=desk.headers("at"),
    )


def _still_serving(api, desk) -> None:
    assert api.get("/health").status_code == 200
    good = desk.victims_file(seed=11)
    answer = _post(api, desk, good.name, good.read_bytes())
    assert answer.status_code == 201, answer.text[:300]


def _zip_bomb(unpacked_mb: int = 256) -> bytes:
    """A zip whose one member unpacks to ``unpacked_mb`` MiB of zeros (about 1000:1)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("victims.csv", "w", force_zip64=True) as member,
    ):
        member.write(b"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA\n")
        block = b"0" * (1 << 20)
        for _ in range(unpacked_mb):
            member.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "case",
    ["xxe", "parameter-entity", "billion-laughs", "external-dtd", "doctype-after-big-comment"],
)
def test_hostile_xml_is_refused_and_reads_no_file(api, desk, case, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = desk.victims_file(fmt="sdmx-ml-3.0").read_bytes()
    answer = _post(api, desk, "attack.xml", hostile(xml, case, secret))
    assert answer.status_code in (400, 422), answer.text[:300]
    assert "TOP-SECRET-CONTENT" not in answer.text
    assert answer.json()["detail"] if answer.status_code == 400 else answer.json()["issues"]
    assert desk.count("observations") == 0
    _still_serving(api, desk)


def test_zip_and_gzip_bombs_are_refused(api, desk) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 2 << 20
    answer = _post(api, desk, "victims.zip", bomb)
    assert answer.status_code == 400, answer.text[:300]
    assert "ratio" in answer.json()["detail"].lower() or "unpack" in answer.json()["detail"]
    gz = gzip.compress(b"\x00" * (64 << 20), compresslevel=9)
    answer = _post(api, desk, "victims.csv.gz", gz)
    assert answer.status_code in (400, 415), answer.text[:300]
    assert desk.count("observations") == 0
    _still_serving(api, desk)


def test_ten_thousand_columns_are_refused(api, desk) -> None:
    header = ["STRUCTURE", "STRUCTURE_ID", "ACTION"] + [f"C{i}" for i in range(10_000)]
    row = ["dataflow", f"MOSY:{FLOW}(1.0.0)", "I"] + ["1"] * 10_000
    content = (",".join(header) + "\n" + ",".join(row) + "\n").encode()
    answer = _post(api, desk, "wide.csv", content)
    assert answer.status_code in (400, 422), answer.text[:300]
    text = answer.text
    assert "C9999" in text or "column" in text.lower()
    assert len(text) < 200_000  # the refusal names the problem, it does not echo 10,000 columns
    assert desk.count("observations") == 0
    _still_serving(api, desk)


def test_a_file_for_another_flow_is_refused(api, desk) -> None:
    victims = desk.victims_file()
    answer = _post(api, desk, victims.name, victims.read_bytes(), flow="DF_THB_OFFENDERS")
    assert answer.status_code in (400, 403, 422), answer.text[:300]
    assert desk.count("observations") == 0
    _still_serving(api, desk)


def test_a_multi_gigabyte_stream_is_cut_at_the_limit(desk, tmp_path) -> None:
    """4 GiB announced as chunked (no length): the registry stops reading at 2 MiB."""
    settings = load_settings(
        {},
        data_dir=desk.settings.data_dir,
        database_url=desk.settings.database_url,
        max_upload_mb=2,
    )
    sent = 0

    def endless():
        nonlocal sent
        head = b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        yield head
        block = b"x" * (1 << 20)
        for _ in range(4096):  # 4 GiB if nobody stops it
            sent += len(block)
            yield block

    with ThreadServer(settings) as server:
        headers = {
            **desk.headers("at"),
            "Content-Type": "multipart/form-data; boundary=B",
        }
        try:
            answer = httpx.post(
                server.url + "/api/submissions", content=endless(), headers=headers, timeout=60
            )
            assert answer.status_code == 413, answer.text[:300]
            assert "MOSY_MAX_UPLOAD_MB" in answer.json()["detail"]
        except httpx.TransportError:
            pass  # the server answered 413 and closed while the client was still sending
        # what the client got into socket buffers before the close, not what the server kept
        assert sent < 256 << 20, f"the client sent {sent >> 20} MiB"
        assert httpx.get(server.url + "/health").status_code == 200
        # declared too large: refused before a byte is read
        declared = httpx.post(
            server.url + "/api/submissions",
            content=b"x" * (3 << 20),
            headers={**headers, "Content-Length": str(3 << 20)},
        )
        assert declared.status_code == 413
    assert desk.count("observations") == 0
    assert desk.count("submissions") == 0
    incoming = desk.settings.data_dir / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())
