"""Submission benchmark: a data file submitted end to end over HTTP, on SQLite and PostgreSQL.

    python benchmarks/submissions.py                          # 100k, both databases
    python benchmarks/submissions.py --sizes 100000 --dbs sqlite

Per database and size: a registry process (``uvicorn registry.app:create_app``,
one worker, its publication worker on) on 127.0.0.1 over a fresh store; one
provider's valid victims data (``valid_victims``: realistic counts, every
total the sum of its parts; up to 101k rows one national provider's area,
beyond that a provider of 42 areas with a citizenship breakdown) as
SDMX-CSV 2.0 is POSTed to ``/api/submissions``. Timed:

- accepted: upload, parse, validate (provider constraints, THB rules), store,
  log, keep the original file, release and registration: until the 201;
- published: until the release is published (public flows recomputed with
  disclosure control; the publication worker of the same process);
- harvester latency: a structure query and a public data query, repeated
  (every 20 ms) from the upload's start to the 201, against the same queries
  on an idle registry.

Targets: 100k observations in 3 s end to end, 1M in 20 s. The machine may be
shared: the load average is printed before and after, and the server's CPU time
(with its publication pool's processes, ``MOSY_PUBLISH_PROCESSES``, which the
server takes from this process's environment; printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
TARGETS = {100_000: 3.0, 1_000_000: 20.0}
HARVEST = (
    "/sdmx/3.0/structure/dataflow/MOSY/DF_THB_VICTIMS/*?references=descendants",
    "/sdmx/3.0/data/dataflow/MOSY/DF_THB_VICTIMS_PUB/*/A.PT.*.*.*.*.*.*?format=csvfile",
)


#: Rows one national provider's area holds in ``one_provider``'s shape.
ONE_AREA = 101_088


def provider_of(n_obs: int) -> str:
    """Who submits ``n_obs`` rows: PT_NREM up to one area's table, else a many-area provider."""
    from disclosure_tables import MANY_AREAS_PROVIDER

    return "PT_NREM" if n_obs <= ONE_AREA else MANY_AREAS_PROVIDER


def valid_victims(n_obs: int, area: str = "PT"):
    """About ``n_obs`` rows of one provider's valid victims table.

    Up to ``ONE_AREA`` rows, PT_NREM's (REF_AREA ``area``): the full
    PERS_STAT × SEX × AGE × EXPLOIT cube per data source and year
    (``disclosure_tables.one_provider``). Beyond, OSCE's 42 countries with
    the children's ages and a citizenship breakdown (``several_areas``). Realistic
    counts, every total the sum of its parts, so validation checks real sums and
    disclosure control has small cells to suppress and totals to protect.
    """
    from disclosure_tables import one_provider, several_areas

    from mosy_sdmx.dataset import Dataset
    from mosy_sdmx.structures import builtin_structures

    layout = builtin_structures().layout("DF_THB_VICTIMS")
    provider = provider_of(n_obs)
    frame = one_provider(n_obs, area=area) if provider == "PT_NREM" else several_areas(n_obs)
    for dim in layout.dimensions:  # the cube leaves the other breakdowns at their totals
        if dim not in frame.columns:
            frame.insert(frame.columns.get_loc("EXPLOIT"), dim, "TOTAL")
    return Dataset(
        frame,
        structure_urn=layout.structure_urn,
        provider=provider,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )


def _tree(pid: int) -> list[int]:
    """The process and its descendants (its publication pool's processes), Linux /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        todo += children
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (Linux /proc; NaN elsewhere)."""
    total = 0.0
    for one in _tree(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if one == pid:
                return float("nan")
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory so far of a process plus its descendants', in MB (Linux /proc;
    NaN elsewhere): an upper bound when the descendants peaked at other moments."""
    peaks = []
    for one in _tree(pid):
        try:
            lines = Path(f"/proc/{one}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")]
    return sum(peaks) if peaks else float("nan")


def _hidden_share(url: str) -> tuple[int, float]:
    """Public rows of PT (in either provider's data) and the share of them suppressed."""
    import io

    import pandas as pd

    answer = httpx.get(url + HARVEST[1], timeout=600)
    answer.raise_for_status()
    public = pd.read_csv(io.StringIO(answer.text), dtype=str)
    return len(public), float((public["OBS_STATUS"] == "Q").mean()) if len(public) else 0.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _latencies(url: str, stop: threading.Event, out: list[float], limit: int = 20_000) -> None:
    with httpx.Client(timeout=120) as client:
        n = 0
        while not stop.is_set() and n < limit:
            started = time.perf_counter()
            client.get(url + HARVEST[n % len(HARVEST)])
            out.append((time.perf_counter() - started) * 1000)
            n += 1
            time.sleep(0.02)  # a harvester polls; it does not flood


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run(kind: str, n_obs: int, folder: Path, publish_wait: float = 1800) -> dict:
    from _stores import store_url

    import mosy_sdmx as ms
    from registry.bootstrap import prepare_store
    from registry.settings import load_settings
    from registry.store.tokens import Role, create_token

    with store_url(kind, "mosy_bench_sub") as database_url:
        server = None
        try:
            data_dir = folder / f"{kind}-{n_obs}"
            settings = load_settings({}, data_dir=data_dir, database_url=database_url)
            engine = prepare_store(settings).engine
            with engine.begin() as conn:
                _, submitter = create_token(
                    conn, name="b", role=Role.SUBMITTER, provider=provider_of(n_obs)
                )
                _, admin = create_token(conn, name="a", role=Role.ADMIN)
            engine.dispose()
            path = folder / f"victims-{n_obs}.csv"
            if not path.exists():
                ms.write_data(valid_victims(n_obs), path, "sdmx-csv-2.0", flow="DF_THB_VICTIMS")
            port = _free_port()
            env = {**os.environ, "MOSY_DATA_DIR": str(data_dir), "MOSY_LOG_LEVEL": "warning",
                   "MOSY_WORKER_POLL_SECONDS": "0.2"}  # fmt: skip
            if database_url:
                env["MOSY_DATABASE_URL"] = database_url
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "registry.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                env=env,
            )  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(url + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            idle: list[float] = []
            _latencies(url, threading.Event(), idle, limit=40)
            busy: list[float] = []
            stop = threading.Event()
            harvester = threading.Thread(target=_latencies, args=(url, stop, busy))
            harvester.start()
            cpu_start = _cpu_seconds(server.pid)
            started = time.perf_counter()
            with open(path, "rb") as handle:
                answer = httpx.post(
                    url + "/api/submissions",
                    files={"file": (path.name, handle, "text/csv")},
                    data={"flow": "DF_THB_VICTIMS"},
                    headers={"Authorization": f"Bearer {submitter}"},
                    timeout=900,
                )
            accepted = time.perf_counter() - started
            cpu_accepted = _cpu_seconds(server.pid) - cpu_start
            stop.set()
            harvester.join()
            assert answer.status_code == 201, answer.text[:500]
            receipt = answer.json()
            release = receipt["release"]
            published = None
            while time.perf_counter() - started < publish_wait:
                state = httpx.get(
                    f"{url}/api/releases/{release}",
                    headers={"Authorization": f"Bearer {admin}"},
                    timeout=60,
                ).json()
                if state.get("published"):
                    published = time.perf_counter() - started
                    break
                time.sleep(0.2)
            cpu_published = _cpu_seconds(server.pid) - cpu_start
            peak_mb = _peak_rss_mb(server.pid)
            public_rows, hidden = _hidden_share(url) if published else (0, float("nan"))
            return {
                "database": kind,
                "cpu_accepted_s": cpu_accepted,
                "cpu_published_s": cpu_published,
                "peak_mb": peak_mb,
                "public_rows": public_rows,
                "hidden_share": hidden,
                "observations": receipt["counts"]["rows"],
                "size_mb": path.stat().st_size / 1e6,
                "accepted_s": accepted,
                "published_s": published,
                "idle_p50_ms": _p(idle, 50),
                "busy_p50_ms": _p(busy, 50),
                "busy_p95_ms": _p(busy, 95),
            }
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:  # still publishing a large release
                    server.kill()
                    server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument(
        "--publish-wait", type=float, default=1800, help="Seconds to wait for the publication."
    )
    args = parser.parse_args()
    processes = os.environ.get("MOSY_PUBLISH_PROCESSES", f"{os.cpu_count()} (default)")
    print(
        f"load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs); "
        f"MOSY_PUBLISH_PROCESSES {processes}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n_obs in args.sizes:
            for kind in args.dbs:
                r = run(kind, n_obs, Path(tmp), args.publish_wait)
                target = TARGETS.get(n_obs)
                verdict = "" if target is None else (
                    f" (target {target:.0f} s: {'met' if r['accepted_s'] <= target else 'MISSED'})"
                )  # fmt: skip
                published = (
                    f"{r['published_s']:.1f} s"
                    if r["published_s"]
                    else f"not within {args.publish_wait:.0f} s"
                )
                print(
                    f"{r['database']:10} {r['observations']:>9,} obs ({r['size_mb']:.0f} MB): "
                    f"accepted {r['accepted_s']:6.1f} s{verdict}; published {published}; "
                    f"harvester p50 {r['idle_p50_ms']:.0f} ms idle, {r['busy_p50_ms']:.0f} ms "
                    f"(p95 {r['busy_p95_ms']:.0f}) during; server CPU {r['cpu_accepted_s']:.1f} s "
                    f"to accepted, {r['cpu_published_s']:.1f} s to published (incl. harvester "
                    f"queries), peak RSS {r['peak_mb']:,.0f} MB; "
                    f"{r['public_rows']:,} public rows of PT, "
                    f"{r['hidden_share']:.1%} hidden; "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
