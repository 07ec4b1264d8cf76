"""Information loss and time of ``protect`` on the benchmark victims tables.

    python benchmarks/disclosure.py                          # both shapes, whole tables
    python benchmarks/disclosure.py --shapes cube --method optimal --repeat 1
    python benchmarks/disclosure.py --countries 1            # one country: a publication

For each shape (see ``disclosure_tables.py``) prints the rows, the time of
``protect`` (median of ``--repeat``; wall and CPU, since a shared machine
stretches the wall time), the share of cells hidden (information
loss), the cells hidden per reason, how many linear programs were solved and
how many hidden cells ``protect`` reports as still at risk. ``--countries N``
keeps the first N countries (all years): what the registry protects when a
submission touches those keys. The attack on the output is
``benchmarks/disclosure_attack.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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


def run(shape: str, repeat: int, method: str | None, countries: int | None) -> dict:
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
        outcome = protect(dataset, **kwargs)
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
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--method", choices=["auto", "optimal", "hypercube"])
    parser.add_argument("--countries", type=int, help="only the first N countries")
    args = parser.parse_args()
    for shape in args.shapes:
        r = run(shape, args.repeat, args.method, args.countries)
        print(
            f"{r['shape']:>13}: {r['rows']:,} rows, {r['method']}, protect {r['seconds']:.2f} s "
            f"({r['cpu']:.2f} s CPU), "
            f"{r['hidden']:,} hidden ({r['share_hidden']:.1%}), {r['reasons']}, "
            f"{r['solves']} linear programs, {r['residual']} at risk by protect's own check",
            flush=True,
        )


if __name__ == "__main__":
    main()
