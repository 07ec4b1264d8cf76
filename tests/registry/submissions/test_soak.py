"""Two providers submitting while harvesters poll, on two registry processes sharing
one store: nothing lost, no error. Bounded loops on 127.0.0.1.

The normal suite runs a few rounds; ``MOSY_SOAK_ROUNDS=50`` runs a long soak.
"""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import urlsplit

import httpx
from registry_servers import ProcessServer
from submission_data import FLOW

import mosy_sdmx as ms

ROUNDS = int(os.environ.get("MOSY_SOAK_ROUNDS", "3"))
PROVIDERS = {"AT_MOI": "at", "BG_NREM": "bg"}
HARVESTS = (
    f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}_PUB/*/*",
    "/feeds/releases",
    "/api/releases",
    "/sdmx/3.0/structure/dataflow/MOSY/*/*",
)
TIMEOUT = 120


def test_two_providers_submit_while_harvesters_poll(desk) -> None:
    files = {
        provider: [desk.victims_file(provider, seed=100 + n) for n in range(ROUNDS)]
        for provider in PROVIDERS
    }
    problems: list[str] = []
    receipts: dict[str, list[dict]] = {provider: [] for provider in PROVIDERS}
    harvested = 0
    done = threading.Event()
    with ProcessServer(desk.settings) as one, ProcessServer(desk.settings) as two:
        servers = [one.url, two.url]

        def submitter(provider: str, token: str, index: int) -> None:
            with httpx.Client(timeout=TIMEOUT) as client:
                for n, path in enumerate(files[provider]):
                    url = servers[(n + index) % 2]
                    try:
                        answer = client.post(
                            url + "/api/submissions",
                            files={"file": (path.name, path.read_bytes(), "text/csv")},
                            data={"flow": FLOW},
                            headers=desk.headers(token),
                        )
                    except httpx.HTTPError as exc:
                        problems.append(f"{provider} round {n}: {exc!r}")
                        continue
                    if answer.status_code != 201:
                        problems.append(f"{provider} round {n}: {answer.status_code} {answer.text}")
                    else:
                        receipts[provider].append(answer.json())

        def harvester(index: int) -> None:
            nonlocal harvested
            with httpx.Client(timeout=TIMEOUT) as client:
                n = 0
                etags: dict[str, str] = {}
                while not done.is_set() and n < 2000:
                    path = HARVESTS[n % len(HARVESTS)]
                    url = servers[(n + index) % 2] + path
                    headers = {"If-None-Match": etags[path]} if path in etags else {}
                    try:
                        answer = client.get(url, headers=headers)
                    except httpx.HTTPError as exc:
                        problems.append(f"harvester {index} {path}: {exc!r}")
                        break
                    if answer.status_code >= 500 or answer.status_code in (400, 401, 403):
                        problems.append(f"harvester {index} {path}: {answer.status_code}")
                    if "etag" in answer.headers:
                        etags[path] = answer.headers["etag"]
                    harvested += 1
                    n += 1
                    time.sleep(0.01)

        workers = [
            threading.Thread(target=submitter, args=(provider, token, i))
            for i, (provider, token) in enumerate(PROVIDERS.items())
        ]
        readers = [threading.Thread(target=harvester, args=(i,)) for i in range(3)]
        for thread in readers + workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=600)
        done.set()
        for thread in readers:
            thread.join(timeout=60)
        assert not problems, "\n".join(problems[:10])
        assert harvested > 0
        admin = desk.headers("admin")
        log = httpx.get(one.url + "/api/submissions", params={"limit": 500}, headers=admin).json()
        for provider in PROVIDERS:
            assert len(receipts[provider]) == ROUNDS
            ids = {r["id"] for r in receipts[provider]}
            logged = {i["id"] for i in log["items"] if i["provider"] == provider}
            assert ids == logged, provider
            # what the store holds is the provider's last file, read through the other process
            last = receipts[provider][-1]
            data = httpx.get(
                two.url + urlsplit(last["links"]["data"]).path, headers=admin, timeout=TIMEOUT
            )
            assert data.status_code == 200
            stored = httpx.get(
                f"{two.url}/sdmx/2.1/data/{FLOW}/all/{provider}",
                headers={**admin, "Accept": "application/vnd.sdmx.data+csv;version=2.0.0"},
                timeout=TIMEOUT,
            )
            assert stored.status_code == 200, stored.text[:300]
            held = ms.read_data(stored.content, desk.structures, flow=FLOW).data
            sent = ms.read_data(files[provider][-1], desk.structures, flow=FLOW).data
            assert len(held) == len(sent) == last["counts"]["rows"]
            assert sorted(held["OBS_VALUE"].astype(float)) == sorted(
                sent["OBS_VALUE"].astype(float)
            )
        loads = desk.count("data_loads")
        accepted = sum(len(r) for r in receipts.values())
        assert loads >= accepted  # every submission's load (and the publications')
