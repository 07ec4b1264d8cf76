"""Where a publication's time goes: secondary suppression against everything else.

    python benchmarks/publication_split.py                          # 100k, SQLite
    python benchmarks/publication_split.py --sizes 100000 1000000 --dbs sqlite postgresql
    python benchmarks/publication_split.py --sizes 1000000 --stand-in

Per database and size: ``submissions.valid_victims`` stored as one provider's
load with its release, then ``publish_pending`` timed in process (no HTTP),
CPU (``process_time``: the machine may be shared) and wall time of each step:
the touched sub-tables, the rows read, protect's steps, the rates, the public
rows and the audit written. ``--stand-in`` replaces secondary suppression by
hiding the sensitive cells only (the output differs), to time the rest alone
where suppression would take minutes. The structures are parsed before the
clock starts, as the registry's worker has them parsed already.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: (module, function) timed, in the order printed; the report indents protect's steps.
STEPS = (
    ("registry.publication.publish", "touched_tables"),
    ("registry.publication.publish", "current_frame"),
    ("registry.publication.publish", "protect"),
    ("mosy_sdmx.disclosure.protect", "_restrict"),
    ("mosy_sdmx.disclosure.protect", "_classify"),
    ("mosy_sdmx.disclosure.protect", "_relations"),
    ("mosy_sdmx.disclosure.protect", "_suppress"),
    ("mosy_sdmx.disclosure.protect", "_public_frame"),
    ("mosy_sdmx.disclosure.protect", "_audit"),
    ("registry.publication.publish", "_rates"),
    ("registry.publication.publish", "_replace"),
    ("registry.publication.publish", "_keep_audit"),
)


def _timed(name: str, function: Callable, totals: dict[str, list[float]]) -> Callable:
    def timed(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            total = totals.setdefault(name, [0.0, 0.0])
            total[0] += time.process_time() - cpu
            total[1] += time.perf_counter() - wall

    return timed


def _stand_in(facts, equations, data, rules, method):
    """Secondary suppression replaced: the sensitive cells hidden, nothing else."""
    import numpy as np

    from mosy_sdmx.disclosure.secondary import Protection

    n = len(facts.value)
    none = np.zeros(n, dtype=bool)
    return facts.sensitive.copy(), Protection(none, np.zeros(n), np.zeros(n), none, "stand-in")


def run(kind: str, n_obs: int, folder: Path, stand_in: bool) -> tuple[dict, float, float]:
    from _stores import store_url
    from submissions import provider_of, valid_victims

    from registry.bootstrap import prepare_store
    from registry.publication.publish import publish_pending
    from registry.publication.releases import record_release
    from registry.settings import load_settings
    from registry.store.changes import Actor
    from registry.store.observations import store_dataset
    from registry.store.structures import StructureCache

    totals: dict[str, list[float]] = {}
    patched = []
    for module_name, name in STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        if stand_in and name == "_suppress":
            original = _stand_in
        patched.append((module, name, getattr(module, name)))
        setattr(module, name, _timed(name, original, totals))
    try:
        with store_url(kind, "mosy_bench_split") as database_url:
            settings = load_settings(
                {}, data_dir=folder / f"{kind}-{n_obs}", database_url=database_url
            )
            engine = prepare_store(settings).engine
            cache = StructureCache()
            with engine.connect() as conn:
                layout = cache.get(conn).structures.layout("DF_THB_VICTIMS")
            dataset = valid_victims(n_obs)
            with engine.begin() as conn:
                result = store_dataset(
                    conn, dataset, layout=layout, provider=provider_of(n_obs), actor=Actor("bench")
                )
                record_release(conn, result)
            del dataset
            cpu, wall = time.process_time(), time.perf_counter()
            assert publish_pending(engine, cache=cache)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            engine.dispose()
            return totals, cpu, wall
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--dbs", nargs="+", default=["sqlite"])
    parser.add_argument("--stand-in", action="store_true", help="Replace secondary suppression.")
    args = parser.parse_args()
    inner = {name for module, name in STEPS if module == "mosy_sdmx.disclosure.protect"}
    with tempfile.TemporaryDirectory() as tmp:
        for n_obs in args.sizes:
            for kind in args.dbs:
                load = os.getloadavg()[0]
                totals, cpu, wall = run(kind, n_obs, Path(tmp), args.stand_in)
                suppress = totals.get("_suppress", [0.0, 0.0])
                print(
                    f"{kind} {n_obs:,} rows: publish_pending CPU {cpu:.2f} s (wall {wall:.2f} s); "
                    f"secondary suppression{' (stand-in)' if args.stand_in else ''} "
                    f"{suppress[0]:.2f} s (wall {suppress[1]:.2f} s); everything else "
                    f"{cpu - suppress[0]:.2f} s (wall {wall - suppress[1]:.2f} s); load "
                    f"{load:.1f} to {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                for _, name in STEPS:
                    if name in totals:
                        indent = "    " if name in inner else "  "
                        step_cpu, step_wall = totals[name]
                        print(f"{indent}{name:15} CPU {step_cpu:6.2f} s  wall {step_wall:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process {peak:,.0f} MB (data generation included)")


if __name__ == "__main__":
    main()
