"""Witnesses: other tables, consistent with everything published, that move a hidden cell.

A primary cell with value x is protected upwards by ``u`` when some table
``x + y`` agrees with every published value (rounded cells within their
rounding interval), satisfies every relation of ``rules.yaml`` and has no
negative count, while ``y`` is non-zero only on hidden cells and moves the
cell by ``+u``; likewise downwards. Such a ``y`` (integer) is the witness: the
attacker cannot tell the two tables apart, so his interval for the cell
reaches ``x + u``. Hiding the support of ``y`` makes it a witness.

Two ways to find one, both checked against the equations before use:

- ``hypercube``: the classic pattern (GHMITER, Repsilber): pick for every
  dimension along which the cell is in a relation one alternative code (a
  sibling part, the total, or a part when the cell is the total); the 2^k
  corners move by ±u with the sign that keeps every relation balanced. The
  cheapest valid hypercube is chosen in one vectorised pass.
- ``lp``: the cheapest witness of any shape, from a linear program on the
  component solved by HiGHS (a persistent model re-solved per cell, as in
  the classic one-cell-at-a-time heuristics for the cell suppression problem).
  A fractional solution is solved again with integrality.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from mosy_sdmx.disclosure.component import Component, encode

#: Hypercubes examined per cell at most (alternatives are cut, cheapest first).
MAX_CANDIDATES = 4096
#: Cost of moving a cell that is hidden already: small, so that LPs prefer it.
HIDDEN_COST = 1e-4
#: Cheapest hypercubes looked at per search (those a missing corner unbalances are passed over).
MAX_LOOKED_AT = 64
#: What a hypercube's change does to the relations, whatever the values.
BALANCED, UNBALANCED, CHECK = 0, 1, 2


@dataclass(slots=True)
class CellState:
    """Per-row facts the search reads (global arrays; ``hidden`` changes)."""

    value: np.ndarray
    hidden: np.ndarray
    hideable: np.ndarray
    #: How far a published value may move unseen (rounding): [down, up], 0 when exact.
    slack_down: np.ndarray
    slack_up: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True, slots=True)
class _Net:
    """Per hypercube, the equations its unit change moves and by how much (CSR-like)."""

    start: np.ndarray  # hypercube h's entries: start[h]:start[h + 1]
    eq: np.ndarray
    value: np.ndarray

    def only(self, keep: np.ndarray) -> _Net:
        counts = np.diff(self.start)
        mask = np.repeat(keep, counts)
        start = np.concatenate([[0], np.cumsum(counts[keep])])
        return _Net(start, self.eq[mask], self.value[mask])


@dataclass(frozen=True, slots=True)
class Witness:
    cells: np.ndarray  # local cells moved
    delta: np.ndarray  # their integer change
    cost: float


def corner_cost(
    state: CellState, rows: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(cost, feasible) per corner for moving ``rows`` by ``delta`` (same shapes)."""
    value = state.value[rows]
    hidden = state.hidden[rows]
    fits = value + delta >= -1e-9
    unseen = (delta >= -state.slack_down[rows] - 1e-9) & (delta <= state.slack_up[rows] + 1e-9)
    cost = np.where(hidden | unseen, 0.0, state.cost[rows])
    feasible = fits & (hidden | unseen | state.hideable[rows])
    return cost, feasible


class HypercubeSearch:
    """Cheapest valid hypercube through one cell of a component.

    What depends only on the component's shape (its cells' coordinates and
    relations: the alternatives of every cell, the corners of every hypercube)
    is kept in ``shared``, a ``ShapeCache`` entry that every component of the
    same shape (each country-year of a table) reuses; only the values, costs
    and hidden cells are read per component.
    """

    def __init__(
        self,
        comp: Component,
        state: CellState,
        activity: np.ndarray,
        shared: dict | None = None,
    ) -> None:
        self.comp = comp
        self.state = state
        self.activity = activity
        self.shared = {} if shared is None else shared
        rows = comp.rows
        self.exact = not (state.slack_down[rows].any() or state.slack_up[rows].any())
        # The component's own copies of what does not change while it is protected.
        self.value = np.append(state.value[rows], np.inf)
        self.cost = state.cost[rows]
        self.hideable = state.hideable[rows]
        if "alternatives" in self.shared:
            self.alt_start, self.alt_dim, self.alt_code, self.alt_sign = self.shared["alternatives"]
        else:
            self._index_alternatives()
            alternatives = (self.alt_start, self.alt_dim, self.alt_code, self.alt_sign)
            self.shared["alternatives"] = alternatives
        self.corners: dict[int, tuple[np.ndarray, ...] | None] = self.shared.setdefault(
            "corners", {}
        )

    def _index_alternatives(self) -> None:
        """Every cell's alternative codes per dimension, for all cells at once.

        Two members of one equation are alternatives of each other along its
        dimension: siblings (both parts) with sign -1, a total and its part
        with sign +1. Kept sorted by (cell, dimension, code), first sign wins.
        """
        comp = self.comp
        if comp.coords is None or comp.n_eq == 0:
            self.alt_start = np.zeros(comp.n_cells + 1, dtype=np.int64)
            self.alt_dim = self.alt_code = self.alt_sign = np.zeros(0, dtype=np.int64)
            return
        dim_of_eq = np.array([comp.dims.index(d) for d in comp.eq_dimension], dtype=np.int64)
        sizes = np.diff(comp.eq_start)[comp.eq]  # per entry: its equation's size
        a = np.repeat(np.arange(len(comp.eq)), sizes)
        offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        b = comp.eq_start[comp.eq[a]] + offsets
        a, b = a[a != b], b[a != b]
        cell = comp.cell[a]
        dim = dim_of_eq[comp.eq[a]]
        code = comp.coords[comp.cell[b], dim]
        sign = np.where((comp.coef[a] < 0) & (comp.coef[b] < 0), -1, 1)
        order = np.lexsort((np.arange(len(cell)), code, dim, cell))
        cell, dim, code, sign = cell[order], dim[order], code[order], sign[order]
        first = np.ones(len(cell), dtype=bool)
        first[1:] = (cell[1:] != cell[:-1]) | (dim[1:] != dim[:-1]) | (code[1:] != code[:-1])
        cell, dim, code, sign = cell[first], dim[first], code[first], sign[first]
        self.alt_start = np.searchsorted(cell, np.arange(comp.n_cells + 1))
        self.alt_dim, self.alt_code, self.alt_sign = dim, code, sign

    def _alternatives(self, cell: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per dimension index: alternative codes and their sign (-1 sibling, +1 total/part)."""
        lo, hi = self.alt_start[cell], self.alt_start[cell + 1]
        dims = self.alt_dim[lo:hi]
        if len(dims) == 0:
            return []
        cuts = np.flatnonzero(np.diff(dims)) + 1
        bounds = [0, *cuts.tolist(), len(dims)]
        codes, signs = self.alt_code[lo:hi], self.alt_sign[lo:hi]
        return [(int(dims[i]), codes[i:j], signs[i:j]) for i, j in pairwise(bounds)]

    def find(self, cell: int, up: float, down: float) -> tuple[Witness | None, Witness | None]:
        """Best hypercube witnesses moving ``cell`` by +up and by -down (None: none found)."""
        found = self._corners(cell)
        if found is None:
            return None, None
        local, sign, exists, status, net, gone, going_down, going_up = found
        state = self.state
        if self.exact:
            # No published cell may move (no rounding here): a hypercube's cost and
            # whether it only moves hideable cells are the same both ways; the
            # amount decides only which corners would go below zero. Per-cell
            # arrays of the component, one slot past its cells for the corners
            # a hypercube lacks (cost 0, never below zero).
            n = self.comp.n_cells
            hidden = state.hidden[self.comp.rows]
            cell_cost = np.zeros(n + 1)
            cell_cost[:n] = np.where(hidden, 0.0, np.where(self.hideable, self.cost, np.inf))
            total = cell_cost[gone].sum(axis=1)
            totals = (
                np.where(self.value[going_down].min(axis=1) >= up - 1e-9, total, np.inf)
                if up
                else None,
                np.where(self.value[going_up].min(axis=1) >= down - 1e-9, total, np.inf)
                if down
                else None,
            )
        else:
            rows = self.comp.rows[local]
            totals = []
            for amount in (up, -down):
                if amount == 0:
                    totals.append(None)
                    continue
                cost, feasible = corner_cost(state, rows, sign * amount)
                ok = (feasible | ~exists).all(axis=1)
                totals.append(np.where(ok, (cost * exists).sum(axis=1), np.inf))
        return tuple(
            None if total is None else self._first_valid(total, local, sign, amount, status, net)
            for total, amount in zip(totals, (up, -down), strict=True)
        )

    def combine(self, cell: int, amount: float, upwards: bool, pay: bool = False) -> Witness | None:
        """A witness made of several hypercubes, for when no single one carries ``amount``.

        One hypercube carries the whole amount only when every corner it takes
        down holds that much; small hidden counts rarely do. Like augmenting
        paths in a flow, hypercubes are added one after another, each carrying
        what its corners still hold, until the cell has moved by ``amount``.
        Without ``pay``, only hypercubes of hidden cells: nothing new is hidden,
        so it is tried before the linear program, which would find a witness of
        no cost as well. With ``pay``, the cheapest hypercube that still
        carries something is added each time (the cells it hides cost nothing
        to the next one): the ``hypercube`` method's answer when no single
        hypercube fits.
        """
        if not self.exact:
            return None
        found = self._corners(cell)
        if found is None:
            return None
        _, sign, exists, _, _, gone, going_down, going_up = found
        comp = self.comp
        n = comp.n_cells
        hidden = self.state.hidden[comp.rows]
        cell_cost = np.zeros(n + 1)  # slot n: a lacking corner
        paid = np.where(self.hideable, self.cost, np.inf) if pay else np.inf
        cell_cost[:n] = np.where(hidden, 0.0, paid)
        usable = np.flatnonzero(np.isfinite(cell_cost[gone].sum(axis=1)))
        if len(usable) == 0:
            return None
        gone, lowering = gone[usable], (going_down if upwards else going_up)[usable]
        sign, exists = sign[usable], exists[usable]
        direction = 1.0 if upwards else -1.0
        value = self.value.copy()
        change = np.zeros(n + 1)
        remaining = float(amount)
        while remaining > 1e-9:
            capacity = np.floor(value[lowering].min(axis=1) + 1e-9)
            # Cheapest per unit carried; among equals, the one that carries most.
            carried = np.maximum(np.minimum(capacity, remaining), 1)
            total = np.where(capacity >= 1, cell_cost[gone].sum(axis=1) / carried, np.inf)
            best = int(np.lexsort((-capacity, total))[0])
            if not np.isfinite(total[best]):
                return None
            step = min(capacity[best], remaining)
            delta = np.where(exists[best], sign[best] * direction * step, 0.0)
            np.add.at(value, gone[best], delta)
            np.add.at(change, gone[best], delta)
            cell_cost[gone[best]] = 0.0
            remaining -= step
        moved = np.flatnonzero(change[:n] != 0)
        delta = change[moved]
        if not self._keeps_relations(moved, delta):
            return None
        fresh = ~hidden[moved]
        return Witness(moved, delta, float(self.cost[moved[fresh]].sum()))

    def _keeps_relations(self, cells: np.ndarray, delta: np.ndarray) -> bool:
        """Does moving ``cells`` by ``delta`` keep every relation of the component in bounds?"""
        comp = self.comp
        after = self.activity + comp.change(cells, delta)
        return bool(((after >= comp.lower - 1e-9) & (after <= comp.upper + 1e-9)).all())

    def _corners(self, cell: int) -> tuple[np.ndarray, ...] | None:
        """The corners of the hypercubes through ``cell``: (local cell, sign, exists, status, net,
        and the corner cells as ``find`` reads them).

        ``status`` tells whether a hypercube's change keeps every relation
        whatever the values (BALANCED) or reaches an inequality and is checked
        against the values (CHECK); one that can never keep an equality (a
        corner the data lacks) is left out. Shared by the components of one
        shape, unless the alternatives had to be cut (the cut depends on what
        is hidden in this component).
        """
        if cell in self.corners:
            return self.corners[cell]
        comp = self.comp
        alternatives = self._alternatives(cell)
        if not alternatives or comp.coords is None:
            self.corners[cell] = None
            return None
        capped = self._cap(alternatives)
        k = len(capped)
        shape = tuple(len(c) for _, c, _ in capped)
        choice = np.indices(shape).reshape(k, -1).T  # (C, k): every combination
        n_cand = len(choice)
        subsets = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(bool)  # (M, k)
        coords = np.broadcast_to(comp.coords[cell], (n_cand, 2**k, comp.coords.shape[1])).copy()
        sign = np.ones((n_cand, 2**k), dtype=np.int64)
        for j, (d, codes, signs) in enumerate(capped):
            alt_code = codes[choice[:, j]]  # (C,)
            alt_sign = signs[choice[:, j]]
            on = subsets[:, j]  # (M,)
            coords[:, on, d] = alt_code[:, None]
            sign[:, on] *= alt_sign[:, None]
        local = comp.lookup(encode(coords, comp.radix))  # (C, M)
        # Corners the data lacks stay out (linked tables: SEX × AGE and SEX × EXPLOIT
        # share only their margins); the check against the equations decides.
        exists = local >= 0
        local, sign = np.where(exists, local, 0), np.where(exists, sign, 0)
        status, net = self._balance(local, sign)
        # A hypercube a missing corner unbalances never fits: kept out of every search.
        usable = status != UNBALANCED
        local, sign, exists = local[usable], sign[usable], exists[usable]
        n = comp.n_cells  # the slot of a lacking corner in ``find``'s per-cell arrays
        found = (
            local,
            sign,
            exists,
            status[usable],
            net.only(usable),
            np.where(exists, local, n),
            np.where(sign < 0, local, n),  # corners going down when the cell goes up
            np.where(sign > 0, local, n),
        )
        if capped is alternatives:
            self.corners[cell] = found
        return found

    def _balance(self, local: np.ndarray, sign: np.ndarray) -> tuple[np.ndarray, _Net]:
        """Each hypercube's status and the change its unit move makes to each equation.

        All the cell's hypercubes at once, from the component's entries by
        cell: it depends on the shape alone.
        """
        comp = self.comp
        n_cand, n_corners = local.shape
        owner = np.repeat(np.arange(n_cand), n_corners)
        present = sign.reshape(-1) != 0  # a corner the data lack moves nothing
        owner, signs = owner[present], sign.reshape(-1)[present]
        entry, counts = comp.entries(local.reshape(-1)[present])
        key = np.repeat(owner, counts) * comp.n_eq + comp.eq[entry]
        weight = comp.coef[entry] * np.repeat(signs, counts)
        if n_cand * comp.n_eq <= 4_000_000:  # dense tally: no sort
            value = np.bincount(key, weights=weight, minlength=n_cand * comp.n_eq)
            keys = np.flatnonzero(np.abs(value) > 1e-9)
            value = value[keys]
        else:
            keys, inverse = np.unique(key, return_inverse=True)
            value = np.bincount(inverse, weights=weight)
            moved = np.abs(value) > 1e-9
            keys, value = keys[moved], value[moved]
        cand, eq = keys // comp.n_eq, keys % comp.n_eq
        net = _Net(np.searchsorted(cand, np.arange(n_cand + 1)), eq, value)
        status = np.where(np.diff(net.start) > 0, CHECK, BALANCED).astype(np.int8)
        status[np.unique(cand[comp.lower[eq] == comp.upper[eq]])] = UNBALANCED
        return status, net

    def _cap(self, alternatives):
        """Keep at most MAX_CANDIDATES hypercubes: drop the costliest alternatives first."""
        comp, state = self.comp, self.state
        sizes = [len(c) for _, c, _ in alternatives]
        if np.prod(sizes, dtype=float) <= MAX_CANDIDATES:
            return alternatives
        trimmed = []
        for d, codes, signs in alternatives:
            # Cheapness of an alternative: is any cell with that code hidden already?
            have = np.isin(comp.coords[:, d], codes)
            hidden_codes = comp.coords[have & state.hidden[comp.rows], d]
            rank = np.argsort(~np.isin(codes, hidden_codes), kind="stable")
            trimmed.append([d, codes[rank], signs[rank]])
        while np.prod([len(c) for _, c, _ in trimmed], dtype=float) > MAX_CANDIDATES:
            longest = max(range(len(trimmed)), key=lambda i: len(trimmed[i][1]))
            trimmed[longest][1] = trimmed[longest][1][:-1]
            trimmed[longest][2] = trimmed[longest][2][:-1]
        return [tuple(t) for t in trimmed]

    def _first_valid(
        self,
        total: np.ndarray,
        local: np.ndarray,
        sign: np.ndarray,
        amount: float,
        status: np.ndarray,
        net: _Net,
    ):
        """Cheapest candidate whose change keeps every equation in bounds."""
        finite = np.flatnonzero(np.isfinite(total))
        if len(finite) == 0:
            return None
        order = finite[np.argsort(total[finite], kind="stable")[:MAX_LOOKED_AT]]
        budget = 8  # candidates checked against the values at most
        comp = self.comp
        for c in order.tolist():
            if budget == 0:
                return None
            if status[c] == CHECK:
                budget -= 1
                span = slice(net.start[c], net.start[c + 1])
                eqs = net.eq[span]
                after = self.activity[eqs] + amount * net.value[span]
                if ((after < comp.lower[eqs] - 1e-9) | (after > comp.upper[eqs] + 1e-9)).any():
                    continue
            moved = sign[c] != 0
            return Witness(local[c][moved], sign[c][moved] * float(amount), float(total[c]))
        return None
