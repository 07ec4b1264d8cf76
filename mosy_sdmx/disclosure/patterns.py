"""Witnesses found by a linear program in one component, tried first in others of its shape.

A table of many keys (countries × years) is many components of one shape:
the same cells in the same relations, other values. A witness the linear
program found for a cell in one of them is a change of the same cells in
every other; wherever the values allow it (no count below zero, only
hideable cells moved, every relation kept, checked as for a hypercube) it is
a witness there too, found by a few array operations instead of a solve.
``secondary`` takes one only when it moves hidden cells alone (it hides
nothing new, so the information loss is what the solve would give); the
linear program still chooses every cell that must be newly hidden.
"""

from __future__ import annotations

import numpy as np

from mosy_sdmx.disclosure.component import Component
from mosy_sdmx.disclosure.witness import CellState, Witness, corner_cost

#: Patterns kept per cell, direction and amount (the first ones found).
MAX_PATTERNS = 48
#: Cheapest candidates checked against the equations before giving up.
MAX_CHECKS = 8


class PatternLibrary:
    """Linear-program witnesses by (local cell, direction, amount), for one shape."""

    def __init__(self) -> None:
        self._found: dict[tuple[int, bool, float], list[tuple[np.ndarray, np.ndarray]]] = {}
        self._seen: set[tuple[int, bool, float, bytes]] = set()
        self._packed: dict[tuple[int, bool, float], tuple[np.ndarray, ...]] = {}

    def add(self, cell: int, amount: float, upwards: bool, witness: Witness) -> None:
        key = (cell, upwards, float(amount))
        patterns = self._found.setdefault(key, [])
        mark = (*key, witness.cells.tobytes() + witness.delta.tobytes())
        if len(patterns) >= MAX_PATTERNS or mark in self._seen:
            return
        self._seen.add(mark)
        patterns.append((witness.cells, witness.delta))
        self._packed.pop(key, None)

    def find(
        self,
        comp: Component,
        state: CellState,
        activity: np.ndarray,
        cell: int,
        amount: float,
        upwards: bool,
    ) -> Witness | None:
        """The cheapest stored pattern that is a witness in ``comp`` (None if none is)."""
        key = (cell, upwards, float(amount))
        if key not in self._found:
            return None
        cells, delta, owner, n = self._pack(key)
        cost, feasible = corner_cost(state, comp.rows[cells], delta)
        bad = np.bincount(owner, weights=(~feasible).astype(float), minlength=n) > 0
        total = np.where(bad, np.inf, np.bincount(owner, weights=cost, minlength=n))
        starts = np.searchsorted(owner, np.arange(n + 1))
        for tries, p in enumerate(np.argsort(total, kind="stable")):
            if tries >= MAX_CHECKS or not np.isfinite(total[p]):
                return None
            span = slice(starts[p], starts[p + 1])
            if not comp.breaks(cells[span], delta[span], activity):
                return Witness(cells[span], delta[span], float(total[p]))
        return None

    def _pack(self, key):
        if key not in self._packed:
            patterns = self._found[key]
            cells = np.concatenate([c for c, _ in patterns])
            delta = np.concatenate([d for _, d in patterns])
            owner = np.repeat(np.arange(len(patterns)), [len(c) for c, _ in patterns])
            self._packed[key] = (cells, delta, owner, len(patterns))
        return self._packed[key]
