"""Load the registry's structure API the way harvesters do, on SQLite and PostgreSQL.

    python benchmarks/registry_load.py                          # both databases
    python benchmarks/registry_load.py --databases sqlite --requests 4000

For each database: a store is prepared (migrations, THB structures), the
registry starts as ``uvicorn registry.app:create_app --workers 2`` on
127.0.0.1, and a second process (this one) sends ``--concurrency`` parallel
request streams over loopback: a dataflow with its descendants (SDMX-ML 2.1),
a codelist (SDMX-ML 3.0), and the dataflow again with ``If-None-Match`` (304).

The load comes from ``wrk`` (Debian package ``wrk``: one C thread, so the
client takes little of a small machine's CPU) for ``--seconds`` per scenario,
or, without wrk, from an asyncio/httpx client sending ``--requests``. Both
print p50/p90/p99 and requests per second; the server's CPU time per request
(user + system of the uvicorn processes, from /proc) is printed too, as the
figure least disturbed by other work on a shared machine. Bounded, 127.0.0.1
only. PostgreSQL: a database of its own at ``--postgres`` is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "dataflow+descendants": (
        "/sdmx/2.1/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?references=descendants",
        {"Accept-Encoding": "gzip"},
    ),
    "codelist": ("/sdmx/3.0/structure/codelist/MOSY/CL_GEO/1.0.0", {"Accept-Encoding": "gzip"}),
    "304 not modified": (
        "/sdmx/2.1/dataflow/MOSY/DF_THB_VICTIMS/1.0.0?references=descendants",
        {"Accept-Encoding": "gzip"},
    ),
}
TARGETS = {"dataflow+descendants": (10, 50), "codelist": (10, 50), "304 not modified": (3, None)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path, database_url: str | None) -> dict[str, str]:
    from registry.bootstrap import prepare_store
    from registry.settings import load_settings

    env = {"MOSY_DATA_DIR": str(folder)}
    if database_url:
        env["MOSY_DATABASE_URL"] = database_url
    settings = load_settings(env)
    prepare_store(settings).engine.dispose()
    return env


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "registry.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the registry did not start")


async def load(
    base: str, path: str, headers: dict, requests: int, concurrency: int, conditional: bool
) -> tuple[list[float], float, set[int]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        warm = await client.get(path, headers=headers)
        headers = dict(headers)
        if conditional:
            headers["If-None-Match"] = warm.headers["etag"]
        for _ in range(3 * concurrency):  # every worker renders and caches once
            await client.get(path, headers=headers)
        latencies: list[float] = []
        statuses: set[int] = set()
        remaining = requests

        async def stream() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.get(path, headers=headers)
                await response.aread()
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.add(response.status_code)

        started = time.perf_counter()
        await asyncio.gather(*(stream() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, statuses


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (the uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids.extend(int(c) for c in children)
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


_WRK_PERCENTILE = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(base: str, path: str, headers: dict, seconds: int, concurrency: int) -> dict:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, base + path], capture_output=True, text=True, check=True)
    figures = {int(q): float(v) * _UNIT[u] for q, v, u in _WRK_PERCENTILE.findall(out.stdout)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))
    total = int(re.search(r"(\d+) requests in", out.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    return {
        "p50": figures[50],
        "p90": figures[90],
        "p99": figures[99],
        "rate": rate,
        "requests": total,
        "errors": int(bad.group(1)) if bad else 0,
    }


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(base: str, name: str, args) -> dict:
    path, headers = SCENARIOS[name]
    headers = dict(headers)
    warm = httpx.get(base + path, headers=headers, timeout=60)
    if name.startswith("304"):
        headers["If-None-Match"] = warm.headers["etag"]
    for _ in range(4 * args.workers):  # every worker renders and caches once
        httpx.get(base + path, headers=headers, timeout=60)
    if shutil.which("wrk") and not args.python_client:
        return wrk(base, path, headers, args.seconds, args.concurrency)
    latencies, elapsed, statuses = asyncio.run(
        load(base, path, headers, args.requests, args.concurrency, False)
    )
    return {
        "p50": percentile(latencies, 50),
        "p90": percentile(latencies, 90),
        "p99": percentile(latencies, 99),
        "rate": len(latencies) / elapsed,
        "requests": len(latencies),
        "errors": len(statuses - {200, 304}),
    }


def main() -> None:
    from _stores import store_url

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=10, help="per scenario, with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="per scenario, without wrk")
    parser.add_argument("--python-client", action="store_true", help="use httpx, not wrk")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    rows = []
    for database in args.databases:
        with (
            tempfile.TemporaryDirectory() as tmp,
            store_url(database, "mosy_bench_load", args.postgres) as database_url,
        ):
            env = prepare(Path(tmp), database_url)
            port = free_port()
            server = start_server(env, port, args.workers)
            try:
                for name in SCENARIOS:
                    before = cpu_seconds(server.pid)
                    load_before = os.getloadavg()[0]
                    figures = measure(f"http://127.0.0.1:{port}", name, args)
                    figures["cpu_ms"] = (
                        (cpu_seconds(server.pid) - before) * 1000 / max(figures["requests"], 1)
                    )
                    figures["load"] = (load_before, os.getloadavg()[0])
                    rows.append((database, name, figures))
            finally:
                server.terminate()
                server.wait(timeout=30)
    client = "wrk" if shutil.which("wrk") and not args.python_client else "httpx"
    print(
        f"\n{args.workers} workers, concurrency {args.concurrency}, client {client} in a "
        f"second process over loopback; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores\n"
    )
    print(
        "| database | query | p50 ms | p90 ms | p99 ms | req/s | server CPU ms/req | errors |"
        " load avg (1 min) | target p50/p99 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for database, name, f in rows:
        target = TARGETS[name]
        shown = f"≤{target[0]} / ≤{target[1]}" if target[1] else f"≤{target[0]} / -"
        print(
            f"| {database} | {name} | {f['p50']:.1f} | {f['p90']:.1f} | {f['p99']:.1f} | "
            f"{f['rate']:.0f} | {f['cpu_ms']:.2f} | {f['errors']} | "
            f"{f['load'][0]:.1f}–{f['load'][1]:.1f} | {shown} |"
        )


if __name__ == "__main__":
    main()
