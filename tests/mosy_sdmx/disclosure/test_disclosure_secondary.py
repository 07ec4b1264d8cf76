"""Components protected on worker processes come out exactly as protected in turn here.

Disclosure control must not depend on how many processes ran it: the same
cells hidden, the same protection intervals, the same audit, bit for bit.
The comparisons are per cell (so per component), not totals, so that an
outcome merged into another component's rows would fail.
"""

from __future__ import annotations

import copy
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
import pytest
from thb_tables import AGE_LEAVES, EXPLOIT_LEAVES, SEX_LEAVES, STAT_LEAVES, make_table

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure import protect, secondary
from mosy_sdmx.disclosure.protect import (
    _cell_state,
    _classify,
    _plan,
    _protection_levels,
    _relations,
    _restrict,
)

FAMILIES = [("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        yield executor


@pytest.fixture
def every_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small test tables go to the workers too (the threshold is read in this process)."""
    monkeypatch.setattr(secondary, "PARALLEL_MIN_SENSITIVE", 0)


def _table(seed: int = 3) -> pd.DataFrame:
    """Country × year sub-tables (24 components), some with the full families, some cut
    down (other shapes), small and tiny counts mixed."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, area in enumerate(("PT", "ES", "IT", "FR")):
        dims = {"PERS_STAT": STAT_LEAVES, "SEX": SEX_LEAVES, "AGE": AGE_LEAVES}
        dims["EXPLOIT"] = EXPLOIT_LEAVES if i % 2 else EXPLOIT_LEAVES[:3]
        if i == 3:
            dims["AGE"] = AGE_LEAVES[2:]
        counts = {"counts": lambda r, n: r.choice([0, 0, 1, 1, 2, 3, 9], n)} if i % 2 else {}
        frame = make_table(rng, dims, families=FAMILIES, years=6, **counts)
        frame["REF_AREA"] = area
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    for column in ("REF_AREA", "PERS_STAT", "SEX", "AGE", "EXPLOIT"):
        data[column] = data[column].astype(str).astype("category")
    return data


def _inputs(dataset: Dataset, method: str):
    """What ``protect`` hands to ``protect_sensitive``, built by its own steps."""
    plan = _plan(dataset, None, None, None, method)
    data = _restrict(dataset.data, plan).data
    facts = _classify(data, plan, None, None)
    equations = _relations(data, facts, plan)
    state = _cell_state(facts, plan.rules)
    up, down = _protection_levels(facts, plan.rules)
    sensitive = facts.sensitive & facts.valued & ~facts.known
    return equations, data, state, sensitive, up, down


@pytest.mark.parametrize("method", ["auto", "hypercube"])
def test_protect_on_two_processes_as_in_turn(pool, every_table, method: str) -> None:
    dataset = Dataset(_table())
    public, audit = protect(dataset, method=method, strict=False)
    parallel, parallel_audit = protect(dataset, method=method, strict=False, executor=pool)
    assert public.data["OBS_VALUE"].isna().sum() > 0
    pd.testing.assert_frame_equal(public.data, parallel.data)
    pd.testing.assert_frame_equal(audit.cells, parallel_audit.cells)
    pd.testing.assert_frame_equal(audit.residual, parallel_audit.residual)
    assert audit.method == parallel_audit.method


def test_each_component_gets_its_own_outcome(pool, every_table) -> None:
    equations, data, state, sensitive, up, down = _inputs(Dataset(_table()), "auto")
    comps = secondary.split_components(equations, data, sensitive)
    assert len(comps) > 12  # those holding a sensitive cell
    assert len(secondary._tasks(pool, comps, sensitive)) > 2  # several tasks to merge
    here, there = copy.deepcopy(state), copy.deepcopy(state)
    alone = secondary.protect_sensitive(equations, data, here, sensitive, up, down)
    sent = secondary.protect_sensitive(equations, data, there, sensitive, up, down, executor=pool)
    for comp in comps:  # the cells hidden and the intervals, component by component
        rows = comp.rows
        assert np.array_equal(alone.secondary[rows], sent.secondary[rows])
        assert np.array_equal(alone.moves_up[rows], sent.moves_up[rows])
        assert np.array_equal(alone.moves_down[rows], sent.moves_down[rows])
    assert alone.secondary.any()
    assert np.array_equal(alone.residual, sent.residual)
    assert alone.method == sent.method
    assert np.array_equal(here.hidden, there.hidden)
    assert np.array_equal(here.cost, there.cost)


class _Broken(Executor):
    """A pool whose worker process died: every task fails."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a worker process died"))
        return future


def test_a_dead_worker_fails_the_call_and_changes_nothing(every_table) -> None:
    equations, data, state, sensitive, up, down = _inputs(Dataset(_table()), "auto")
    before = copy.deepcopy(state)
    with pytest.raises(BrokenProcessPool):
        secondary.protect_sensitive(equations, data, state, sensitive, up, down, executor=_Broken())
    assert np.array_equal(state.hidden, before.hidden)
    assert np.array_equal(state.cost, before.cost)


def test_small_tables_stay_in_this_process() -> None:
    dataset = Dataset(_table())
    public, _ = protect(dataset, strict=False, executor=_Broken())  # never used
    pd.testing.assert_frame_equal(public.data, protect(dataset, strict=False)[0].data)
