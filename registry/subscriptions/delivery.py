"""Delivering notifications: claimed from the database, POSTed, retried with back-off.

Every registry process may run a deliverer; a notification is sent by the one
that claims it (``UPDATE ... WHERE claimed_until < now``: one winner), and
the claim is a lease, so a process killed after sending is replaced by
another after the lease: delivery is at least once. Receivers tell repeats
apart by the ``X-Mosy-Notification`` header (the notification's number). A
failed attempt (no answer, or a status other than 2xx) is retried after
``retry_base`` x 2^(attempts-1), capped at an hour, until ``max_attempts``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import Engine, or_, select, update

from mosy_sdmx import __version__
from registry.db.tables import notifications, subscriptions
from registry.subscriptions.callbacks import refused_callback
from registry.subscriptions.store import DELIVERED, FAILED, PENDING, precise_now

log = logging.getLogger("registry")
LEASE = timedelta(seconds=120)
#: Set when this process committed new notifications: its deliverer wakes at once
#: instead of at its next poll (other processes find them when they poll).
notifications_queued = threading.Event()
MAX_DELAY = timedelta(hours=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class DeliveryPolicy:
    retry_base: timedelta = timedelta(seconds=30)
    max_attempts: int = 10
    timeout: float = 10.0
    batch: int = 20
    #: Callbacks to loopback/private addresses allowed (``MOSY_CALLBACK_PRIVATE``).
    allow_private: bool = False

    def delay(self, attempts: int) -> timedelta:
        return min(self.retry_base * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def deliver_due(
    engine: Engine,
    client: httpx.Client,
    policy: DeliveryPolicy | None = None,
    *,
    worker: str | None = None,
) -> int:
    """Send the notifications that are due; how many were delivered."""
    policy = policy or DeliveryPolicy()
    worker = worker or worker_name()
    moment = precise_now()
    free = or_(notifications.c.claimed_until.is_(None), notifications.c.claimed_until < moment)
    with engine.connect() as conn:
        due = (
            conn.execute(
                select(notifications.c.pk)
                .where(
                    notifications.c.status == PENDING,
                    notifications.c.next_attempt_at <= moment,
                    free,
                )
                .order_by(notifications.c.pk)
                .limit(policy.batch)
            )
            .scalars()
            .all()
        )
    delivered = 0
    for pk in due:
        with engine.begin() as conn:
            claimed = conn.execute(
                update(notifications)
                .where(notifications.c.pk == pk, notifications.c.status == PENDING, free)
                .values(
                    claimed_by=worker,
                    claimed_until=moment + LEASE,
                    attempts=notifications.c.attempts + 1,
                )
            ).rowcount
            if not claimed:
                continue
            row = conn.execute(
                select(notifications.c.payload, notifications.c.attempts, subscriptions.c.url)
                .join(subscriptions, subscriptions.c.pk == notifications.c.subscription_pk)
                .where(notifications.c.pk == pk)
            ).one()
        error = refused_callback(row.url, allow_private=policy.allow_private)
        if error is None:
            error = _post(client, row.url, row.payload, pk, row.attempts, policy.timeout)
        with engine.begin() as conn:
            if error is None:
                values = {"status": DELIVERED, "delivered_at": precise_now(), "last_error": None}
                delivered += 1
            else:
                gave_up = row.attempts >= policy.max_attempts
                values = {
                    "status": FAILED if gave_up else PENDING,
                    "next_attempt_at": precise_now() + policy.delay(row.attempts),
                    "last_error": error[:2000],
                }
                log.info("notification %s attempt %s failed: %s", pk, row.attempts, error)
            conn.execute(
                update(notifications)
                .where(notifications.c.pk == pk, notifications.c.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None, **values)
            )
    return delivered


def _post(client: httpx.Client, url: str, payload: str, pk: int, attempt: int, timeout: float):
    """None when the receiver took it (2xx); else why not."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"mosy-registry/{__version__}",
        "X-Mosy-Notification": str(pk),
        "X-Mosy-Attempt": str(attempt),
    }
    try:
        response = client.post(url, content=payload.encode(), headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"
