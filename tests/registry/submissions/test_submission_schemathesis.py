"""Schemathesis over the submission routes of the app's own OpenAPI, over real HTTP,
with no token, a provider's token and an admin token: no server error, and every
answer is one the schema documents (status, content type, body)."""

from __future__ import annotations

import schemathesis
from registry_servers import ThreadServer
from schemathesis_runner import exercise

ROUTES = r"^/(api/submissions|sdmx/3\.0/data)"
#: Examples per operation (each sent with no token, a provider's and an admin's).
EXAMPLES = 15


def test_submission_routes_follow_their_schema(desk) -> None:
    with ThreadServer(desk.settings) as server:
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        schema = schema.include(path_regex=ROUTES).exclude(method="GET", path_regex="^/sdmx/")
        operations = [result.ok() for result in schema.get_all_operations()]
        labels = sorted(op.label for op in operations)
        assert "POST /api/submissions" in labels and "DELETE" in " ".join(labels), labels
        headers = {who: desk.headers(who) for who in (None, "at", "admin")}
        exercise(
            operations,
            server.url,
            headers,
            desk.secrets.values(),
            examples=EXAMPLES,
            allow_501=False,
        )
