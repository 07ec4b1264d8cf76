"""HTTP done right: conditional requests, compression, CORS, negotiation, request ids."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

FLOW = "/sdmx/3.0/structure/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?references=descendants"


def test_etag_and_if_none_match_give_304(client) -> None:
    first = client.get(FLOW)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = client.get(FLOW, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other_format = client.get(
        FLOW, headers={"If-None-Match": etag, "Accept": "application/vnd.sdmx.structure+json"}
    )
    assert other_format.status_code == 200 and other_format.headers["etag"] != etag


def test_last_modified_and_if_modified_since(client) -> None:
    last_modified = client.get(FLOW).headers["last-modified"]
    assert last_modified.endswith("GMT")
    assert client.get(FLOW, headers={"If-Modified-Since": last_modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(FLOW, headers={"If-Modified-Since": old}).status_code == 200
    assert client.get(FLOW, headers={"If-Modified-Since": "yesterday"}).status_code == 200


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [
        ("gzip", gzip.decompress),
        ("br", brotli.decompress),
        ("deflate", zlib.decompress),
    ],
)
def test_compressed_as_asked(client, encoding, decode) -> None:
    plain = client.get(FLOW, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    response = client.get(FLOW, headers={"Accept-Encoding": encoding})
    assert response.headers["content-encoding"] == encoding
    assert "Accept-Encoding" in response.headers["vary"]
    # httpx decodes what it knows; check the bytes on the wire where it does not.
    raw = response.content if response.content.startswith(b"<?xml") else decode(response.content)
    assert raw == plain.content
    assert int(response.headers["content-length"]) < len(plain.content)


def test_brotli_preferred_when_the_client_takes_both(client) -> None:
    response = client.get(FLOW, headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "br"
    weighted = client.get(FLOW, headers={"Accept-Encoding": "gzip;q=1, br;q=0.5"})
    assert weighted.headers["content-encoding"] == "gzip"


def test_json_envelope_routes_are_compressed_by_the_middleware(client) -> None:
    response = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["openapi"]


def test_cors_open_for_get(client) -> None:
    response = client.get(FLOW, headers={"Origin": "https://notebook.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        FLOW,
        headers={
            "Origin": "https://notebook.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_unacceptable_format_is_406_listing_what_is_offered(client) -> None:
    response = client.get(FLOW, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "application/vnd.sdmx.structure+xml;version=3.0.0" in response.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/xml", "application/vnd.sdmx.structure+xml;version=3.0.0"),
        ("*/*", "application/vnd.sdmx.structure+xml;version=3.0.0"),
        ("application/json", "application/vnd.sdmx.structure+json;version=2.0.0"),
        (
            "application/vnd.sdmx.structure+xml;version=2.1;q=0.5, "
            "application/vnd.sdmx.structure+json;q=0.9",
            "application/vnd.sdmx.structure+json;version=2.0.0",
        ),
        (
            "application/vnd.sdmx.structure+xml;version=3.0.0+",
            "application/vnd.sdmx.structure+xml;version=3.0.0",
        ),
    ],
)
def test_accept_header_negotiation(client, accept, expected) -> None:
    assert client.get(FLOW, headers={"Accept": accept}).headers["content-type"] == expected


def test_trailing_slash_is_served_not_redirected(client) -> None:
    response = client.get("/sdmx/3.0/structure/dataflow/MOSY/", follow_redirects=False)
    assert response.status_code == 200


def test_the_request_id_is_in_the_log(client) -> None:
    import logging

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("registry.access")
    logger.addHandler(handler)
    try:
        client.get("/health", headers={"X-Request-ID": "poll-77"})
    finally:
        logger.removeHandler(handler)
    assert any("poll-77" in r.getMessage() and "/health" in r.getMessage() for r in records)


def test_head_gives_the_headers_of_get_without_the_body(client) -> None:
    get = client.get(FLOW, headers={"Accept-Encoding": "gzip"})
    head = client.head(FLOW, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "last-modified", "content-type", "content-length", "content-encoding"):
        assert head.headers[name] == get.headers[name]
    again = client.head(FLOW, headers={"If-None-Match": get.headers["etag"]})
    assert again.status_code == 304
    assert client.head("/sdmx/2.1/dataflow/MOSY/DF_NOPE").status_code == 404


def test_a_database_out_of_reach_is_503_with_retry_after(base_settings) -> None:
    """status.md's 503 for a temporary state: the database went away after start-up."""
    from fastapi.testclient import TestClient
    from schemas import assert_valid_xml
    from sqlalchemy import create_engine

    from registry.app import create_app

    with TestClient(create_app(base_settings), raise_server_exceptions=False) as client:
        engine = client.app.state.engine
        client.app.state.engine = create_engine(
            "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
        )
        try:
            response = client.get("/sdmx/3.0/structure/dataflow")
        finally:
            client.app.state.engine.dispose()
            client.app.state.engine = engine
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert_valid_xml(response.content, "3.0")
    assert "retry in a few seconds" in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)  # SQLite has no server
def test_after_a_lost_database_connection_the_registry_recovers(base_settings) -> None:
    """PostgreSQL restarted (here: a connection of the process killed): a 503 for the
    request that meets it, never a 500, then answers again without a restart."""
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from registry.app import create_app

    with TestClient(create_app(base_settings), raise_server_exceptions=False) as client:
        assert client.get(FLOW).status_code == 200
        with client.app.state.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer = create_engine(base_settings.effective_database_url)
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        killer.dispose()
        statuses = [client.get(FLOW).status_code for _ in range(6)]
    assert statuses.count(503) <= 1 and set(statuses) <= {200, 503}, statuses
    assert statuses[-2:] == [200, 200], statuses
