"""``python -m fuzz``: mutate real messages for N minutes, record what breaks the contract.

    python -m fuzz --minutes 10              # two workers, a random seed
    python -m fuzz --minutes 60 --workers 4 --seed 1 --save fuzz/corpus
    python -m fuzz --replay fuzz/corpus      # every form of every corpus input

Each input runs in a worker process under a memory cap and a timeout, so an
abort or a hang is recorded instead of ending the run. At the end a table of
signatures (exception class and library function, or abort/hang) with counts;
the smallest input of each new signature is saved with ``--save``. Exits 1 when
anything broke the contract.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from fuzz.corpus_files import add_to_corpus, corpus_paths
from fuzz.mutators import mutate
from fuzz.pool import MEMORY_CAP, TIMEOUT, Worker, replay
from fuzz.seeds import all_seeds
from fuzz.target import Case


def _key(violation: str) -> str:
    """A violation's signature without the occurrence's detail (the part in brackets)."""
    return re.sub(r"\s*\(.*$", "", violation)


def fuzz(minutes: float, workers: int, seed: int, save: Path | None, memory: int, timeout: float):
    seeds = all_seeds()
    # The project's own THB messages count double: they are what partners send.
    weights = [2.0 if c.hint == "thb" else 1.0 for c in seeds]
    deadline = time.monotonic() + minutes * 60
    lock = threading.Lock()
    tried = Counter[str]()
    found: dict[str, tuple[int, Case, str]] = {}
    counts = Counter[str]()

    def loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        worker = Worker(memory, timeout)
        try:
            while time.monotonic() < deadline:
                base = rng.choices(seeds, weights)[0]
                case = Case(mutate(base.data, rng), base.kind, base.hint, base.suffix)
                outcome = worker.run(case, thorough=rng.random() < 0.1)
                with lock:
                    tried[case.kind] += 1
                    for violation in dict.fromkeys(outcome.violations):
                        key = _key(violation)
                        counts[key] += 1
                        if key not in found or len(case.data) < len(found[key][1].data):
                            if key not in found:
                                print(f"new: {violation}", flush=True)
                            found[key] = (counts[key], case, violation)
        finally:
            worker.close()

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = sum(tried.values())
    print(
        f"\n{total} inputs ({dict(tried)}) in {elapsed:.0f} s with {workers} workers, seed {seed}"
    )
    print(f"{len(found)} signatures breaking the contract")
    for key, count in counts.most_common():
        print(f"{count:6d}  {key}")
        if save is not None:
            add_to_corpus(found[key][1], found[key][2], save)
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--save", type=Path, default=None, help="folder for breaking inputs")
    parser.add_argument("--memory-mb", type=int, default=MEMORY_CAP >> 20)
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("--replay", type=Path, default=None, help="replay a corpus folder")
    args = parser.parse_args(argv)
    if args.replay is not None:
        failures = 0
        for path, outcome in replay(corpus_paths(args.replay), timeout=args.timeout).items():
            status = "ok" if outcome.ok else "; ".join(outcome.violations)
            failures += not outcome.ok
            print(f"{path.name}: {status} ({outcome.seconds:.2f} s)")
        return 1 if failures else 0
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    return fuzz(args.minutes, args.workers, seed, args.save, args.memory_mb << 20, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
