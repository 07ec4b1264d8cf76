"""A registry process killed (SIGKILL) in the middle of storing a large submission:
after a restart the store is exactly as before, consistent, and takes submissions."""

from __future__ import annotations

import threading
import time

import httpx
from registry_servers import ProcessServer
from sqlalchemy import text
from submission_data import FLOW, big_victims

import mosy_sdmx as ms

TABLES = ("submissions", "submission_files", "data_loads", "data_series", "observations",
          "releases", "registrations", "changes", "revisions")  # fmt: skip


def _state(engine) -> dict[str, object]:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
        revisions = conn.execute(text("SELECT scope, revision FROM revisions ORDER BY scope")).all()
    return {**counts, "revision list": [tuple(r) for r in revisions]}


def _published(url: str, release: int, headers: dict[str, str]) -> None:
    """Wait for the publication worker to publish a release (it writes the public flows)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = httpx.get(f"{url}/api/releases/{release}", headers=headers, timeout=60).json()
        if state.get("published"):
            return
        time.sleep(0.1)
    raise AssertionError(f"release {release} was not published")


def _storing(engine) -> bool:
    """Whether another connection is inside a write transaction on the observations."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return bool(
                conn.execute(
                    text(
                        "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname = 'observations' AND l.mode = 'RowExclusiveLock' "
                        "AND l.pid <> pg_backend_pid()"
                    )
                ).scalar()
            )
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:  # database is locked: a writer holds it
            return True
        conn.exec_driver_sql("ROLLBACK")
        return False


def test_sigkill_in_the_middle_of_a_submission_changes_nothing(desk) -> None:
    big = desk.folder / "big.csv"
    ms.write_data(big_victims(desk.structures, 300_000), big, "sdmx-csv-2.0", desk.structures,
                  flow=FLOW)  # fmt: skip
    headers = desk.headers("at")
    with ProcessServer(desk.settings) as server:
        small = desk.victims_file()
        first = httpx.post(
            server.url + "/api/submissions",
            files={"file": (small.name, small.read_bytes())},
            data={"flow": FLOW},
            headers=headers,
            timeout=60,
        )
        assert first.status_code == 201, first.text[:300]
        _published(server.url, first.json()["release"], desk.headers("admin"))
        before = _state(desk.engine)
        outcome: dict[str, object] = {}

        def upload() -> None:
            try:
                with open(big, "rb") as handle:
                    outcome["answer"] = httpx.post(
                        server.url + "/api/submissions",
                        files={"file": ("big.csv", handle)},
                        data={"flow": FLOW},
                        headers=headers,
                        timeout=300,
                    )
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=upload)
        sender.start()
        deadline = time.monotonic() + 240
        while not _storing(desk.engine):
            assert "answer" not in outcome, "the submission ended before it was caught storing"
            assert time.monotonic() < deadline, "the submission never started storing"
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the transaction: series and observations being written
        server.process.kill()
        server.process.wait()
        sender.join(timeout=60)
        assert "error" in outcome, f"the request was answered: {outcome.get('answer')}"
    desk.engine.dispose()  # nothing cached from before the kill
    assert _state(desk.engine) == before
    if desk.engine.dialect.name == "sqlite":
        with desk.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with ProcessServer(desk.settings) as server:
        log = httpx.get(server.url + "/api/submissions", headers=headers).json()
        assert [item["id"] for item in log["items"]] == [first.json()["id"]]
        again = httpx.post(
            server.url + "/api/submissions",
            files={"file": (small.name, small.read_bytes())},
            data={"flow": FLOW},
            headers=headers,
            timeout=60,
        )
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        other = desk.victims_file(seed=9)
        stored = httpx.post(
            server.url + "/api/submissions",
            files={"file": (other.name, other.read_bytes())},
            data={"flow": FLOW},
            headers=headers,
            timeout=60,
        )
        assert stored.status_code == 201, stored.text[:300]
