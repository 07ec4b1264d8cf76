"""Every error has one shape: the JSON envelope, or an SDMX error message on SDMX routes.

Like datasette's tests/test_error_shape.py, this pins the contract for every
way a request can fail, so that a new route cannot invent its own.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from schemas import assert_valid_xml

from mosy_sdmx.exceptions import (
    InvalidQueryError,
    ParseError,
    StructureNotFoundError,
    UnsupportedFormatError,
)
from registry.app import create_app
from registry.errors import ApiError

ENVELOPE_KEYS = {"status", "code", "title", "detail"}
RAISED = {
    "not-found": (StructureNotFoundError("Unknown dataflow", "no dataflow X"), 404),
    "query": (InvalidQueryError("Invalid query", "bad version 1..0"), 400),
    "parse": (ParseError("Malformed XML", "line 3"), 400),
    "format": (UnsupportedFormatError("Unknown format", "x"), 415),
    "api": (ApiError(503, "Unavailable", "maintenance"), 503),
    "crash": (RuntimeError("secret internals /etc/passwd"), 500),
}


def _raiser(error: Exception):
    def fail() -> None:
        raise error

    return fail


@pytest.fixture(scope="module")
def failing_client(base_settings):
    app = create_app(base_settings)
    for prefix in ("/api", "/sdmx/2.1", "/sdmx/3.0"):
        for name, (error, _) in RAISED.items():
            app.add_api_route(f"{prefix}/fail/{name}", _raiser(error))
            # Ahead of the fallback for unknown /sdmx/2.1/{resource}/... names.
            app.router.routes.insert(0, app.router.routes.pop())
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("name", sorted(RAISED))
def test_json_envelope_outside_sdmx_routes(failing_client, name) -> None:
    response = failing_client.get(f"/api/fail/{name}")
    expected_status = RAISED[name][1]
    assert response.status_code == expected_status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS
    assert body["status"] == expected_status
    assert body["code"] and body["code"] == body["code"].lower() and " " not in body["code"]
    assert "Traceback" not in response.text and "/etc/passwd" not in response.text
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("name", sorted(RAISED))
@pytest.mark.parametrize(("prefix", "version"), [("/sdmx/2.1", "2.1"), ("/sdmx/3.0", "3.0")])
def test_sdmx_error_message_on_sdmx_routes(failing_client, name, prefix, version) -> None:
    response = failing_client.get(f"{prefix}/fail/{name}")
    status = RAISED[name][1]
    assert response.status_code == status
    assert_valid_xml(response.content, version)
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "Error"
    message = root[0]
    assert message.get("code") == str(status)
    assert "/etc/passwd" not in response.text


@pytest.mark.parametrize("name", sorted(RAISED))
def test_sdmx_json_error_when_json_is_asked(failing_client, name) -> None:
    response = failing_client.get(
        f"/sdmx/3.0/fail/{name}", headers={"Accept": "application/vnd.sdmx.structure+json"}
    )
    body = json.loads(response.content)
    assert body["errors"][0]["code"] == RAISED[name][1]
    assert body["meta"]["schema"].endswith(".json")


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/no/such/route", {}, 404),
        ("DELETE", "/health", {}, 405),
        ("GET", "/health?x=" + "a" * 5000, {}, 414),
        ("POST", "/health", {"content-length": str(1 << 40)}, 413),
    ],
)
def test_framework_errors_use_the_envelope(client, method, path, headers, status) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS and body["status"] == status


def test_framework_errors_on_sdmx_routes_are_sdmx_messages(client) -> None:
    response = client.get("/sdmx/2.1/" + "x" * 5000)
    assert response.status_code == 414
    assert_valid_xml(response.content, "2.1")


def test_the_request_id_is_echoed(client) -> None:
    response = client.get("/health", headers={"X-Request-ID": "harvest-42"})
    assert response.headers["x-request-id"] == "harvest-42"
    hostile = client.get("/health", headers={"X-Request-ID": "<script>"})
    assert hostile.headers["x-request-id"] != "<script>"
