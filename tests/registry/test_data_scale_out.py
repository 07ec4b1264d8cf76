"""Two registry processes on one database serve the same data with the same ETag."""

from __future__ import annotations

import httpx
from registry_data import FLOW, admin_headers, load, victims
from registry_servers import ProcessServer

from registry.db.engine import make_engine
from registry.store.structures import StructureCache

QUERY = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/1.0.0/A.AT.*.*.*.*.*.*"
CSV = {"accept": "application/vnd.sdmx.data+csv;version=2.0.0"}


def test_data_loaded_once_is_served_by_both_processes_alike(fresh_settings, tmp_path) -> None:
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    data = victims(structures, "AT_MOI")
    auth = {**CSV, **admin_headers(engine)}  # a restricted dataflow
    with ProcessServer(fresh_settings) as one, ProcessServer(fresh_settings) as two:
        assert one.port != two.port
        empty = [httpx.get(s.url + QUERY, headers=auth, timeout=30) for s in (one, two)]
        assert [r.status_code for r in empty] == [204, 204]
        load(engine, structures, data, tmp_path, provider="AT_MOI")
        answers = [httpx.get(s.url + QUERY, headers=auth, timeout=30) for s in (one, two)]
        assert [r.status_code for r in answers] == [200, 200]
        assert answers[0].content == answers[1].content
        assert answers[0].headers["etag"] == answers[1].headers["etag"]
        assert answers[0].headers["last-modified"] == answers[1].headers["last-modified"]
        assert answers[0].text.count("\n") == len(data.data) + 1
        etag = answers[0].headers["etag"]
        for server in (one, two):
            again = httpx.get(
                server.url + QUERY, headers={**auth, "if-none-match": etag}, timeout=30
            )
            assert again.status_code == 304
        changed = data.data.copy()
        changed["OBS_VALUE"] *= 2
        load(engine, structures, data.with_data(changed), tmp_path, provider="AT_MOI")
        after = [
            httpx.get(s.url + QUERY, headers={**auth, "if-none-match": etag}, timeout=30)
            for s in (two, one)
        ]
        assert [r.status_code for r in after] == [200, 200]
        assert after[0].headers["etag"] == after[1].headers["etag"] != etag
    engine.dispose()
