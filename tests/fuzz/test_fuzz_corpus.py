"""Every input that ever broke the readers' contract, replayed in a child process.

The corpus (``fuzz/corpus``) holds what the fuzzer found: exceptions that were
not MosyErrors, a workbook that aborted the process, inputs that reached
``validate_file``'s last-resort catch-all. Each goes through every entry point
in every source form (``fuzz.target.exercise``) inside a worker process under
a memory cap and a timeout, so an abort or a hang fails this test instead of
ending the test run.
"""

from __future__ import annotations

import sys

import pytest
from fuzzing import CORPUS, Case, Worker, corpus_case, corpus_paths, replay, thb_seeds


def test_corpus_is_not_empty_and_every_file_is_indexed():
    paths = corpus_paths()
    assert len(paths) >= 30
    index = (CORPUS / "INDEX.tsv").read_text(encoding="utf-8")
    indexed = {line.split("\t", 1)[0] for line in index.splitlines() if line.strip()}
    assert {p.name for p in paths} <= indexed
    assert all(corpus_case(p).kind in ("data", "structure") for p in paths)


def test_every_corpus_input_keeps_the_contract():
    outcomes = replay(corpus_paths(), timeout=60)
    broken = {p.name: o.violations for p, o in outcomes.items() if not o.ok}
    assert broken == {}
    # Bounded: the whole corpus, every form of each input, in seconds.
    assert max(o.seconds for o in outcomes.values()) < 30
    # Among them the 8 KB workbook with a cell at XFD1048576, which made
    # calamine ask for about 512 GB and abort the process (SIGABRT).
    workbook = CORPUS / "data-thb-1926198fa25d.xlsx"
    assert len(workbook.read_bytes()) < 9000 and outcomes[workbook].ok


#: A worker that runs each case's bytes as Python: a stand-in for a reader that aborts.
_EXEC_CHILD = """
from fuzz.child import serve
serve(lambda case, thorough: exec(case.data.decode()) or [])
"""


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import os; os.abort()", "abort: killed by SIGABRT"),
        ("import time; time.sleep(30)", "hang: no answer within 1 s"),
        ("import os; os._exit(3)", "abort: worker exited with 3"),
        ("x = bytearray(8 * 1024**3)", "memory: the worker ran out"),
    ],
)
def test_the_worker_records_aborts_hangs_and_memory_instead_of_dying(code, expected):
    """The replay is only as good as its child process: the parent outlives what it runs."""
    worker = Worker(timeout=1, memory_cap=1024**3, command=[sys.executable, "-c", _EXEC_CHILD])
    try:
        outcome = worker.run(Case(code.encode()))
        assert len(outcome.violations) == 1 and outcome.violations[0].startswith(expected)
        assert worker.run(Case(b"pass")).ok  # a fresh worker takes the next case
    finally:
        worker.close()


#: The real worker (``fuzz.child``), with a reader bug planted where ``validate_file``
#: reads: only its last-resort catch-all stands between the bug and the caller.
_BUGGY_READER_CHILD = """
import mosy_sdmx.io
from fuzz.child import main

def read_data(*args, **kwargs):
    raise TypeError("a reader bug")

mosy_sdmx.io.read_data = read_data
main()
"""


def test_the_worker_reports_an_input_that_reaches_the_catch_all():
    """The corpus replay fails on the catch-all only if a worker sees it: the
    worker silences the libraries' logging, but not the catch-all's record."""
    worker = Worker(timeout=60, command=[sys.executable, "-c", _BUGGY_READER_CHILD])
    try:
        csv = next(c for c in thb_seeds(structures=False) if c.suffix == ".csv")
        outcome = worker.run(csv)
    finally:
        worker.close()
    reached = [v for v in outcome.violations if v.startswith("catch-all reached in validate_file")]
    assert reached, outcome.violations
    assert "failed unexpectedly" in reached[0]
