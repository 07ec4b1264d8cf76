"""SDMX REST 2.x data maintenance: POST, PUT and DELETE under /sdmx/3.0/data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from submission_data import FLOW

from registry.app import create_app

PATH = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/1.0.0"


@pytest.fixture
def api(desk):
    # no publication worker: the store's counts change only by what a test sends
    quiet = desk.settings.model_copy(update={"background_worker": False})
    with TestClient(create_app(quiet)) as client:
        yield client


def _version(desk) -> str:
    return str(desk.structures.dataflow(FLOW).version)


def test_post_put_delete_go_through_the_submission_log(api, desk) -> None:
    path = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/{_version(desk)}"
    body = desk.victims_file(fmt="sdmx-ml-3.0").read_bytes()
    headers = {**desk.headers("at"), "Content-Type": "application/vnd.sdmx.data+xml"}
    posted = api.post(path, content=body, headers=headers)
    assert posted.status_code == 201, posted.text[:400]
    receipt = posted.json()
    assert posted.headers["location"] == receipt["links"]["self"]
    rows = receipt["counts"]["added"]
    assert rows > 100

    again = api.post(path, content=body, headers=headers)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"

    replaced = api.put(path, content=desk.victims_file(seed=8).read_bytes(), headers=headers)
    assert replaced.status_code == 200, replaced.text[:400]
    assert replaced.json()["action"] == "Replace" and replaced.json()["counts"]["changed"] > 0

    # delete one country's... one sex's figures: the key leaves every other position open
    dims = list(desk.structures.layout(FLOW).dimensions)
    key = ".".join("M" if d == "SEX" else "*" for d in dims)
    deleted = api.delete(f"{path}/{key}", headers=desk.headers("at"))
    assert deleted.status_code == 200, deleted.text[:400]
    assert deleted.json()["action"] == "Delete" and deleted.json()["counts"]["deleted"] > 0
    nothing = api.delete(f"{path}/{key}", headers=desk.headers("at"))
    assert nothing.status_code == 404

    log = api.get("/api/submissions", headers=desk.headers("at")).json()
    assert [i["action"] for i in log["items"]] == [
        "Delete", "Delete", "Replace", "Replace", "Replace"
    ]  # fmt: skip


def test_refusals_on_the_sdmx_routes(api, desk) -> None:
    path = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/{_version(desk)}"
    body = desk.victims_file().read_bytes()
    assert api.post(path, content=body).status_code == 401
    assert api.post(path, content=body, headers=desk.headers("at-reader")).status_code == 403
    offenders = path.replace(FLOW, "DF_THB_NO_SUCH_FLOW")
    assert api.post(offenders, content=body, headers=desk.headers("at")).status_code == 404
    wrong = api.post(path, content=desk.victims_file(REF_AREA="BG").read_bytes(),
                     headers=desk.headers("at"))  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["valid"] is False
    assert api.post(path, content=b"", headers=desk.headers("at")).status_code == 400
    admin = api.post(path + "?provider=AT_MOI", content=body, headers=desk.headers("admin"))
    assert admin.status_code == 201
    assert desk.count("observations") > 0
