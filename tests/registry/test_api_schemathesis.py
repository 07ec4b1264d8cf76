"""Schemathesis over the whole API the app documents, over real HTTP, with no token, a
reader's and an admin's: no server error, every answer one the schema documents, and no
token ever echoed. (The submission routes get more examples in ``submissions/``.)"""

from __future__ import annotations

import schemathesis
from registry_servers import ThreadServer
from schemathesis_runner import exercise

from registry.db.engine import make_engine
from registry.store.tokens import Role, create_token

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
    headers = {None: {}} | {who: {"Authorization": f"Bearer {s}"} for who, s in secrets.items()}
    with ThreadServer(fresh_settings) as server:
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        operations = [
            result.ok() for result in schema.exclude(path_regex=SKIP).get_all_operations()
        ]
        labels = {op.label for op in operations}
        assert {"GET /api/subscriptions", "GET /api/releases"} <= labels, sorted(labels)
        assert len(operations) > 20, sorted(labels)
        # A documented 501 is an SDMX resource this registry does not serve.
        exercise(
            operations, server.url, headers, secrets.values(), examples=EXAMPLES, allow_501=True
        )
