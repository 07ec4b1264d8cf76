"""The publication worker wakes when a release is committed, not when it is recorded."""

from __future__ import annotations

import time

from receiver import Receiver
from registry_data import TESTER, victims

from registry.loading import check_dataset, store_checked
from registry.publication.releases import PUBLISHED, announce, get_release, release_recorded
from registry.publication.worker import BackgroundWorker
from registry.store.structures import StructureCache
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
