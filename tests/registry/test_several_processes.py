"""All state is in the database: two registry processes serve one store.

A structure added through one process is served by the other on its next
request (no stale per-process cache), with the same validators.
"""

from __future__ import annotations

import httpx
from registry_servers import ProcessServer
from registry_specimens import ecb_storable

from registry.db.engine import make_engine
from registry.store.tokens import Role, create_token

QUERY = "/sdmx/3.0/structure/dataflow/*/*/~?detail=allstubs"
#: Generous: the machine is shared, and a process's first answer parses the store.
TIMEOUT = 60


def test_a_change_through_one_process_is_served_by_the_other(fresh_settings) -> None:
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.begin() as conn:
        _, secret = create_token(conn, name="ops", role=Role.ADMIN)
    engine.dispose()
    with ProcessServer(fresh_settings) as one, ProcessServer(fresh_settings) as two:
        before_one = httpx.get(one.url + QUERY, timeout=TIMEOUT)
        before_two = httpx.get(two.url + QUERY, timeout=TIMEOUT)
        assert before_one.headers["etag"] == before_two.headers["etag"]
        assert b"ECB" not in before_two.content
        created = httpx.post(
            one.url + "/sdmx/3.0/structure",
            content=ecb_storable(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/xml"},
            timeout=TIMEOUT,
        )
        assert created.status_code == 201
        after_two = httpx.get(
            two.url + QUERY, headers={"If-None-Match": before_two.headers["etag"]}
        )
        assert after_two.status_code == 200 and b'id="EXR"' in after_two.content
        after_one = httpx.get(one.url + QUERY, timeout=TIMEOUT)
        assert after_one.headers["etag"] == after_two.headers["etag"]
