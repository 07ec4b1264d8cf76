"""Subscriptions over real HTTP: registered with tokens, notified on each release, retried.

A real registry (uvicorn on 127.0.0.1) publishes in its background worker
what the test loads into its database; a receiver on 127.0.0.1 gets the
notifications, refusing the first ones, as a harvester's endpoint may.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree
from receiver import Receiver
from registry_data import load, victims
from registry_servers import ThreadServer
from sqlalchemy import func, select

from registry.db.engine import make_engine
from registry.db.tables import data_flows, data_loads, notifications
from registry.publication.publish import publish_pending
from registry.settings import load_settings
from registry.store.structures import StructureCache
from registry.store.tokens import Role, create_token
from registry.subscriptions.delivery import DeliveryPolicy, deliver_due
from registry.subscriptions.store import create_subscription

ATOM = "{http://www.w3.org/2005/Atom}"
PUB = "DF_THB_VICTIMS_PUB"


@pytest.fixture
def quick(fresh_settings):
    """Settings of the fresh store with a worker that polls and retries quickly."""
    return load_settings(
        {},
        data_dir=fresh_settings.data_dir,
        database_url=fresh_settings.database_url,
        worker_poll_seconds=0.2,
        notification_retry_seconds=0.2,
        callback_private=True,  # the receiver listens on 127.0.0.1
    )


def _tokens(engine) -> dict[str, str]:
    with engine.begin() as conn:
        return {
            role: create_token(conn, name=f"t-{role}", role=Role(role), provider=provider)[1]
            for role, provider in (("admin", None), ("reader", "BG_NREM"), ("submitter", "AT_MOI"))
        }


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_harvester_is_notified_of_each_release_with_retries(quick, tmp_path) -> None:
    engine = make_engine(quick.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    tokens = _tokens(engine)
    with ThreadServer(quick) as server, Receiver([503, 500], hold=True) as receiver:
        api = f"{server.url}/api/subscriptions"
        body = {"dataflow": PUB, "url": receiver.url}
        assert httpx.post(api, json=body).status_code == 401
        refused = httpx.post(api, json=body, headers=_bearer(tokens["submitter"]))
        assert refused.status_code == 403 and "reader" in refused.json()["detail"]
        restricted = {"dataflow": "DF_THB_VICTIMS", "url": receiver.url}
        assert (
            httpx.post(api, json=restricted, headers=_bearer(tokens["reader"])).status_code == 403
        )
        bad = {"dataflow": PUB, "url": "file:///etc/passwd"}
        assert httpx.post(api, json=bad, headers=_bearer(tokens["reader"])).status_code == 422
        made = httpx.post(api, json=body, headers=_bearer(tokens["reader"]))
        assert made.status_code == 201, made.text
        uid = made.json()["id"]
        assert made.headers["location"] == f"/api/subscriptions/{uid}"

        # The load returns while the receiver still holds the first notification.
        load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
        assert not receiver.received
        receiver.gate.set()
        got = receiver.wait_for(3)
        assert [g["attempt"] for g in got] == ["1", "2", "3"]
        assert len({g["id"] for g in got}) == 1 and got[0]["type"] == "application/json"
        note = got[-1]["body"]
        assert note["event"] == "release" and note["subscription"] == uid
        [change] = note["changes"]
        assert change["dataflow"] == PUB and change["added"] > 0
        data = httpx.get(change["links"]["data"], timeout=30)
        assert data.status_code == 200 and len(data.content) > 1000

        mine = httpx.get(f"{api}/{uid}", headers=_bearer(tokens["reader"])).json()
        assert mine["deliveries"] == {"pending": 0, "delivered": 1, "failed": 0}
        others = httpx.get(f"{api}/{uid}", headers=_bearer(tokens["submitter"]))
        assert others.status_code == 403
        listed = httpx.get(api, headers=_bearer(tokens["admin"])).json()["subscriptions"]
        assert [s["id"] for s in listed] == [uid]

        feed = etree.fromstring(httpx.get(f"{server.url}/feeds/dataflow/{PUB}").content)
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1 and entries[0].find(f"{ATOM}category").get("term") == "release"
        everything = etree.fromstring(httpx.get(f"{server.url}/feeds/releases").content)
        assert len(everything.findall(f"{ATOM}entry")) == 1
        assert httpx.get(f"{server.url}/feeds/dataflow/DF_THB_VICTIMS").status_code == 404

        gone = httpx.delete(f"{api}/{uid}", headers=_bearer(tokens["reader"]))
        assert gone.status_code == 204
        assert httpx.get(f"{api}/{uid}", headers=_bearer(tokens["reader"])).status_code == 404
    engine.dispose()


def test_two_deliverers_send_each_notification_once(fresh_settings, tmp_path) -> None:
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    with Receiver() as receiver:
        with engine.begin() as conn:
            for _ in range(6):
                create_subscription(
                    conn, owner="tests", token_pk=None, dataflow="*", url=receiver.url
                )
        load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
        load(engine, structures, victims(structures, "BG_NREM"), tmp_path, provider="BG_NREM")
        publish_pending(engine)
        policy = DeliveryPolicy(batch=50, allow_private=True)
        sent: list[int] = []

        def deliver(name: str) -> None:
            with httpx.Client() as client:
                sent.append(deliver_due(engine, client, policy, worker=name))

        threads = [threading.Thread(target=deliver, args=(f"w{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        got = receiver.wait_for(12)
        with engine.connect() as conn:
            statuses = dict(
                conn.execute(
                    select(notifications.c.status, func.count()).group_by(notifications.c.status)
                ).all()
            )
    assert sum(sent) == 12 and statuses == {"delivered": 12}
    assert sorted(int(g["id"]) for g in got) == sorted({int(g["id"]) for g in got})
    engine.dispose()


def test_the_data_link_starts_just_before_the_releases_first_public_load(
    fresh_settings, tmp_path
) -> None:
    """``updatedAfter`` is strict and a public load may share the release's second:
    the link must start before the first load the release wrote in that dataflow."""
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    with engine.begin() as conn:
        create_subscription(conn, owner="tests", token_pk=None, dataflow="*", url="http://h/")
    load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
    publish_pending(engine)
    with engine.connect() as conn:
        [payload] = conn.execute(select(notifications.c.payload)).scalars().all()
        changes = json.loads(payload)["changes"]
        assert {c["dataflow"] for c in changes} >= {PUB}
        for change in changes:
            since = datetime.fromisoformat(change["links"]["data"].split("updatedAfter=")[1])
            first = conn.execute(
                select(func.min(data_loads.c.at))
                .join(data_flows, data_flows.c.pk == data_loads.c.flow_pk)
                .where(data_flows.c.id == change["dataflow"])
            ).scalar()
            first = first.replace(tzinfo=UTC) if first.tzinfo is None else first
            assert since == first - timedelta(seconds=1), change
    engine.dispose()


def test_callbacks_into_the_registrys_own_network_are_refused(fresh_settings, tmp_path) -> None:
    """A reader cannot make the registry call loopback or metadata addresses: refused
    when subscribing, and a row that names one anyway is never POSTed to."""
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    tokens = _tokens(engine)
    with ThreadServer(fresh_settings) as server, Receiver() as receiver:
        api = f"{server.url}/api/subscriptions"
        for url in (receiver.url, "http://169.254.169.254/latest/meta-data/"):
            refused = httpx.post(
                api, json={"dataflow": PUB, "url": url}, headers=_bearer(tokens["reader"])
            )
            assert refused.status_code == 422, refused.text
            assert "public addresses only" in refused.json()["detail"]
        listed = httpx.get(api, headers=_bearer(tokens["admin"])).json()["subscriptions"]
        assert listed == []
    with Receiver() as receiver_again:
        with engine.begin() as conn:
            create_subscription(
                conn, owner="tests", token_pk=None, dataflow="*", url=receiver_again.url
            )
        load(engine, structures, victims(structures, "AT_MOI"), tmp_path, provider="AT_MOI")
        publish_pending(engine)
        with httpx.Client() as client:
            assert deliver_due(engine, client, DeliveryPolicy()) == 0
        with engine.connect() as conn:
            errors = conn.execute(select(notifications.c.last_error)).scalars().all()
        assert errors and all("loopback" in e for e in errors)
        assert receiver_again.received == []
    engine.dispose()
