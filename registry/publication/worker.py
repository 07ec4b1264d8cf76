"""The background of every registry process: publish releases, deliver notifications.

Two daemon threads, started and stopped with the app: one publishes pending
releases (woken as soon as a release this process recorded is committed,
else polling the database, where other processes record theirs), one delivers notifications.
The publishing thread protects large tables on a pool of processes
(``MOSY_PUBLISH_PROCESSES``, ``pool``), made when first needed and shut down
with the worker.
All their state is in the database, so any number of processes share the
work; a request never waits for either. A third, light one removes the files
of rejected submissions past ``MOSY_REJECTED_FILE_DAYS`` (a minute after the
start, then hourly; not started when the setting is 0).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from registry.memory import give_back_memory
from registry.publication.pool import PublicationPool
from registry.publication.publish import publish_pending
from registry.publication.releases import release_recorded
from registry.settings import Settings
from registry.store.structures import StructureCache
from registry.submissions.retention import purge_rejected_files
from registry.subscriptions.delivery import DeliveryPolicy, deliver_due, notifications_queued

log = logging.getLogger("registry")


class BackgroundWorker:
    #: Seconds from the start to the first look for rejected files due, then between looks:
    #: the files go within an hour of their day; a process's start is not slowed.
    RETENTION_DELAY = 60.0
    RETENTION_EVERY = 3600.0

    def __init__(
        self, engine: Engine, settings: Settings, cache: StructureCache | None = None
    ) -> None:
        self.engine = engine
        self.poll = settings.worker_poll_seconds
        self.rejected_file_days = settings.rejected_file_days
        self.retention_delay = self.RETENTION_DELAY
        self.retention_every = self.RETENTION_EVERY
        self.base_url = settings.public_url or ""
        self.policy = DeliveryPolicy(
            retry_base=timedelta(seconds=settings.notification_retry_seconds),
            max_attempts=settings.notification_max_attempts,
            timeout=settings.notification_timeout_seconds,
            allow_private=settings.callback_private,
        )
        # The app's cache when given: structures parsed once per process, already
        # parsed (by the submission's validation) when a release comes in.
        self.cache = cache or StructureCache()
        processes = settings.publish_processes
        self.pool = PublicationPool(processes) if processes > 1 else None
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._publish_loop, name="mosy-publication", daemon=True),
            threading.Thread(target=self._deliver_loop, name="mosy-notifications", daemon=True),
        ]
        if self.rejected_file_days > 0:
            self._threads.append(
                threading.Thread(target=self._retention_loop, name="mosy-retention", daemon=True)
            )

    def start(self) -> BackgroundWorker:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        release_recorded.set()
        notifications_queued.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.pool is not None:  # waits for the tasks under way, if any
            self.pool.shutdown(cancel_futures=True)

    def _publish_loop(self) -> None:
        while not self._stop.is_set():
            try:
                if publish_pending(
                    self.engine, cache=self.cache, base_url=self.base_url, executor=self.pool
                ):
                    give_back_memory()  # a big release's frames: not kept for good
            except Exception:  # the database may be away for a moment: try again later
                log.exception("publication worker")
            release_recorded.wait(self.poll)
            release_recorded.clear()

    def _deliver_loop(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    while deliver_due(self.engine, client, self.policy) and not self._stop.is_set():
                        pass
                except Exception:
                    log.exception("notification worker")
                # Woken by a publication of this process; else its poll finds those
                # of other processes and the retries that fall due.
                notifications_queued.wait(min(self.poll, self.policy.retry_base.total_seconds()))
                notifications_queued.clear()

    def _retention_loop(self) -> None:
        wait = self.retention_delay
        while not self._stop.wait(wait):
            try:
                purge_rejected_files(self.engine, self.rejected_file_days, stop=self._stop)
            except Exception:  # the database may be away for a moment: next hour then
                log.exception("retention of rejected files")
            wait = self.retention_every
