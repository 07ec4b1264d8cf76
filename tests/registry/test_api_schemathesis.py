"""Schemathesis over the whole API the app documents, over real HTTP, with no token, a
reader's and an admin's: no server error, every answer one the schema documents, and no
token ever echoed. (The submission routes get more examples in ``submissions/``.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from registry_servers import ThreadServer
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.db.engine import make_engine
from registry.store.tokens import Role, create_token

#: Schemathesis' own server-error check counts a documented 501 (an SDMX resource
#: this registry does not serve) as a failure; the test checks 5xx itself.
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Examples per operation, each sent with every token.
EXAMPLES = 4
#: Routes tested more deeply in ``submissions/``.
SKIP = r"^/(api/submissions|sdmx/3\.0/data)"


def test_every_documented_operation_follows_its_schema(fresh_settings) -> None:
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        secrets = {
            name: create_token(conn, name=f"schema-{name}", role=role, provider=provider)[1]
            for name, role, provider in (
                ("admin", Role.ADMIN, None),
                ("reader", Role.READER, "AT_MOI"),
            )
        }
    engine.dispose()
    with ThreadServer(fresh_settings) as server:
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        operations = [
            result.ok() for result in schema.exclude(path_regex=SKIP).get_all_operations()
        ]
        labels = {op.label for op in operations}
        assert {"GET /api/subscriptions", "GET /api/releases"} <= labels, sorted(labels)
        assert len(operations) > 20, sorted(labels)
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
                for who in (None, "reader", "admin"):
                    headers = {"Authorization": f"Bearer {secrets[who]}"} if who else {}
                    response = case.call(base_url=server.url, headers=headers, timeout=60)
                    assert response.status_code < 500 or response.status_code == 501, (
                        case.as_curl_command(),
                        response.text[:500],
                    )
                    case.validate_response(response, checks=CHECKS)
                    for secret in secrets.values():
                        assert secret.encode() not in response.content

            exercise()
