"""A witness found in one component serves another of its shape only where it is one there."""

from __future__ import annotations

import numpy as np
from thb_tables import SEX_LEAVES, make_table

from mosy_sdmx.disclosure.component import shape_key, split_components
from mosy_sdmx.disclosure.equations import build_equations
from mosy_sdmx.disclosure.patterns import PatternLibrary
from mosy_sdmx.disclosure.witness import CellState, Witness
from mosy_sdmx.structures.rules import groups_for, load_additive_groups

KEYS = ["FREQ", "REF_AREA", "DATA_SOURCE", "SEX", "AGE", "EXPLOIT", "TIME_PERIOD"]


def _two_years():
    frame = make_table(np.random.default_rng(5), {"SEX": SEX_LEAVES}, years=2)
    keys = [k for k in KEYS if k in frame.columns]
    valued = frame["OBS_VALUE"].notna().to_numpy()
    groups = groups_for(keys, list(load_additive_groups()))
    equations = build_equations(frame, keys, groups, valued, ("COUNT_RULE",))
    comps = split_components(equations, frame, np.ones(len(frame), dtype=bool))
    return frame, comps


def _local(frame, comp, sex: str) -> int:
    codes = frame["SEX"].astype(str).to_numpy()[comp.rows]
    return int(np.flatnonzero(codes == sex)[0])


def _state(frame, hidden_rows, hideable=False) -> CellState:
    n = len(frame)
    value = frame["OBS_VALUE"].to_numpy(dtype=float)
    hidden = np.zeros(n, dtype=bool)
    hidden[hidden_rows] = True
    return CellState(value, hidden, np.full(n, hideable), np.zeros(n), np.zeros(n), np.ones(n))


def test_a_witness_of_one_year_is_tried_in_the_other():
    frame, (first, second) = _two_years()
    assert shape_key(first) == shape_key(second)
    m, t = _local(frame, first, "M"), _local(frame, first, "T")
    assert (m, t) == (_local(frame, second, "M"), _local(frame, second, "T"))
    library = PatternLibrary()
    # T = M + F + UNK: M and T up by 5 together keep the relation.
    library.add(m, 5.0, True, Witness(np.array([m, t]), np.array([5.0, 5.0]), 2.0))
    activity = np.zeros(second.n_eq)
    hidden_there = second.rows[[m, t]]
    found = library.find(second, _state(frame, hidden_there), activity, m, 5.0, True)
    assert found is not None and found.cost == 0
    assert sorted(found.cells.tolist()) == sorted([m, t])
    # Where T is published and may not be hidden, the same change is no witness.
    published = _state(frame, second.rows[[m]])
    assert library.find(second, published, activity, m, 5.0, True) is None
    # Nor for another amount or direction than the one it was found for.
    assert library.find(second, _state(frame, hidden_there), activity, m, 5.0, False) is None


def test_a_pattern_that_would_make_a_count_negative_is_refused():
    frame, (first, second) = _two_years()
    m, t = _local(frame, first, "M"), _local(frame, first, "T")
    value = frame["OBS_VALUE"].to_numpy()[second.rows[m]]
    library = PatternLibrary()
    down = value + 1.0  # more than the count holds
    library.add(m, down, False, Witness(np.array([m, t]), np.array([-down, -down]), 2.0))
    state = _state(frame, second.rows[[m, t]])
    assert library.find(second, state, np.zeros(second.n_eq), m, down, False) is None
