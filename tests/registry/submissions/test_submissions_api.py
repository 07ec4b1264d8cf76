"""``POST /api/submissions`` and the log: receipts, reports, duplicates, downloads."""

from __future__ import annotations

import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from submission_data import FLOW

import mosy_sdmx as ms
from registry.app import create_app


@pytest.fixture
def api(desk):
    # no publication worker: the store's counts change only by what a test sends
    quiet = desk.settings.model_copy(update={"background_worker": False})
    with TestClient(create_app(quiet)) as client:
        yield client


def _post(api, desk, path, token="at", **fields):
    content = path.read_bytes()
    data = {"flow": FLOW, **fields}
    return api.post(
        "/api/submissions",
        files={"file": (path.name, content, "text/csv")},
        data={k: v for k, v in data.items() if v is not None},
        headers=desk.headers(token),
    )


def test_accepted_submission_gets_a_receipt_and_its_file_back(api, desk) -> None:
    path = desk.victims_file()
    answer = _post(api, desk, path)
    assert answer.status_code == 201, answer.text[:500]
    receipt = answer.json()
    assert answer.headers["location"] == receipt["links"]["self"]
    assert receipt["status"] == "accepted"
    assert receipt["provider"] == "AT_MOI" and receipt["dataflow"] == FLOW
    assert receipt["action"] == "Replace"
    rows = receipt["counts"]["rows"]
    assert rows > 100 and receipt["counts"]["added"] == rows
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert receipt["file"]["checksum"] == f"sha256:{digest}"
    assert receipt["file"]["size"] == path.stat().st_size
    assert receipt["release"] is not None and receipt["registration"]

    headers = desk.headers("at")
    own = receipt["links"]["self"].removeprefix("http://testserver")
    full = api.get(own, headers=headers).json()
    assert full["report"]["valid"] is True and full["id"] == receipt["id"]
    original = api.get(f"{own}/file", headers=headers)
    assert original.status_code == 200
    assert original.content == path.read_bytes()
    assert path.name in original.headers["content-disposition"]
    report = api.get(f"{own}/report", headers=headers).json()
    assert report == full["report"]

    as_xml = api.get(f"{own}/data", params={"format": "sdmx-ml-3.0"}, headers=headers)
    assert as_xml.status_code == 200, as_xml.text[:300]
    back = ms.read_data(as_xml.content, desk.structures, flow=FLOW)
    assert len(back.data) == rows

    registration = api.get(f"/sdmx/3.0/registration/id/{receipt['registration']}", headers=headers)
    assert registration.status_code == 200
    assert receipt["links"]["file"].encode() in registration.content

    listed = api.get("/api/submissions", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [receipt["id"]]
    assert listed["total"] == 1


def test_the_same_file_again_changes_nothing_and_says_so(api, desk) -> None:
    path = desk.victims_file()
    first = _post(api, desk, path)
    assert first.status_code == 201
    loads, observations = desk.count("data_loads"), desk.count("observations")
    again = _post(api, desk, path)
    assert again.status_code == 200, again.text[:300]
    body = again.json()
    assert body["status"] == "duplicate"
    assert body["duplicate_of"] == first.json()["id"]
    assert "nothing changed" in body["message"]
    assert (desk.count("data_loads"), desk.count("observations")) == (loads, observations)
    # the duplicate's file is the original's bytes
    own = body["links"]["file"].removeprefix("http://testserver")
    assert api.get(own, headers=desk.headers("at")).content == path.read_bytes()
    # another action on the same bytes is a new submission
    appended = _post(api, desk, path, action="Append")
    assert appended.status_code == 201
    assert appended.json()["counts"]["added"] == 0


def test_rejected_data_gets_the_librarys_report_and_stores_nothing(api, desk) -> None:
    path = desk.victims_file(REF_AREA="BG")  # outside AT_MOI's constraint
    before = desk.count("observations")
    answer = _post(api, desk, path)
    assert answer.status_code == 422, answer.text[:300]
    report = answer.json()
    assert set(report) == {"valid", "stats", "issues", "truncated"}
    assert report["valid"] is False and report["stats"]["errors"] > 0
    assert desk.count("observations") == before
    assert desk.count("releases") == 0 and desk.count("registrations") == 0
    listed = api.get("/api/submissions", params={"status": "rejected"}, headers=desk.headers("at"))
    (logged,) = listed.json()["items"]
    assert logged["status"] == "rejected"
    stored = api.get(f"/api/submissions/{logged['id']}", headers=desk.headers("at")).json()
    assert stored["report"] == report


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"", 400, "empty"),
        (b"\x00\x01garbage that is no data message\xff" * 10, 415, "nothing was stored"),
        (b"STRUCTURE,STRUCTURE_ID,ACTION\n" + b"x" * 5000, 400, "nothing was stored"),
    ],
)
def test_unreadable_uploads_are_refused(api, desk, content, status, words) -> None:
    answer = api.post(
        "/api/submissions",
        files={"file": ("x.csv", content, "text/csv")},
        data={"flow": FLOW},
        headers=desk.headers("at"),
    )
    assert answer.status_code == status, answer.text[:300]
    assert words in answer.json()["detail"].lower()
    assert "incoming" not in answer.text  # the registry's own paths are not shown
    assert desk.count("observations") == 0


def test_refusals_say_what_is_missing(api, desk) -> None:
    path = desk.victims_file()
    no_token = _post(api, desk, path, token=None)
    assert no_token.status_code == 401 and "Bearer" in no_token.json()["detail"]
    reader = _post(api, desk, path, token="at-reader")
    assert reader.status_code == 403 and "submitter" in reader.json()["detail"]
    not_theirs = _post(api, desk, path, token="bg")  # AT_MOI's figures, BG_NREM's token
    assert not_theirs.status_code == 422
    other_provider = _post(api, desk, path, provider="BG_NREM")
    assert other_provider.status_code == 403 and "AT_MOI only" in other_provider.json()["detail"]
    admin_without = _post(api, desk, path, token="admin")
    assert admin_without.status_code == 400 and "provider" in admin_without.json()["detail"]
    admin = _post(api, desk, path, token="admin", provider="AT_MOI")
    assert admin.status_code == 201
    not_multipart = api.post(
        "/api/submissions", content=path.read_bytes(), headers=desk.headers("at")
    )
    assert not_multipart.status_code == 415
    # the BG token does not see AT_MOI's submissions
    seen = api.get("/api/submissions", headers=desk.headers("bg")).json()
    assert all(item["provider"] == "BG_NREM" for item in seen["items"])
    own = admin.json()["links"]["self"].removeprefix("http://testserver")
    assert api.get(own, headers=desk.headers("bg")).status_code == 404
    assert api.get(own, headers=desk.headers("at-reader")).status_code == 200


def test_flow_comes_from_the_message_when_not_given(api, desk) -> None:
    path = desk.victims_file(fmt="sdmx-ml-3.0")
    answer = api.post(
        "/api/submissions",
        files={"file": (path.name, io.BytesIO(path.read_bytes()), "application/xml")},
        headers=desk.headers("at"),
    )
    assert answer.status_code == 201, answer.text[:300]
    assert answer.json()["dataflow"] == FLOW
