"""The publication worker wakes when a release is committed, not when it is recorded."""

from __future__ import annotations

import time

from receiver import Receiver
from registry_data import TESTER, victims
from submission_log import logged

from registry.loading import check_dataset, store_checked
from registry.publication import worker as worker_module
from registry.publication.releases import PUBLISHED, announce, get_release, release_recorded
from registry.publication.worker import BackgroundWorker
from registry.store.structures import StructureCache
from registry.submissions.records import file_chunks, get_submission
from registry.submissions.retention import purge_rejected_files
from registry.subscriptions.store import create_subscription

FLOW = "DF_THB_VICTIMS"


def _store(conn, structures, provider: str = "AT_MOI"):
    checked = check_dataset(
        victims(structures, provider), structures=structures, flow=FLOW, provider=provider
    )
    assert checked.valid
    return store_checked(conn, checked, structures=structures, provider=provider, actor=TESTER)


def test_recording_a_release_does_not_wake_the_worker_before_the_commit(store) -> None:
    engine, structures = store
    release_recorded.clear()
    with engine.begin() as conn:
        outcome = _store(conn, structures)
        assert outcome.release_pk is not None
        assert not release_recorded.is_set()  # woken now, it would find nothing yet
    announce(outcome.release_pk)
    assert release_recorded.is_set()
    release_recorded.clear()
    announce(None)  # a load that changed nothing records no release
    assert not release_recorded.is_set()


def test_the_worker_publishes_a_committed_release_without_waiting_for_its_poll(
    store, fresh_settings
) -> None:
    engine, structures = store
    slow = fresh_settings.model_copy(update={"worker_poll_seconds": 600})
    worker = BackgroundWorker(engine, slow, StructureCache()).start()
    try:
        time.sleep(0.2)  # its first look at the database: nothing pending
        with engine.begin() as conn:
            pk = _store(conn, structures).release_pk
            time.sleep(0.5)  # a submission keeps its file and registration after the release
        announce(pk)
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                status = get_release(conn, pk).status
            if status == PUBLISHED:
                break
            time.sleep(0.1)
        assert status == PUBLISHED
    finally:
        worker.stop()


def test_the_worker_delivers_a_release_s_notifications_without_waiting_for_its_poll(
    store, fresh_settings
) -> None:
    """Publishing wakes this process's deliverer: a harvester hears of a release at once,
    not at the deliverer's next poll (600 s here)."""
    engine, structures = store
    slow = fresh_settings.model_copy(
        update={
            "worker_poll_seconds": 600,
            "notification_retry_seconds": 600,
            "callback_private": True,  # the receiver listens on 127.0.0.1
        }
    )
    with Receiver() as receiver:
        with engine.begin() as conn:
            create_subscription(conn, owner="tests", token_pk=None, dataflow="*", url=receiver.url)
        worker = BackgroundWorker(engine, slow, StructureCache()).start()
        try:
            time.sleep(0.2)  # both loops have looked once: nothing to do, asleep for 600 s
            with engine.begin() as conn:
                pk = _store(conn, structures).release_pk
            announce(pk)
            (notified,) = receiver.wait_for(1, timeout=60)
        finally:
            worker.stop()
    assert notified["body"]["release"]["id"] == pk


def test_the_worker_removes_old_rejected_files_once_an_hour(
    store, fresh_settings, tmp_path, monkeypatch
) -> None:
    engine, _ = store
    pk = logged(engine, tmp_path, days=120, content=b"not for keeping\n" * 100)
    calls = []

    def counted(on, *args, **kwargs):
        if on is engine:  # not the workers of the session's other apps
            calls.append(time.monotonic())
        return purge_rejected_files(on, *args, **kwargs)

    monkeypatch.setattr(worker_module, "purge_rejected_files", counted)
    worker = BackgroundWorker(engine, fresh_settings, StructureCache())
    assert (worker.retention_delay, worker.retention_every) == (60.0, 3600.0)
    worker.retention_delay = 0.05
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                removed = get_submission(conn, pk).file_removed_at
            if removed is not None:
                break
            time.sleep(0.05)
        assert removed is not None
        assert list(file_chunks(engine, pk)) == []
        time.sleep(0.5)
        assert len(calls) == 1  # the next look is an hour later
    finally:
        worker.stop()


def test_with_zero_days_the_worker_keeps_every_file(store, fresh_settings, tmp_path) -> None:
    engine, _ = store
    pk = logged(engine, tmp_path, days=120, content=b"not for keeping\n" * 100)
    forever = fresh_settings.model_copy(update={"rejected_file_days": 0})
    worker = BackgroundWorker(engine, forever, StructureCache())
    worker.retention_delay = 0.0
    worker.start()
    try:
        time.sleep(0.5)
        assert [t.name for t in worker._threads] == ["mosy-publication", "mosy-notifications"]
    finally:
        worker.stop()
    with engine.connect() as conn:
        assert get_submission(conn, pk).file_removed_at is None
    assert b"".join(file_chunks(engine, pk)) == b"not for keeping\n" * 100
