"""Schemathesis over the submission routes of the app's own OpenAPI, over real HTTP,
with no token, a provider's token and an admin token: no server error, and every
answer is one the schema documents (status, content type, body)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from registry_servers import ThreadServer
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
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
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def exercise(case) -> None:
                for who in (None, "at", "admin"):
                    response = case.call_and_validate(
                        base_url=server.url, headers=desk.headers(who), checks=CHECKS
                    )
                    for secret in desk.secrets.values():
                        assert secret.encode() not in response.content

            exercise()
