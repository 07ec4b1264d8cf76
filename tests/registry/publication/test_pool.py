"""The publication's process pool: made on first use, replaced when a process dies.

A publication whose worker process dies fails like any other (the release
pending again, the error kept, retried after a back-off) and the next try
gets a new pool.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool

import pytest
from publication_data import sensitive_victims
from registry_data import load, victims
from sqlalchemy import select, update

from mosy_sdmx.disclosure import secondary
from registry.db.tables import releases
from registry.publication.pool import PublicationPool
from registry.publication.publish import publish_pending
from registry.publication.releases import PENDING, PUBLISHED, list_releases
from registry.publication.worker import BackgroundWorker


def test_the_pool_starts_on_its_first_task_and_replaces_a_dead_one() -> None:
    pool = PublicationPool(2)
    try:
        assert not pool.started
        assert pool.submit(os.getpid).result(timeout=120) != os.getpid()
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result(timeout=120)  # a worker process dies
        assert pool.submit(os.getpid).result(timeout=120) != os.getpid()  # on a new pool
    finally:
        pool.shutdown()
    assert not pool.started
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(os.getpid)


class _Dying(Executor):
    """Every task kills the worker process that takes it."""

    def __init__(self, pool: PublicationPool) -> None:
        self.pool = pool
        self.tasks = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.tasks += 1
        return self.pool.submit(os._exit, 1)


def test_a_dead_worker_fails_the_publication_which_is_retried(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(secondary, "PARALLEL_MIN_SENSITIVE", 0)  # this small table goes too
    engine, structures = store
    data, _ = sensitive_victims(victims(structures, "AT_MOI"))  # two years to protect
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    with engine.connect() as conn:
        (pk,) = [r.pk for r in list_releases(conn, status=PENDING)]
    pool = PublicationPool(2)
    try:
        dying = _Dying(pool)
        assert publish_pending(engine, executor=dying) == []
        assert dying.tasks > 1
        with engine.connect() as conn:
            row = conn.execute(select(releases).where(releases.c.pk == pk)).mappings().one()
        assert (row["status"], row["attempts"]) == (PENDING, 1)
        assert "BrokenProcessPool" in row["error"]
        with engine.begin() as conn:  # its back-off over
            conn.execute(update(releases).where(releases.c.pk == pk).values(next_attempt_at=None))
        assert publish_pending(engine, executor=pool) == [pk]  # a new pool
        assert pool.started
    finally:
        pool.shutdown()
    with engine.connect() as conn:
        row = conn.execute(select(releases).where(releases.c.pk == pk)).mappings().one()
    assert (row["status"], row["error"]) == (PUBLISHED, None)


def test_the_worker_owns_a_pool_from_the_settings(store, fresh_settings) -> None:
    engine, _ = store
    alone = BackgroundWorker(engine, fresh_settings.model_copy(update={"publish_processes": 1}))
    assert alone.pool is None
    worker = BackgroundWorker(engine, fresh_settings.model_copy(update={"publish_processes": 2}))
    assert worker.pool is not None and not worker.pool.started  # made on first use
    worker.start().stop()
    with pytest.raises(RuntimeError, match="shut down"):
        worker.pool.submit(os.getpid)
