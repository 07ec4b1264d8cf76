"""Information loss and time of ``protect`` on the benchmark victims tables.

    python benchmarks/disclosure.py                          # both shapes, whole tables
    python benchmarks/disclosure.py --shapes cube --method optimal --repeat 1
    python benchmarks/disclosure.py --countries 1            # one country: a publication
    python benchmarks/disclosure.py --shapes one_provider several_areas --processes 2

For each shape (see ``disclosure_tables.py``) prints the rows, the time of
``protect`` (median of ``--repeat``; wall and CPU, since a shared machine
stretches the wall time), the share of cells hidden (information
loss), the cells hidden per reason, how many linear programs were solved and
how many hidden cells ``protect`` reports as still at risk. ``--countries N``
keeps the first N countries (all years): what the registry protects when a
submission touches those keys. ``--processes N`` (N > 1) protects the
components on a pool of N spawned processes, made and started before the
timing (as the registry keeps its pool); its CPU is not in the CPU column,
which is this process's. The hidden counts must be those of ``--processes 0``.
The attack on the output is ``benchmarks/disclosure_attack.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from disclosure_tables import COUNTRIES, SHAPES  # noqa: E402

from mosy_sdmx.dataset import Dataset  # noqa: E402
from mosy_sdmx.disclosure import protect  # noqa: E402

VICTIMS_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)"


def _count_solves():
    """Wrap the linear-program solver to count its calls (0 if the module differs)."""
    try:
        from mosy_sdmx.disclosure import lp
    except ImportError:
        return lambda: 0
    calls = [0]
    solve = lp.ComponentLP._solve

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return solve(self, *args, **kwargs)

    lp.ComponentLP._solve = counted
    return lambda: calls[0]


def _pool(processes: int) -> ProcessPoolExecutor | None:
    """A spawned pool, every process started and the disclosure modules imported."""
    if processes <= 1:
        return None
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    list(pool.map(_warm, range(processes * 4)))
    return pool


def _warm(_: int) -> int:
    from mosy_sdmx.disclosure import secondary  # noqa: F401

    time.sleep(0.2)  # keeps this process busy so that the others get a task too
    return os.getpid()


def run(
    shape: str,
    repeat: int,
    method: str | None,
    countries: int | None,
    executor: Executor | None = None,
) -> dict:
    data = SHAPES[shape]()
    if countries is not None:
        keep = data["REF_AREA"].astype(str).isin(COUNTRIES[:countries]).to_numpy()
        data = data[keep].reset_index(drop=True)
    dataset = Dataset(data, structure_urn=VICTIMS_URN)
    solves = _count_solves()
    kwargs = {"method": method} if method else {}
    seconds, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        outcome = protect(dataset, executor=executor, **kwargs)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    public, audit = outcome
    hidden = int(public.data["OBS_VALUE"].isna().sum())
    return {
        "shape": shape,
        "rows": len(data),
        "seconds": statistics.median(seconds),
        "cpu": statistics.median(cpu),
        "hidden": hidden,
        "share_hidden": hidden / len(public.data),
        "reasons": {k: v for k, v in audit.counts().items() if v},
        "residual": len(audit.residual),
        "method": getattr(audit, "method", "pattern rules"),
        "solves": solves() // max(repeat, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shapes", nargs="+", default=["two-families", "cube"], choices=list(SHAPES)
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--method", choices=["auto", "optimal", "hypercube"])
    parser.add_argument("--countries", type=int, help="only the first N countries")
    parser.add_argument(
        "--processes", type=int, default=0, help="worker processes (0 or 1: in this process)"
    )
    args = parser.parse_args()
    pool = _pool(args.processes)
    print(f"processes {args.processes}, load average {os.getloadavg()[0]:.2f}", flush=True)
    for shape in args.shapes:
        r = run(shape, args.repeat, args.method, args.countries, pool)
        print(
            f"{r['shape']:>13}: {r['rows']:,} rows, {r['method']}, "
            f"processes {args.processes}, protect {r['seconds']:.2f} s "
            f"({r['cpu']:.2f} s CPU), "
            f"{r['hidden']:,} hidden ({r['share_hidden']:.1%}), {r['reasons']}, "
            f"{r['solves'] if pool is None else 'uncounted (in the workers)'} linear programs, "
            f"{r['residual']} at risk by protect's own check; "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    if pool is not None:
        pool.shutdown()


if __name__ == "__main__":
    main()
