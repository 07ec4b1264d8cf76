"""The same contract under Atheris (libFuzzer, coverage-guided), where it installs.

    pip install atheris            # a wheel for CPython 3.11 on Linux x86-64
    python -m fuzz.atheris_target -fork=2 -ignore_crashes=1 -ignore_timeouts=1 \\
        -ignore_ooms=1 -rss_limit_mb=3072 -timeout=30 -max_total_time=600 \\
        -artifact_prefix=fuzz/findings/ fuzz/atheris-corpus

``-fork`` runs inputs in child processes, so an abort, a hang or running out
of memory is written to ``-artifact_prefix`` instead of ending the run. The
corpus folder is seeded with the project's THB messages and the specimens on
first use; the library's own modules are instrumented for coverage, and
mutations are the fuzzer's structure-aware ones half of the time, libFuzzer's
byte-level ones otherwise. A finding raises, so libFuzzer saves the input; move
it into ``fuzz/corpus`` (``fuzz.corpus_files.add_to_corpus``) once fixed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["mosy_sdmx"]):
    import mosy_sdmx.cli  # noqa: F401
    from fuzz.mutators import mutate
    from fuzz.seeds import all_seeds
    from fuzz.target import Case, exercise

#: Inputs are data messages read with the built-in THB structures or none.
HINTS = ("thb", "")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    hint = HINTS[data[0] % len(HINTS)]
    violations = exercise(Case(data[1:], "data", hint, ".bin"), thorough=False)
    if violations:
        raise AssertionError("; ".join(violations))


def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if rng.random() < 0.5 or len(data) < 2:
        return atheris.Mutate(data, max_size)
    return (data[:1] + mutate(data[1:], rng))[:max_size]


def seed_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        return
    for index, case in enumerate(c for c in all_seeds() if c.kind == "data"):
        prefix = bytes([HINTS.index(case.hint) if case.hint in HINTS else 1])
        (folder / f"seed-{index:03d}").write_bytes(prefix + case.data)


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    for folder in folders:
        seed_corpus(folder)
    atheris.Setup(sys.argv, test_one_input, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
