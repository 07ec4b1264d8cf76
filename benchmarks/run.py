"""Time mosy against sdmx1, pysdmx and sdmxthon on the same THB-shaped files.

    python benchmarks/run.py                       # 10k, 100k, 1M observations
    python benchmarks/run.py --sizes 100000 --ops read-xml read-csv

Each measurement runs in a fresh process, so peak RSS is that operation's own;
the median of ``--repeat`` runs is reported with observations per second and
the ratio of the peer's time to mosy's (above 1: mosy is faster). sdmx1 builds
one object per observation and is only run up to ``--sdmx1-max`` observations.
Needs the bench extra: pip install ".[bench]".
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import OPERATIONS, TOOLS  # noqa: E402

DATA_DIR = HERE / "data"


def worker(tool: str, op: str, folder: Path) -> None:
    """Run one timed operation and print its figures as JSON."""
    files = json.loads((folder / "files.json").read_text())
    files = {k: Path(v) for k, v in files.items()}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        timed = TOOLS[tool](op, files, out)
        if timed is None:
            print(json.dumps({"supported": False}))
            return
        start = time.perf_counter()
        n = timed()
        seconds = time.perf_counter() - start
    rss_mb = peak_rss_mb()
    print(json.dumps({"supported": True, "seconds": seconds, "n": int(n), "rss_mb": rss_mb}))


def peak_rss_mb() -> float:
    """This process's own peak RSS.

    ``ru_maxrss`` survives ``exec``: a worker forked from the harness would
    report the harness's peak (it built the data) instead of its own. The
    kernel's VmHWM belongs to the new address space, so it starts afresh.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(size: int) -> Path:
    from thb_data import make_dataset, write_files

    folder = DATA_DIR / str(size)
    marker = folder / "files.json"
    if not marker.exists():
        files = write_files(make_dataset(size), folder)
        marker.write_text(json.dumps({k: str(v) for k, v in files.items()}))
    return folder


def measure(tool: str, op: str, folder: Path, repeat: int, timeout: float) -> dict:
    runs = []
    for _ in range(repeat):
        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", tool, op, str(folder)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout:.0f} s"}
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            return {"error": last[:90]}
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if not result["supported"]:
            return {"error": "not offered"}
        runs.append(result)
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "n": runs[0]["n"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--ops", nargs="+", default=list(OPERATIONS), choices=OPERATIONS)
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=list(TOOLS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sdmx1-max", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--worker", nargs=3, metavar=("TOOL", "OP", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        tool, op, folder = args.worker
        worker(tool, op, Path(folder))
        return

    results = []
    header = (
        f"{'size':>9} {'operation':<10} {'tool':<9} {'median s':>9} {'obs/s':>11} "
        f"{'peak RSS MB':>11} {'peer/mosy':>9}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        folder = prepare(size)
        for op in args.ops:
            mosy_seconds = None
            for tool in ["mosy", *[t for t in args.tools if t != "mosy"]]:
                if tool not in args.tools and tool != "mosy":
                    continue
                if tool == "sdmx1" and size > args.sdmx1_max:
                    row = {"error": f"skipped above {args.sdmx1_max:,} obs"}
                else:
                    row = measure(tool, op, folder, args.repeat, args.timeout)
                row.update(size=size, op=op, tool=tool)
                results.append(row)
                if "error" in row:
                    print(f"{size:>9,} {op:<10} {tool:<9} {row['error']}")
                    continue
                if tool == "mosy":
                    mosy_seconds = row["seconds"]
                ratio = row["seconds"] / mosy_seconds if mosy_seconds else float("nan")
                row["ratio"] = ratio
                print(
                    f"{size:>9,} {op:<10} {tool:<9} {row['seconds']:>9.3f} "
                    f"{row['n'] / row['seconds']:>11,.0f} {row['rss_mb']:>11.0f} "
                    f"{ratio:>9.1f}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
