"""Who may submit and read what: every role × provider × dataflow × endpoint.

The expected answer of each cell comes from the rules (README, Security), not
from a recorded run: no token or a bad one 401; a reader never writes (403);
a submitter writes its own provider's data to the dataflows of its provision
agreements (another provider's figures are refused by validation, 422); an
admin names the provider; nobody writes a public dataflow (publication
computes them); a provider reads its own submissions only (another's: 404).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from itertools import product

import pytest
from fastapi.testclient import TestClient
from submission_data import FLOW

from registry.app import create_app
from registry.store.tokens import Role, create_token, revoke_token

PUBLIC_FLOW = "DF_THB_VICTIMS_PUB"
FLOWS = (FLOW, PUBLIC_FLOW)
ROLES = ("anonymous", "unknown", "revoked", "expired", "admin", "admin-no-provider",
         "at", "at-reader", "bg")  # fmt: skip
WRITES = ("api-post", "sdmx-post", "sdmx-put", "sdmx-delete")
READS = ("list", "one", "file", "data", "report")


def expected(role: str, endpoint: str, flow: str) -> set[int]:
    if role in ("anonymous", "unknown", "revoked", "expired"):
        return {401}
    if endpoint in READS:
        if endpoint == "list":
            return {200}
        return {404} if role == "bg" else {200}
    if role == "at-reader":
        return {403}
    if role == "admin-no-provider":
        return {400}
    if flow == PUBLIC_FLOW:
        return {403} if endpoint in ("api-post", "sdmx-delete") else {403, 404}
    if role == "bg":
        return {422}  # AT_MOI's figures, or a key on AT: outside BG_NREM's REF_AREA
    if endpoint == "sdmx-delete":
        return {200, 404}  # deleted, or nothing of this provider matched
    return {200, 201}  # stored, or nothing changed


@pytest.fixture
def matrix(desk):
    with desk.engine.begin() as conn:
        revoked, desk.secrets["revoked"] = create_token(
            conn, name="revoked", role=Role.SUBMITTER, provider="AT_MOI"
        )
        revoke_token(conn, pk=revoked.pk)
        _, desk.secrets["expired"] = create_token(
            conn, name="expired", role=Role.SUBMITTER, provider="AT_MOI",
            expires_in=timedelta(seconds=-1),
        )  # fmt: skip
    desk.secrets["unknown"] = "mosy_" + "x" * 43
    desk.secrets["admin-no-provider"] = desk.secrets["admin"]
    with TestClient(create_app(desk.settings)) as client:
        first = client.post(
            "/api/submissions",
            files={"file": ("v.csv", desk.victims_file().read_bytes(), "text/csv")},
            data={"flow": FLOW},
            headers=desk.headers("at"),
        )
        assert first.status_code == 201, first.text[:300]
        yield client, first.json()["id"]


def _call(client, desk, role: str, endpoint: str, flow: str, submission: int, body: bytes):
    headers = {} if role == "anonymous" else desk.headers(role)
    provider = {"provider": "AT_MOI"} if role == "admin" else {}
    sdmx = f"/sdmx/3.0/data/dataflow/MOSY/{flow}/*"
    if endpoint == "api-post":
        return client.post(
            "/api/submissions",
            files={"file": ("v.csv", body, "text/csv")},
            data={"flow": flow, **provider},
            headers=headers,
        )
    if endpoint == "sdmx-post":
        return client.post(sdmx, content=body, params=provider, headers=headers)
    if endpoint == "sdmx-put":
        return client.put(sdmx, content=body, params=provider, headers=headers)
    if endpoint == "sdmx-delete":
        dims = len(desk.structures.layout(flow).dimensions)
        key = ".".join(["A", "AT", "*", "*", "M"] + ["*"] * (dims - 5))
        return client.delete(f"{sdmx}/{key}", params=provider, headers=headers)
    own = f"/api/submissions/{submission}"
    path = {"list": "/api/submissions", "one": own, "file": f"{own}/file",
            "data": f"{own}/data", "report": f"{own}/report"}[endpoint]  # fmt: skip
    return client.get(path, headers=headers)


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logged():
    """Every log line of the registry, uvicorn and the root logger, at DEBUG."""
    kept = _Kept()
    loggers = [logging.getLogger(name) for name in ("registry", "registry.access", "", "uvicorn")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(kept)
        lg.setLevel(logging.DEBUG)
    yield kept.lines
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(kept)
        lg.setLevel(level)


def test_every_role_provider_dataflow_and_endpoint(matrix, desk, logged) -> None:
    client, submission = matrix
    body = desk.victims_file().read_bytes()
    wrong = []
    cells = 0
    for role, endpoint, flow in product(ROLES, (*WRITES, *READS), FLOWS):
        if endpoint in READS and flow == PUBLIC_FLOW:
            continue
        cells += 1
        answer = _call(client, desk, role, endpoint, flow, submission, body)
        allowed = expected(role, endpoint, flow)
        if answer.status_code not in allowed:
            wrong.append(f"{role} {endpoint} {flow}: {answer.status_code} {answer.text[:160]}")
        if answer.status_code in (401, 403):
            assert _reason(answer), f"{role} {endpoint}: a refusal says why"
        if answer.status_code == 401:
            assert answer.headers["www-authenticate"].startswith("Bearer")
        for secret in desk.secrets.values():
            assert secret not in answer.text
    assert not wrong, "\n".join(wrong)
    assert cells == len(ROLES) * (len(WRITES) * 2 + len(READS))
    # a provider lists only its own submissions
    listed = client.get("/api/submissions", headers=desk.headers("bg")).json()
    assert {item["provider"] for item in listed["items"]} <= {"BG_NREM"}
    everything = client.get("/api/submissions", headers=desk.headers("admin")).json()
    assert {item["provider"] for item in everything["items"]} >= {"AT_MOI", "BG_NREM"}
    # tokens never reach a log line
    assert any("/api/submissions" in line for line in logged)
    for secret in desk.secrets.values():
        assert not [line for line in logged if secret in line]


def _reason(answer) -> str:
    """The explanation of a refusal: JSON ``detail``, or the SDMX error message's text."""
    if answer.headers["content-type"].startswith("application/json"):
        return answer.json()["detail"]
    from lxml import etree

    texts = etree.fromstring(answer.content).findall(".//{*}Text")
    return " ".join(t.text or "" for t in texts if not (t.text or "").startswith("code:"))
