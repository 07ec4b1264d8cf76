"""Chains of hypercubes and the multiples of a witness, on a table small enough to check by hand.

The table: rows A, B, C and their total T, columns X, Y, Z and their total T.
The margins are published; which interior cells are hidden is set per test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mosy_sdmx.disclosure.component import split_components
from mosy_sdmx.disclosure.equations import build_equations
from mosy_sdmx.disclosure.secondary import _Protector
from mosy_sdmx.disclosure.witness import CellState, HypercubeSearch, Witness
from mosy_sdmx.structures.rules import AdditiveGroup

GROUPS = [AdditiveGroup("R", "T", ("A", "B", "C")), AdditiveGroup("K", "T", ("X", "Y", "Z"))]


def table(interior: dict[str, int], hidden: set[str], hideable: set[str] = frozenset()):
    """(component, state, activity, local index by name such as ``"AX"``) of the 4 × 4 table."""
    names, values = [], []
    for r in "ABC":
        for k in "XYZ":
            names.append(r + k)
            values.append(interior.get(r + k, 1))
    grid = np.array(values, dtype=float).reshape(3, 3)
    for r, total in zip("ABC", grid.sum(axis=1), strict=True):
        names.append(r + "T")
        values.append(total)
    for k, total in zip("XYZ", grid.sum(axis=0), strict=True):
        names.append("T" + k)
        values.append(total)
    names.append("TT")
    values.append(grid.sum())
    data = pd.DataFrame({"R": [n[0] for n in names], "K": [n[1] for n in names]})
    data["R"], data["K"] = data["R"].astype("category"), data["K"].astype("category")
    value = np.array(values)
    everything = np.ones(len(names), dtype=bool)
    equations = build_equations(data, ["R", "K"], GROUPS, everything)
    (comp,) = split_components(equations, data, everything)
    state = CellState(
        value=value,
        hidden=np.isin(names, list(hidden)),
        hideable=np.isin(names, list(hideable)),
        slack_down=np.zeros(len(names)),
        slack_up=np.zeros(len(names)),
        cost=np.ones(len(names)),
    )
    activity = np.bincount(comp.eq, weights=comp.coef * value[comp.rows][comp.cell])
    local = {names[row]: i for i, row in enumerate(comp.rows.tolist())}
    return comp, state, activity, local


def assert_witness(comp, state, activity, witness: Witness, cell: int, amount: float) -> None:
    """``x + y`` is a table the attacker cannot tell from ``x``: counts, relations, hidden cells."""
    y = np.zeros(comp.n_cells)
    y[witness.cells] = witness.delta
    assert y[cell] == amount
    assert (state.value[comp.rows] + y >= 0).all()
    after = activity + comp.change(witness.cells, witness.delta)
    assert np.allclose(after, comp.lower) and np.allclose(after, comp.upper)  # all equalities
    movable = state.hidden[comp.rows] | state.hideable[comp.rows]
    assert movable[witness.cells].all()


INTERIOR = {r + k for r in "ABC" for k in "XYZ"}


def test_a_chain_of_hypercubes_carries_what_no_single_one_can() -> None:
    comp, state, activity, local = table({}, hidden=INTERIOR)  # every interior cell is 1
    search = HypercubeSearch(comp, state, activity)
    cell = local["AX"]
    # Every hypercube through AX takes two cells of 1 down: one carries 1, not 2.
    assert search.find(cell, 2.0, 0.0)[0] is None
    assert search.find(cell, 1.0, 0.0)[0] is not None
    witness = search.combine(cell, 2.0, upwards=True)
    assert witness is not None and witness.cost == 0
    assert_witness(comp, state, activity, witness, cell, 2.0)


def test_no_chain_takes_a_count_below_zero() -> None:
    comp, state, activity, local = table({}, hidden=INTERIOR)
    search = HypercubeSearch(comp, state, activity)
    assert search.combine(local["AX"], 1.0, upwards=False) is not None
    assert search.combine(local["AX"], 2.0, upwards=False) is None  # AX holds 1


def test_without_pay_a_chain_moves_hidden_cells_only() -> None:
    hidden = {"AX", "BX", "AY", "BY"}
    comp, state, activity, local = table({}, hidden=hidden, hideable=INTERIOR - hidden)
    search = HypercubeSearch(comp, state, activity)
    cell = local["AX"]
    assert search.combine(cell, 2.0, upwards=True) is None
    witness = search.combine(cell, 2.0, upwards=True, pay=True)
    assert witness is not None
    assert_witness(comp, state, activity, witness, cell, 2.0)
    moved = {name for name, i in local.items() if i in set(witness.cells.tolist())}
    fresh = moved - hidden
    # The hidden square carries 1; the cheapest second hypercube adds three new cells.
    assert len(fresh) == 3 and witness.cost == pytest.approx(3.0)


def test_a_witness_counts_for_its_multiples_and_its_opposite() -> None:
    values = {"AX": 1, "BX": 3, "AY": 2, "BY": 1}
    comp, state, _, local = table(values, hidden=set(values))
    protector = _Protector(comp, state, "hypercube", {})
    cells = np.array([local["AX"], local["BX"], local["AY"], local["BY"]])
    protector._credit(Witness(cells, np.array([1.0, -1.0, -1.0, 1.0]), 0.0))
    up = dict(zip(["AX", "BX", "AY", "BY"], protector.reach_up[cells].tolist(), strict=True))
    down = dict(zip(["AX", "BX", "AY", "BY"], protector.reach_down[cells].tolist(), strict=True))
    # Twice the witness: AY (2) limits it. Its opposite once: AX and BY hold 1.
    assert up == {"AX": 2.0, "BX": 1.0, "AY": 1.0, "BY": 2.0}
    assert down == {"AX": 1.0, "BX": 2.0, "AY": 2.0, "BY": 1.0}
