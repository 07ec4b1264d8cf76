"""Registry data benchmark: 1M observations in one dataflow, 2 workers, real HTTP.

    python benchmarks/registry_data.py                      # SQLite and PostgreSQL, 1M
    python benchmarks/registry_data.py --dbs sqlite --observations 200000

For each database: bulk load (read + validate + store, timed by phase), then a
``uvicorn`` registry with 2 workers, and a load generator in a second process
over loopback measuring:

- a key slice of about 1,000 observations (p50, p99 at concurrency 8);
- the whole dataflow as SDMX-CSV 2.0 and as SDMX-ML 2.1 structure-specific
  (observations per second to the client; the server workers' RSS growth);
- ``updatedAfter`` returning 1,000 changed observations out of 1M (p50);
- a ``304`` answer to ``If-None-Match`` (p50);

and the same reads as plain SQL over the same tables (the floor), printing the
ratios. The generated values are random, so the THB additivity checks find
errors in them: validation is timed in full, then the data is stored with the
store's own function (the load path itself would reject it).

The machine may be shared: the figures carry that noise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FLOW = "DF_THB_VICTIMS"
CSV2 = "application/vnd.sdmx.data+csv;version=2.0.0"
SS21 = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"


# -- the load generator (a second process) ---------------------------------------------------


def client_main(args: argparse.Namespace) -> None:
    """Run one measurement against a server and print JSON."""
    import httpx

    url = args.url
    if args.what == "latency":
        headers = json.loads(args.headers or "{}")
        urls = json.loads(Path(args.urls).read_text()) if args.urls else [url]
        timings: list[float] = []
        sizes: list[int] = []
        lock = threading.Lock()

        def one(worker: int) -> None:
            with httpx.Client(timeout=120) as client:
                for i in range(args.requests // args.concurrency):
                    target = urls[(i * args.concurrency + worker) % len(urls)]
                    started = time.perf_counter()
                    response = client.get(target, headers=headers)
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings.append(elapsed)
                        sizes.append(response.status_code)

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, range(args.concurrency)))
        timings.sort()
        print(
            json.dumps(
                {
                    "p50_ms": 1000 * statistics.median(timings),
                    "p99_ms": 1000 * timings[int(0.99 * (len(timings) - 1))],
                    "n": len(timings),
                    "statuses": sorted(set(sizes)),
                }
            )
        )
    else:  # stream: the whole answer, counted line by line
        started = time.perf_counter()
        total = 0
        lines = 0
        headers = json.loads(args.headers or "{}") | {"accept": args.accept}
        with httpx.stream("GET", url, headers=headers, timeout=600) as response:
            for chunk in response.iter_raw(1 << 20):
                total += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "bytes": total, "lines": lines}))


def measure(url: str, what: str, server: Server | None = None, **options) -> dict:
    """Run the load generator in a second process; with ``server``, its CPU time too."""
    cmd = [sys.executable, __file__, "client", "--url", url, "--what", what]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    before = server.cpu_seconds() if server else 0.0
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    if server is not None:
        got["server_cpu_s"] = server.cpu_seconds() - before
        if "n" in got:
            got["server_cpu_ms_per_request"] = 1000 * got["server_cpu_s"] / got["n"]
    return got


# -- server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``uvicorn registry.app:create_app`` with 2 workers, on its own port."""

    def __init__(self, data_dir: Path, database_url: str | None, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, MOSY_DATA_DIR=str(data_dir), MOSY_LOG_LEVEL="warning")
        if database_url:
            env["MOSY_DATABASE_URL"] = database_url
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "registry.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
             "--log-level", "warning"],
            env=env,
        )  # fmt: skip

    def __enter__(self) -> Server:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    time.sleep(1)  # let the second worker finish starting
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its workers (not the database server's)."""
        tick = os.sysconf("SC_CLK_TCK")
        pids = [self.process.pid]
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def workers_rss_mb(self) -> float:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        total = 0.0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        return total


# -- the run ------------------------------------------------------------------------------------


SLICE_DIMENSIONS = (
    ("DATA_SOURCE", "SEX", "AGE"),
    ("DATA_SOURCE", "PERS_STAT", "SEX"),
    ("DATA_SOURCE", "SEX", "EXPLOIT"),
    ("DATA_SOURCE", "PERS_STAT", "AGE"),
)


def pick_slice(data, layout, target: int = 1000) -> tuple[str, int]:
    """A v2 key whose slice holds about ``target`` observations."""
    frame = data.data
    best = None
    for dims in SLICE_DIMENSIONS:
        counts = frame.groupby(list(dims), observed=True).size()
        codes, n = min(counts.items(), key=lambda item: abs(item[1] - target))
        if best is None or abs(n - target) < abs(best[2] - target):
            best = (dims, codes, n)
    dims, codes, n = best
    chosen = dict(zip(dims, codes, strict=True))
    key = ".".join(chosen.get(d, "*") for d in layout.dimensions)
    return key, int(n)


def distinct_slices(data, layout, target: int, count: int = 400) -> list[str]:
    """Up to ``count`` different v2 keys of about ``target`` observations each (so that no
    answer is served twice: the cold path)."""
    frame = data.data
    keys: list[str] = []
    for dims in SLICE_DIMENSIONS:
        counts = frame.groupby(list(dims), observed=True).size()
        for codes, n in counts.items():
            if 0.5 * target <= n <= 1.5 * target:
                chosen = dict(zip(dims, codes, strict=True))
                keys.append(".".join(chosen.get(d, "*") for d in layout.dimensions))
    periods = ["", "?startPeriod=2009", "?startPeriod=2010", "?endPeriod=2024"]
    out = [key + p for p in periods for key in keys]
    return out[:count]


def run_db(kind: str, n_obs: int, folder: Path) -> dict:
    from _stores import store_url
    from thb_data import make_dataset

    import mosy_sdmx as ms
    from registry.bootstrap import prepare_store
    from registry.settings import load_settings
    from registry.store.changes import Actor
    from registry.store.observations import store_dataset
    from registry.store.structures import StructureCache
    from registry.store.tokens import Role, create_token

    results: dict = {"database": kind, "observations": n_obs}
    data_dir = folder / f"data-{kind}"
    with store_url(kind, "mosy_bench_data") as database_url:
        settings = load_settings({}, data_dir=data_dir, database_url=database_url)
        engine = prepare_store(settings).engine
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
        with engine.begin() as conn:  # DF_THB_VICTIMS is restricted: read as an admin
            secret = create_token(conn, name="bench", role=Role.ADMIN)[1]
        auth = {"authorization": f"Bearer {secret}"}
        layout = structures.layout(FLOW)
        dataset = make_dataset(n_obs)
        path = folder / "victims.csv"
        if not path.exists():
            ms.write_data(dataset, path, "sdmx-csv-2.0", structures, flow=FLOW)

        started, cpu = time.perf_counter(), time.process_time()
        read = ms.read_data(path, structures, flow=FLOW)
        t_read, c_read = time.perf_counter() - started, time.process_time() - cpu
        report = ms.validate(read, structures, provider="PT_NREM")
        t_validate = time.perf_counter() - started - t_read
        c_validate = time.process_time() - cpu - c_read
        with engine.begin() as conn:
            store_dataset(conn, read, layout=layout, provider="PT_NREM", actor=Actor("bench"))
        t_total, c_total = time.perf_counter() - started, time.process_time() - cpu
        results["load"] = {
            "read_s": t_read,
            "validate_s": t_validate,
            "store_s": t_total - t_read - t_validate,
            "total_s": t_total,
            "cpu_read_s": c_read,
            "cpu_validate_s": c_validate,
            "cpu_store_s": c_total - c_read - c_validate,
            "cpu_total_s": c_total,
            "issues": report.stats.get("counts", {}),
        }
        print(f"[{kind}] bulk load {n_obs}: {t_total:.1f} s", flush=True)

        key, slice_n = pick_slice(read, layout)
        base = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/1.0.0"
        with Server(data_dir, database_url) as server:
            slice_url = f"{server.url}{base}/{key}"
            results["slice"] = {"key": key, "observations": slice_n} | measure(
                slice_url, "latency", server, requests=400, concurrency=8,
                headers=json.dumps({"accept": CSV2, **auth}),
            )  # fmt: skip
            print(f"[{kind}] slice {results['slice']}", flush=True)
            urls = folder / f"slices-{kind}.json"
            cold = distinct_slices(read, layout, slice_n)
            urls.write_text(json.dumps([f"{server.url}{base}/{k}" for k in cold]))
            results["slice_cold"] = {"queries": len(cold)} | measure(
                slice_url, "latency", server, requests=len(cold), concurrency=8,
                headers=json.dumps({"accept": CSV2, **auth}), urls=urls,
            )  # fmt: skip
            print(f"[{kind}] slice, distinct queries {results['slice_cold']}", flush=True)
            rss_before = server.workers_rss_mb()  # streaming's own growth, after the slices
            for name, accept in (("csv20", CSV2), ("ss21", SS21)):
                got = measure(
                    f"{server.url}{base}/*", "stream", server, accept=accept,
                    headers=json.dumps(auth),
                )  # fmt: skip
                got["obs_per_s"] = n_obs / got["seconds"]
                got["obs_per_server_cpu_s"] = n_obs / max(got["server_cpu_s"], 1e-9)
                results[f"whole_{name}"] = got
                print(f"[{kind}] whole {name}: {got['obs_per_s']:.0f} obs/s", flush=True)
            results["rss_growth_mb"] = server.workers_rss_mb() - rss_before
            import httpx

            etag = httpx.get(slice_url, headers={"accept": CSV2, **auth}).headers["etag"]
            results["not_modified"] = measure(
                slice_url, "latency", server, requests=400, concurrency=8,
                headers=json.dumps({"accept": CSV2, "if-none-match": etag, **auth}),
            )  # fmt: skip
            since = datetime.now(UTC) - timedelta(seconds=0)
            time.sleep(1.1)
            changed = read.with_data(read.data.iloc[:1000].copy())
            changed.data["OBS_VALUE"] += 1
            with engine.begin() as conn:
                store_dataset(
                    conn, changed, layout=layout, provider="PT_NREM", actor=Actor("bench")
                )
            # Distinct moments (milliseconds apart, all before the change): distinct URLs,
            # so every request is answered from the store, none from kept answers.
            stamps = [
                (since - timedelta(milliseconds=k)).isoformat(timespec="milliseconds")
                for k in range(80)
            ]
            urls = folder / f"updated-{kind}.json"
            urls.write_text(json.dumps([
                f"{server.url}{base}/*?updatedAfter={s.replace('+00:00', 'Z')}" for s in stamps
            ]))  # fmt: skip
            results["updated_after"] = measure(
                slice_url, "latency", server, requests=80, concurrency=1,
                headers=json.dumps({"accept": CSV2, **auth}), urls=urls,
            )  # fmt: skip
            print(f"[{kind}] updatedAfter {results['updated_after']}", flush=True)
        results["floor"] = floor(engine, kind, key, layout, since)
        engine.dispose()
    return results


def floor(engine, kind: str, key: str, layout, since: datetime) -> dict:
    """The same reads as plain SQL: what the database alone costs."""
    import sqlalchemy as sa

    conditions = [f"s.d{i:02d} = '{code}'" for i, code in enumerate(key.split(".")) if code != "*"]
    join = "FROM observations o JOIN data_series s ON s.pk = o.series_pk"
    current = "o.replaced_load IS NULL AND NOT o.deleted"
    cols = "s.series_key, o.period, o.value, o.attrset_pk"
    slice_sql = f"SELECT {cols} {join} WHERE {current} AND {' AND '.join(conditions)}"
    whole_sql = f"SELECT {cols} {join} WHERE {current} ORDER BY o.series_pk, o.period_start"
    # updatedAfter as the store reads it: the recent loads and their row range first,
    # then their versions through the primary key (both statements timed).
    loads_sql = "SELECT pk, first_obs, last_obs FROM data_loads WHERE at > :since"
    updated_sql = (
        f"SELECT {cols} {join} WHERE o.replaced_load IS NULL AND o.pk BETWEEN :first AND :last "
        "AND o.created_load IN :loads"
    )

    def slice_rows(conn) -> list:
        return conn.execute(sa.text(slice_sql)).all()

    def updated_rows(conn) -> list:
        loads = conn.execute(sa.text(loads_sql), {"since": since}).all()
        statement = sa.text(updated_sql).bindparams(sa.bindparam("loads", expanding=True))
        return conn.execute(
            statement,
            {
                "first": min(r.first_obs for r in loads),
                "last": max(r.last_obs for r in loads),
                "loads": [r.pk for r in loads],
            },
        ).all()

    out = {}
    with engine.connect() as conn:
        for name, read, repeat in (("slice", slice_rows, 50), ("updated_after", updated_rows, 20)):
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                rows = read(conn)
                timings.append(time.perf_counter() - started)
            out[f"{name}_p50_ms"] = 1000 * statistics.median(timings)
            out[f"{name}_rows"] = len(rows)
        started = time.perf_counter()
        if kind == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY ({whole_sql}) TO STDOUT") as copy:
                n = sum(bytes(block).count(b"\n") for block in copy)
        else:
            n = len(conn.execute(sa.text(whole_sql)).all())
        out["whole_obs_per_s"] = n / (time.perf_counter() - started)
    return out


def report(results: list[dict]) -> None:
    print("\nregistry data benchmark (shared 2-core machine: figures are noisy)\n")
    header = f"{'':38}" + "".join(f"{r['database']:>16}" for r in results)
    print(header)

    def row(label: str, values: list[str]) -> None:
        print(f"{label:38}" + "".join(f"{v:>16}" for v in values))

    row("observations", [f"{r['observations']:,}" for r in results])
    row("bulk load: read+validate+store (s)", [f"{r['load']['total_s']:.1f}" for r in results])
    row("  read / validate / store (s)", [
        f"{r['load']['read_s']:.1f}/{r['load']['validate_s']:.1f}/{r['load']['store_s']:.1f}"
        for r in results
    ])  # fmt: skip
    row("  CPU s: read / validate / store", [
        f"{r['load']['cpu_read_s']:.1f}/{r['load']['cpu_validate_s']:.1f}/"
        f"{r['load']['cpu_store_s']:.1f}"
        for r in results
    ])  # fmt: skip
    row("key slice obs", [str(r["slice"]["observations"]) for r in results])
    row("key slice p50 / p99 ms (c=8)", [
        f"{r['slice']['p50_ms']:.0f} / {r['slice']['p99_ms']:.0f}" for r in results
    ])  # fmt: skip
    row("  server CPU ms / request", [
        f"{r['slice']['server_cpu_ms_per_request']:.1f}" for r in results
    ])  # fmt: skip
    row("distinct slices p50 / p99 ms (c=8)", [
        f"{r['slice_cold']['p50_ms']:.0f} / {r['slice_cold']['p99_ms']:.0f}" for r in results
    ])  # fmt: skip
    row("  server CPU ms / request", [
        f"{r['slice_cold']['server_cpu_ms_per_request']:.1f}" for r in results
    ])  # fmt: skip
    row("  floor: plain SQL p50 ms", [f"{r['floor']['slice_p50_ms']:.1f}" for r in results])
    row("  ratio to floor", [
        f"{r['slice']['p50_ms'] / r['floor']['slice_p50_ms']:.1f}x" for r in results
    ])  # fmt: skip
    row("whole flow SDMX-CSV 2.0 obs/s", [f"{r['whole_csv20']['obs_per_s']:,.0f}" for r in results])
    row(
        "whole flow SDMX-ML 2.1 SS obs/s", [f"{r['whole_ss21']['obs_per_s']:,.0f}" for r in results]
    )
    row("  obs per server CPU second, CSV / SS", [
        f"{r['whole_csv20']['obs_per_server_cpu_s'] / 1000:,.0f}k / "
        f"{r['whole_ss21']['obs_per_server_cpu_s'] / 1000:,.0f}k"
        for r in results
    ])  # fmt: skip
    row(
        "  floor: plain SQL fetch obs/s", [f"{r['floor']['whole_obs_per_s']:,.0f}" for r in results]
    )
    row("  CSV ratio floor/registry", [
        f"{r['floor']['whole_obs_per_s'] / r['whole_csv20']['obs_per_s']:.1f}x" for r in results
    ])  # fmt: skip
    row("server RSS growth (MB, 2 workers)", [f"{r['rss_growth_mb']:.0f}" for r in results])
    row("updatedAfter 1,000 of 1M p50 ms", [f"{r['updated_after']['p50_ms']:.0f}" for r in results])
    row("  server CPU ms / request", [
        f"{r['updated_after']['server_cpu_ms_per_request']:.1f}" for r in results
    ])  # fmt: skip
    row("  floor: plain SQL p50 ms", [f"{r['floor']['updated_after_p50_ms']:.1f}" for r in results])
    row("304 If-None-Match p50 ms (c=8)", [f"{r['not_modified']['p50_ms']:.1f}" for r in results])
    row("  server CPU ms / request", [
        f"{r['not_modified']['server_cpu_ms_per_request']:.1f}" for r in results
    ])  # fmt: skip
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    client = sub.add_parser("client")
    client.add_argument("--url", required=True)
    client.add_argument("--what", choices=["latency", "stream"], required=True)
    client.add_argument("--requests", type=int, default=400)
    client.add_argument("--concurrency", type=int, default=8)
    client.add_argument("--headers")
    client.add_argument("--urls", help="a JSON file of URLs to cycle through")
    client.add_argument("--accept", default=CSV2)
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.command == "client":
        client_main(args)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.dbs:
            results.append(run_db(kind, args.observations, Path(tmp)))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
