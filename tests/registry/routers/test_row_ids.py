"""A row number in a URL path beyond the store's 32-bit keys is a clear 400 on every
route that takes one, on both databases (PostgreSQL used to fail with a 500)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.db.engine import make_engine
from registry.store.tokens import Role, create_token

PATHS = (
    "/api/releases/{id}",
    "/api/submissions/{id}",
    "/api/submissions/{id}/report",
    "/api/submissions/{id}/file",
    "/api/submissions/{id}/data",
)


@pytest.mark.parametrize("number", ["2147483648", "0", "-3"])
def test_an_id_outside_the_store_range_is_a_400(fresh_settings, number) -> None:
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        _, secret = create_token(conn, name="ids", role=Role.ADMIN, provider=None)
    engine.dispose()
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(fresh_settings), raise_server_exceptions=False) as client:
        for path in PATHS:
            response = client.get(path.format(id=number), headers=headers)
            assert response.status_code == 400, (path, response.text)
            body = response.json()
            assert body["status"] == 400, body
            assert "release_id" in body["detail"] or "submission_id" in body["detail"], body
        # The largest 32-bit number is in range: not held, so a 404.
        response = client.get("/api/releases/2147483647", headers=headers)
        assert response.status_code == 404, response.text
