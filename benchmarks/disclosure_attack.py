"""The test suite's attacker on many more protected tables (minutes, not seconds).

    python benchmarks/disclosure_attack.py                 # 40 tables per shape
    python benchmarks/disclosure_attack.py --tables 200 --method hypercube

Shapes: SEX × AGE (with the children's split), two linked breakdown families
(SEX × AGE and SEX × EXPLOIT of PERS_STAT), the SEX × AGE × EXPLOIT cube,
tables with submitter-confidential cells, several years. Each table is
protected, then attacked by ``tests/mosy_sdmx/disclosure/disclosure_attacker.py``
(scipy MILP); the checks are those of ``test_disclosure_attack.py``. Prints,
per shape: tables, hidden cells, sensitive cells, exact recoveries, cells
below their protection level where the table allowed more, and failures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "mosy_sdmx" / "disclosure"))

from test_disclosure_attack import attack, run  # noqa: E402
from thb_tables import (  # noqa: E402
    AGE_LEAVES,
    CUBE,
    EXPLOIT_LEAVES,
    SEX_LEAVES,
    STAT_LEAVES,
    make_table,
    tiny_counts,
)


def _shapes(rng: np.random.Generator):
    yield "sex-age", make_table(rng, {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES}, years=2), None
    yield (
        "two-families",
        make_table(
            rng,
            {
                "PERS_STAT": STAT_LEAVES,
                "SEX": SEX_LEAVES,
                "AGE": AGE_LEAVES,
                "EXPLOIT": EXPLOIT_LEAVES,
            },
            families=[("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")],
            counts=tiny_counts,
        ),
        None,
    )
    yield "cube", make_table(rng, CUBE), None
    frame = make_table(rng, {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES}, years=3)
    conf = (rng.random(len(frame)) < 0.08) & (frame["OBS_VALUE"].to_numpy() >= 5)
    yield "confidential", frame, conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=40, help="tables per shape")
    parser.add_argument("--method", default="auto", choices=["auto", "optimal", "hypercube"])
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    totals: dict[str, dict[str, int]] = {}
    start = time.perf_counter()
    for _ in range(args.tables):
        for shape, frame, conf in _shapes(rng):
            t = totals.setdefault(shape, {"tables": 0, "hidden": 0, "sensitive": 0, "failed": 0})
            raw, public, audit = run(frame, conf, method=args.method)
            t["tables"] += 1
            try:
                found = attack(raw, public, audit, conf)
            except AssertionError as exc:
                t["failed"] += 1
                print(f"{shape}: FAILED {str(exc)[:300]}")
                continue
            t["hidden"] += found["hidden"]
            t["sensitive"] += found["sensitive"]
    for shape, t in totals.items():
        print(
            f"{shape:>13}: {t['tables']} tables, {t['hidden']} hidden cells "
            f"({t['sensitive']} sensitive), {t['failed']} tables with a recovery or a cell "
            "below its protection level"
        )
    print(f"method {args.method}, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
