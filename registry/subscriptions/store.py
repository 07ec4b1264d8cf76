"""Subscriptions and their notifications, as rows every registry process shares.

A subscription (SDMX registry model: who, which dataflow, where to POST,
which events) is registered over ``/api/subscriptions``. Publishing a release
queues one notification per matching subscription in the publication's own
transaction; ``registry.subscriptions.delivery`` sends them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from registry.db.tables import data_loads, notifications, subscriptions
from registry.publication.releases import Release
from registry.store.revisions import _aware

EVENTS = ("release", "revision")
ANY_FLOW = "*"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True, slots=True)
class Subscription:
    pk: int
    uid: str
    owner: str
    token_pk: int | None
    dataflow: str
    url: str
    events: tuple[str, ...]
    created_at: datetime
    base_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "owner": self.owner,
            "dataflow": self.dataflow,
            "url": self.url,
            "events": list(self.events),
            "created": self.created_at.isoformat(),
            "links": {"self": f"/api/subscriptions/{self.uid}"},
        }


def _subscription(row) -> Subscription:
    return Subscription(
        pk=row.pk,
        uid=row.uid,
        owner=row.owner,
        token_pk=row.token_pk,
        dataflow=row.dataflow,
        url=row.url,
        events=tuple(e for e in row.events.split(",") if e),
        created_at=_aware(row.created_at),
        base_url=row.base_url,
    )


def precise_now() -> datetime:
    """Delivery times keep their microseconds: back-off may be shorter than a second."""
    return datetime.now(UTC)


def create_subscription(
    conn: Connection,
    *,
    owner: str,
    token_pk: int | None,
    dataflow: str,
    url: str,
    events: tuple[str, ...] = EVENTS,
    base_url: str = "",
) -> Subscription:
    uid = str(uuid.uuid4())
    conn.execute(
        insert(subscriptions).values(
            uid=uid,
            token_pk=token_pk,
            owner=owner,
            dataflow=dataflow,
            url=url,
            events=",".join(events),
            base_url=base_url.rstrip("/"),
            created_at=precise_now(),
        )
    )
    found = get_subscription(conn, uid)
    assert found is not None
    return found


def get_subscription(conn: Connection, uid: str) -> Subscription | None:
    row = conn.execute(
        select(subscriptions).where(
            subscriptions.c.uid == uid, subscriptions.c.deleted_at.is_(None)
        )
    ).first()
    return _subscription(row) if row else None


def list_subscriptions(conn: Connection, *, token_pk: int | None = None) -> list[Subscription]:
    """Live subscriptions (of one token when given), oldest first."""
    query = select(subscriptions).where(subscriptions.c.deleted_at.is_(None))
    if token_pk is not None:
        query = query.where(subscriptions.c.token_pk == token_pk)
    return [_subscription(r) for r in conn.execute(query.order_by(subscriptions.c.pk))]


def delete_subscription(conn: Connection, uid: str) -> bool:
    """End a subscription; its pending notifications are dropped with it."""
    row = conn.execute(
        update(subscriptions)
        .where(subscriptions.c.uid == uid, subscriptions.c.deleted_at.is_(None))
        .values(deleted_at=precise_now())
    )
    if row.rowcount:
        pk = conn.execute(select(subscriptions.c.pk).where(subscriptions.c.uid == uid)).scalar()
        conn.execute(
            update(notifications)
            .where(notifications.c.subscription_pk == pk, notifications.c.status == PENDING)
            .values(status=FAILED, last_error="subscription deleted")
        )
    return bool(row.rowcount)


def delivery_counts(conn: Connection, subscription_pk: int) -> dict[str, int]:
    rows = conn.execute(
        select(notifications.c.status, func.count())
        .where(notifications.c.subscription_pk == subscription_pk)
        .group_by(notifications.c.status)
    ).all()
    counts = {PENDING: 0, DELIVERED: 0, FAILED: 0}
    counts.update({status: n for status, n in rows})
    return counts


def notification_payload(
    release: Release,
    subscription: Subscription,
    flows: dict[str, dict],
    base_url: str = "",
    since: dict[str, datetime] | None = None,
) -> dict[str, Any]:
    """What a subscriber receives: the event, what changed, the registration, the links.

    ``since`` is, per dataflow, the moment just before the release's first load
    there (``updatedAfter`` is strict, and a public load may fall in the same
    second as the release), so the data link holds everything the release wrote.
    """
    since = since or {}
    changes = []
    for flow_id, change in sorted(flows.items()):
        moment = since.get(flow_id, release.at - timedelta(seconds=1))
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = f"{base_url}/sdmx/3.0/data/dataflow/*/{flow_id}/*/*?updatedAfter={stamp}"
        changes.append(
            {
                "dataflow": flow_id,
                "added": change.get("added", 0),
                "changed": change.get("changed", 0),
                "deleted": change.get("deleted", 0),
                "links": {
                    "data": data,
                    "feed": f"{base_url}/feeds/dataflow/{flow_id}",
                },
            }
        )
    return {
        "event": release.kind,
        "subscription": subscription.uid,
        "release": {
            "id": release.pk,
            "at": release.at.isoformat(),
            "provider": release.provider,
            "submission": release.submission,
        },
        "registration": release.summary.get("registration"),
        "changes": changes,
        "links": {
            "release": f"{base_url}/api/releases/{release.pk}",
            "feed": f"{base_url}/feeds/releases",
        },
    }


def queue_notifications(conn: Connection, release: Release | None, base_url: str = "") -> int:
    """One pending notification per live subscription this release concerns."""
    if release is None:
        return 0
    public = {
        flow: change
        for flow, change in release.public_changes.items()
        if change.get("added") or change.get("changed") or change.get("deleted")
    }
    restricted = {release.flow.id: release.summary.get("load", {})}
    since = _first_load_times(conn, {**public, **restricted})
    queued = 0
    moment = precise_now()
    rows = []
    for sub in list_subscriptions(conn):
        if release.kind not in sub.events:
            continue
        if sub.dataflow == ANY_FLOW:
            flows = public
        elif sub.dataflow in public:
            flows = {sub.dataflow: public[sub.dataflow]}
        elif sub.dataflow in restricted:
            flows = restricted
        else:
            continue
        if not flows:
            continue
        payload = notification_payload(release, sub, flows, base_url or sub.base_url, since)
        rows.append(
            {
                "subscription_pk": sub.pk,
                "release_pk": release.pk,
                "payload": json.dumps(payload, sort_keys=True),
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": moment,
                "created_at": moment,
            }
        )
        queued += 1
    if rows:
        conn.execute(insert(notifications), rows)
    return queued


def _first_load_times(conn: Connection, flows: dict[str, dict]) -> dict[str, datetime]:
    """Per dataflow, one second before the earliest load a release's change names."""
    out = {}
    for flow_id, change in flows.items():
        named = change.get("loads") or [change.get("load")]
        loads = [pk for pk in named if isinstance(pk, int)]
        if not loads:
            continue
        first = conn.execute(select(func.min(data_loads.c.at)).where(data_loads.c.pk.in_(loads)))
        at = first.scalar()
        if at is not None:
            out[flow_id] = _aware(at) - timedelta(seconds=1)
    return out
