"""The retention of rejected submissions' files: old rejected files go, the log row and
report stay, ``/file`` answers 410; recent rejected, accepted and duplicated files stay."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from submission_data import FLOW
from submission_log import logged

from registry.app import create_app
from registry.db.tables import submission_files, submissions
from registry.store.revisions import now
from registry.submissions.records import get_submission
from registry.submissions.retention import purge_rejected_files

#: Counts a text in a file (run in another process: see its use).
_COUNT = "import sys; print(open(sys.argv[1], 'rb').read().count(sys.argv[2].encode()))"


@pytest.fixture
def api(desk):
    quiet = desk.settings.model_copy(update={"background_worker": False})
    with TestClient(create_app(quiet)) as client:
        yield client


def _post(api, desk, path, token="at"):
    return api.post(
        "/api/submissions",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        data={"flow": FLOW},
        headers=desk.headers(token),
    )


def _age(engine, pk: int, days: float) -> None:
    """Make submission ``pk`` look received ``days`` days ago."""
    with engine.begin() as conn:
        conn.execute(
            update(submissions)
            .where(submissions.c.pk == pk)
            .values(received_at=now() - timedelta(days=days))
        )


def _chunks(engine, pk: int) -> int:
    with engine.connect() as conn:
        return len(
            conn.execute(
                select(submission_files.c.seq).where(submission_files.c.submission_pk == pk)
            ).all()
        )


def _row(engine, pk: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(submissions).where(submissions.c.pk == pk)).one()._mapping)


def test_an_old_rejected_file_goes_and_its_row_and_report_stay(api, desk) -> None:
    path = desk.victims_file(REF_AREA="BG")  # outside AT_MOI's constraint: rejected
    answer = _post(api, desk, path)
    assert answer.status_code == 422
    pk = int(re.search(r"/api/submissions/(\d+)>", answer.headers["link"]).group(1))
    headers = desk.headers("at")
    before = api.get(f"/api/submissions/{pk}", headers=headers).json()
    assert before["file_removed_at"] is None and "file" in before["links"]
    _age(desk.engine, pk, 91)
    row_before = _row(desk.engine, pk)
    assert _chunks(desk.engine, pk) > 0

    purged = purge_rejected_files(desk.engine, 90)

    assert (purged.files, purged.bytes, purged.batches) == (1, path.stat().st_size, 1)
    assert _chunks(desk.engine, pk) == 0
    row_after = _row(desk.engine, pk)
    assert row_after.pop("file_removed_at") is not None
    row_before.pop("file_removed_at")
    assert row_after == row_before  # who, when, checksum, size, counts, report: all kept
    after = api.get(f"/api/submissions/{pk}", headers=headers).json()
    assert after["file_removed_at"].startswith(now().date().isoformat())
    assert after["report"] == before["report"] and after["file"] == before["file"]
    assert "file" not in after["links"]  # no link that could only answer 410
    assert api.get(f"/api/submissions/{pk}/report", headers=headers).json() == before["report"]

    gone = api.get(f"/api/submissions/{pk}/file", headers=headers)
    assert gone.status_code == 410
    problem = gone.json()
    assert problem["status"] == 410 and problem["code"] == "file-removed"
    assert f"removed on {now().date().isoformat()}" in problem["detail"]
    assert "after MOSY_REJECTED_FILE_DAYS=90 days" in problem["detail"]
    assert "the checksum" in problem["detail"] and "validation report are kept" in problem["detail"]
    assert row_before["checksum"] in problem["detail"]
    data = api.get(f"/api/submissions/{pk}/data", headers=headers)
    assert data.status_code == 409 and "was removed on" in data.json()["detail"]
    assert purge_rejected_files(desk.engine, 90).files == 0  # once only


def test_recent_rejected_and_accepted_files_stay_whatever_their_age(api, desk, tmp_path) -> None:
    path = desk.victims_file()
    accepted = _post(api, desk, path)
    assert accepted.status_code == 201
    duplicate = _post(api, desk, path)
    assert duplicate.json()["status"] == "duplicate"
    accepted_pk, duplicate_pk = accepted.json()["id"], duplicate.json()["id"]
    _age(desk.engine, accepted_pk, 5000)
    _age(desk.engine, duplicate_pk, 5000)
    recent = logged(desk.engine, tmp_path, days=89)
    old = logged(desk.engine, tmp_path, days=91)

    purged = purge_rejected_files(desk.engine, 90)

    assert purged.files == 1
    assert _chunks(desk.engine, old) == 0 and _chunks(desk.engine, recent) > 0
    with desk.engine.connect() as conn:
        kept = [get_submission(conn, pk) for pk in (accepted_pk, duplicate_pk, recent)]
    assert [s.file_removed_at for s in kept] == [None, None, None]
    headers = desk.headers("at")
    for pk in (accepted_pk, duplicate_pk):
        original = api.get(f"/api/submissions/{pk}/file", headers=headers)
        assert original.status_code == 200 and original.content == path.read_bytes()
    assert api.get(f"/api/submissions/{recent}/file", headers=headers).status_code == 200


def test_a_rejected_file_a_duplicate_serves_stays(api, desk, tmp_path) -> None:
    """Duplicates repeat accepted submissions only, but a duplicate's bytes are its
    original's: were the original a rejected one, its file would have to stay."""
    original = logged(desk.engine, tmp_path, days=400, content=b"the original bytes\n" * 99)
    duplicate = logged(desk.engine, tmp_path, status="duplicate", days=1, duplicate_of=original)
    alone = logged(desk.engine, tmp_path, days=400)

    assert purge_rejected_files(desk.engine, 90).files == 1

    assert _chunks(desk.engine, alone) == 0 and _chunks(desk.engine, original) > 0
    served = api.get(f"/api/submissions/{duplicate}/file", headers=desk.headers("at"))
    assert served.status_code == 200 and served.content == b"the original bytes\n" * 99


def test_a_backlog_larger_than_a_batch_goes_in_several_transactions(desk, tmp_path) -> None:
    pks = [logged(desk.engine, tmp_path, days=100 + i) for i in range(23)]
    sizes = sum(_row(desk.engine, pk)["size"] for pk in pks)

    purged = purge_rejected_files(desk.engine, 90, batch_files=10)

    assert (purged.files, purged.bytes, purged.batches) == (23, sizes, 3)
    assert all(_chunks(desk.engine, pk) == 0 for pk in pks)
    assert all(_row(desk.engine, pk)["file_removed_at"] is not None for pk in pks)


def test_a_batch_holds_about_its_byte_budget(desk, tmp_path) -> None:
    pks = [logged(desk.engine, tmp_path, days=100, content=bytes([i]) * 1000) for i in range(5)]
    purged = purge_rejected_files(desk.engine, 90, batch_bytes=2500)
    assert (purged.files, purged.bytes, purged.batches) == (5, 5000, 3)  # 2 + 2 + 1
    assert all(_chunks(desk.engine, pk) == 0 for pk in pks)


def test_zero_days_keeps_every_file(desk, tmp_path) -> None:
    pk = logged(desk.engine, tmp_path, days=10_000)
    assert purge_rejected_files(desk.engine, 0).files == 0
    assert _chunks(desk.engine, pk) > 0 and _row(desk.engine, pk)["file_removed_at"] is None


def test_two_processes_purging_at_once_remove_each_file_once(desk, tmp_path) -> None:
    pks = [logged(desk.engine, tmp_path, days=100 + i) for i in range(40)]
    sizes = sum(_row(desk.engine, pk)["size"] for pk in pks)
    results = []
    start = threading.Barrier(2)

    def purge() -> None:
        start.wait()
        results.append(purge_rejected_files(desk.engine, 90, batch_files=3))

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2
    assert sum(r.files for r in results) == 40 and sum(r.bytes for r in results) == sizes
    assert all(_chunks(desk.engine, pk) == 0 for pk in pks)


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)  # PostgreSQL's is its vacuum's
def test_sqlite_zeroes_the_pages_of_a_removed_file(fresh_settings, tmp_path) -> None:
    """With secure_delete off by default (a build's choice), the removed bytes would stay
    in the database file's free pages; the purge turns it on for its batches."""
    from sqlalchemy import event
    from sqlalchemy.engine import make_url

    from registry.db.engine import make_engine

    engine = make_engine(fresh_settings.effective_database_url)
    event.listen(engine, "connect", lambda raw, _record: raw.execute("PRAGMA secure_delete=OFF"))
    marker = b"SENT-BY-MISTAKE-%d\n"
    removed = logged(engine, tmp_path, days=100, content=b"".join(marker % i for i in range(9999)))
    kept = logged(engine, tmp_path, status="accepted", days=100, content=b"KEPT-FOR-GOOD\n" * 9999)
    path = make_url(fresh_settings.effective_database_url).database

    def in_file(text: bytes) -> bool:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        # Read by another process: closing a file of the database in this one would drop
        # the POSIX locks every SQLite connection of this process holds on it.
        found = subprocess.run(
            [sys.executable, "-c", _COUNT, path, text.decode()],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(found.stdout) > 0

    assert in_file(b"SENT-BY-MISTAKE-9998") and in_file(b"KEPT-FOR-GOOD")
    assert purge_rejected_files(engine, 90).files == 1
    assert not in_file(b"SENT-BY-MISTAKE-") and in_file(b"KEPT-FOR-GOOD")
    with engine.connect() as conn:  # the pooled connection went back as it came
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 0
    assert _chunks(engine, removed) == 0 and _chunks(engine, kept) > 0
    engine.dispose()
