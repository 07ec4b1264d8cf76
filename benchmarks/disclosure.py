"""Information loss and time of ``protect`` on the benchmark victims tables.

    python benchmarks/disclosure.py                    # both shapes, median of 3
    python benchmarks/disclosure.py --shapes cube --repeat 1

For each shape (see ``disclosure_tables.py``) prints the rows, the time of
``protect`` (median), the share of cells hidden (information loss), the cells
hidden per reason and how many hidden cells ``protect`` itself reports as
still at risk. The attack on the output is ``benchmarks/disclosure_attack.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from disclosure_tables import SHAPES  # noqa: E402

from mosy_sdmx.dataset import Dataset  # noqa: E402
from mosy_sdmx.disclosure import protect  # noqa: E402

VICTIMS_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)"


def run(shape: str, repeat: int) -> dict:
    data = SHAPES[shape]()
    dataset = Dataset(data, structure_urn=VICTIMS_URN)
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = protect(dataset)
        seconds.append(time.perf_counter() - start)
    public, audit = outcome
    hidden = int(public.data["OBS_VALUE"].isna().sum())
    return {
        "shape": shape,
        "rows": len(data),
        "seconds": statistics.median(seconds),
        "hidden": hidden,
        "share_hidden": hidden / len(public.data),
        "reasons": {k: v for k, v in audit.counts().items() if v},
        "residual": len(audit.residual),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for shape in args.shapes:
        r = run(shape, args.repeat)
        print(
            f"{r['shape']:>13}: {r['rows']:,} rows, protect {r['seconds']:.2f} s, "
            f"{r['hidden']:,} hidden ({r['share_hidden']:.1%}), {r['reasons']}, "
            f"{r['residual']} at risk by protect's own check"
        )


if __name__ == "__main__":
    main()
