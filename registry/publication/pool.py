"""The worker processes of a publication's disclosure control (``MOSY_PUBLISH_PROCESSES``).

``protect`` sends the independent sub-tables of a large table to them (the
parallel logic is the library's; small tables stay in the publishing thread),
so the pool is made on the first large publication, not at start. Its
processes are spawned: forking a threaded server could copy a lock some other
thread holds. A worker process that dies breaks the whole pool: the
publication in progress fails (``BrokenProcessPool``) and is retried like any
failed publication, and the next one gets a new pool.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger("registry")


class PublicationPool(Executor):
    """A spawned ``ProcessPoolExecutor`` of ``processes``, made on the first task."""

    def __init__(self, processes: int) -> None:
        if processes < 2:
            raise ValueError("a publication pool needs 2 processes or more")
        # Read by ``protect`` as a ProcessPoolExecutor's, to size its tasks.
        self._max_workers = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def started(self) -> bool:
        return self._pool is not None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run on the pool, a new one when none is running or the last one broke."""
        for _ in range(2):  # a pool found broken now (before its tasks said so) is replaced
            pool = self._current()
            try:
                future = pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                self._drop(pool)
                continue
            future.add_done_callback(lambda done, pool=pool: self._check(pool, done))
            return future
        raise BrokenProcessPool("the publication pool's processes die as they start")

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the publication pool is shut down")
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self._max_workers, mp_context=context)
            return self._pool

    def _check(self, pool: ProcessPoolExecutor, future: Future) -> None:
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            self._drop(pool)

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        """Forget a broken pool (once): the next task starts a new one."""
        with self._lock:
            if self._pool is not pool:
                return
            self._pool = None
        log.warning("a publication worker process died; its pool is replaced")
        pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
