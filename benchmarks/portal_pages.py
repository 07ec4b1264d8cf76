"""Portal page benchmark: every page's latency with 1M observations stored, real HTTP.

    python benchmarks/portal_pages.py                       # SQLite and PostgreSQL, 1M
    python benchmarks/portal_pages.py --dbs sqlite --observations 200000

For each database: 1M THB victims observations stored in the public dataflow
DF_THB_VICTIMS_PUB (the explorer's), a ``uvicorn`` registry with one worker,
then for each page a warm-up request and ``--requests`` sequential requests
over one keep-alive connection, reporting p50 and p99 (ms) against the
issue's target of 100 ms p50, and the first request's time (where a process's
caches fill: the dashboard's first view after a release reads and shapes the
public data there). Pages of the partner and admin areas are
fetched with a signed-in session. The machine may be shared: the figures
carry that noise (the load average is printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PUBLIC = "DF_THB_VICTIMS_PUB"
TARGET_MS = 100.0

PAGES = [
    ("home", "/", None),
    ("structures index", "/structures", None),
    ("structure search", "/structures?q=labour", None),
    ("codelist CL_GEO", "/structures/codelist/MOSY/CL_GEO/1.0.0", None),
    ("data structure", "/structures/datastructure/MOSY/DSD_THB_PERSONS/1.0.0", None),
    ("explore index", "/explore", None),
    ("explorer, everything", f"/explore/{PUBLIC}", None),
    ("explorer, F 2015-2020", f"/explore/{PUBLIC}?SEX=F&start=2015&end=2020", None),
    ("explorer, two sexes", f"/explore/{PUBLIC}?SEX=F&SEX=M", None),
    ("explorer, page 200", f"/explore/{PUBLIC}?page=200", None),
    ("explorer, sorted by SEX", f"/explore/{PUBLIC}?sort=SEX&order=desc", None),
    ("explorer, sorted by value", f"/explore/{PUBLIC}?sort=OBS_VALUE&order=desc", None),
    ("explorer, no data", f"/explore/{PUBLIC}?REF_AREA=FR", None),
    ("dashboard", "/dashboard", None),
    ("dashboard, breakdowns of 2015", "/dashboard?year=2015", None),
    ("dashboard map", "/dashboard/map", None),
    ("dashboard map, 2015", "/dashboard/map?year=2015", None),
    ("dashboard CSV download", "/dashboard/figures/victims.csv", None),
    ("sign-in page", "/partner", None),
    ("partner home", "/partner", "partner"),
    ("admin tokens", "/admin/tokens", "admin"),
    ("admin providers", "/admin/providers", "admin"),
    ("admin change log", "/admin/changes", "admin"),
    ("admin subscriptions", "/admin/subscriptions", "admin"),
    ("admin suppression audit", "/admin/audit", "admin"),
]


def signed_in_client(url: str, secret: str):
    import httpx

    client = httpx.Client(base_url=url, headers={"Accept": "text/html"}, timeout=60)
    page = client.get("/partner").text
    csrf = unescape(re.search(r'name="csrf_token" value="([^"]+)"', page)[1])
    answer = client.post("/partner/sign-in", data={"token": secret, "csrf_token": csrf})
    assert answer.status_code == 303, answer.text[:500]
    return client


def time_page(client, path: str, requests: int) -> dict:
    started = time.perf_counter()
    answer = client.get(path)  # warm-up: caches of the process fill here
    first = (time.perf_counter() - started) * 1000
    assert answer.status_code < 500, (path, answer.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "status": answer.status_code,
        "first_ms": first,
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "bytes": len(answer.content),
    }


def run_db(kind: str, n_obs: int, requests: int, folder: Path) -> dict:
    import httpx
    from _stores import store_url
    from registry_data import Server
    from thb_data import PROVIDER, make_dataset

    from registry.bootstrap import prepare_store
    from registry.settings import load_settings
    from registry.store.changes import Actor
    from registry.store.observations import store_dataset
    from registry.store.structures import StructureCache
    from registry.store.tokens import Role, create_token

    with store_url(kind, "mosy_bench_portal") as database_url:
        settings = load_settings({}, data_dir=folder / f"data-{kind}", database_url=database_url)
        engine = prepare_store(settings).engine
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
        dataset = make_dataset(n_obs)
        started = time.perf_counter()
        with engine.begin() as conn:
            result = store_dataset(
                conn,
                dataset,
                layout=structures.layout(PUBLIC),
                provider=PROVIDER,
                actor=Actor("bench"),
            )
            _, admin_secret = create_token(conn, name="bench-admin", role=Role.ADMIN)
            _, partner_secret = create_token(
                conn, name="bench-partner", role=Role.SUBMITTER, provider=PROVIDER
            )
        print(
            f"[{kind}] stored {result.added:,} observations in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        engine.dispose()
        out: dict = {"database": kind, "observations": result.added, "pages": {}}
        with Server(settings.data_dir, database_url, workers=1) as server:
            clients = {
                None: httpx.Client(
                    base_url=server.url, headers={"Accept": "text/html"}, timeout=60
                ),
                "partner": signed_in_client(server.url, partner_secret),
                "admin": signed_in_client(server.url, admin_secret),
            }
            for label, path, who in PAGES:
                figures = time_page(clients[who], path, requests)
                out["pages"][label] = figures
                print(
                    f"[{kind}] {label:28} p50 {figures['p50_ms']:7.1f} ms  "
                    f"p99 {figures['p99_ms']:7.1f} ms  (first {figures['first_ms']:.0f} ms)",
                    flush=True,
                )
            for client in clients.values():
                client.close()
        out["load_average"] = os.getloadavg()
        return out


def report(results: list[dict]) -> None:
    print("\nportal page latency, ms (target: p50 <= 100 ms; shared machine, noisy)\n")
    print(f"{'':30}" + "".join(f"{r['database'] + ' p50/p99':>22}" for r in results))
    for label, _, _ in PAGES:
        cells = []
        for r in results:
            f = r["pages"][label]
            mark = "" if f["p50_ms"] <= TARGET_MS else " !"
            cells.append(f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f}{mark}")
        print(f"{label:30}" + "".join(f"{c:>22}" for c in cells))
    for r in results:
        load = ", ".join(f"{x:.1f}" for x in r["load_average"])
        print(f"{r['database']}: {r['observations']:,} observations; load average {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.dbs:
            results.append(run_db(kind, args.observations, args.requests, Path(tmp)))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
