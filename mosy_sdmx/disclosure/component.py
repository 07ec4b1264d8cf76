"""One connected sub-table: the cells that share equations, and its local system.

Cells of different components share no equation, so each is protected on its
own (τ-ARGUS's "modular" idea, with components as the modules). A component
holds its rows, the local sparse matrix (entries by equation; by cell for
HiGHS and for the change a hypercube makes), and the cells' coordinates along
the group dimensions for the hypercube search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.equations import Equations


@dataclass(slots=True)
class Component:
    rows: np.ndarray  # global row of each local cell
    # Local equations, one entry per (equation, cell): parallel arrays.
    eq: np.ndarray
    cell: np.ndarray
    coef: np.ndarray
    lower: np.ndarray  # per local equation
    upper: np.ndarray
    eq_dimension: np.ndarray
    # By cell (CSC): entries col_start[j]:col_start[j+1] of ``by_cell``.
    col_start: np.ndarray = field(init=False)
    by_cell: np.ndarray = field(init=False)
    # Entries are sorted by equation: eq_start[e]:eq_start[e+1] are equation e's.
    eq_start: np.ndarray = field(init=False)
    # Hypercube search: coordinates along the group dimensions, encoded.
    dims: list[str] = field(default_factory=list)
    coords: np.ndarray | None = None  # (n_cells, n_dims) category codes
    radix: np.ndarray | None = None
    encoded_sorted: np.ndarray | None = None
    encoded_order: np.ndarray | None = None

    def __post_init__(self) -> None:
        order = np.argsort(self.cell, kind="stable")
        self.by_cell = order
        self.col_start = np.searchsorted(self.cell[order], np.arange(self.n_cells + 1))
        self.eq_start = np.searchsorted(self.eq, np.arange(self.n_eq + 1))

    @property
    def n_cells(self) -> int:
        return len(self.rows)

    @property
    def n_eq(self) -> int:
        return len(self.lower)

    def entries(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The entries of local ``cells``, cell after cell, and how many each cell has."""
        starts = self.col_start[cells]
        counts = self.col_start[cells + 1] - starts
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.by_cell[np.repeat(starts, counts) + offsets], counts

    def change(self, cells: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """What moving local ``cells`` by ``delta`` does to each local equation's sum."""
        entry, counts = self.entries(cells)
        weights = self.coef[entry] * np.repeat(delta, counts)
        return np.bincount(self.eq[entry], weights=weights, minlength=self.n_eq)

    def lookup(self, encoded: np.ndarray) -> np.ndarray:
        """Local cell of each encoded coordinate (-1 where no such cell)."""
        pos = np.searchsorted(self.encoded_sorted, encoded)
        pos = np.minimum(pos, len(self.encoded_sorted) - 1)
        hit = self.encoded_sorted[pos] == encoded
        return np.where(hit, self.encoded_order[pos], -1)


def shape_key(comp: Component) -> bytes:
    """Equal for components with the same cells in the same relations (values aside).

    Each country-year of a table is such a component: what the witness search
    derives from the shape alone is worked out once for all of them.
    """
    parts = [comp.eq, comp.cell, comp.coef, comp.lower, comp.upper]
    if comp.coords is not None:
        parts.append(comp.coords)
    text = "|".join([*comp.dims, *comp.eq_dimension.astype(str).tolist()]).encode()
    return b"".join([np.int64(comp.n_cells).tobytes(), text, *(a.tobytes() for a in parts)])


def split_components(
    equations: Equations, data: pd.DataFrame, wanted: np.ndarray
) -> list[Component]:
    """The components holding at least one ``wanted`` row, each with its local system."""
    label = equations.components()
    targets = np.unique(label[wanted & (label >= 0)])
    if len(targets) == 0:
        return []
    entry_label = label[equations.row]
    keep = np.isin(entry_label, targets)
    e_row, e_eq, e_coef = equations.row[keep], equations.eq[keep], equations.coef[keep]
    e_label = entry_label[keep]
    order = np.lexsort((e_eq, e_label))
    e_row, e_eq, e_coef, e_label = e_row[order], e_eq[order], e_coef[order], e_label[order]
    bounds = np.flatnonzero(np.diff(e_label)) + 1
    dims = sorted(set(equations.dimension.tolist())) if equations.n_eq else []
    codes = {d: _category_codes(data[d]) for d in dims}
    out = []
    for r, e, c in zip(
        np.split(e_row, bounds), np.split(e_eq, bounds), np.split(e_coef, bounds), strict=True
    ):
        rows, cell = np.unique(r, return_inverse=True)
        eqs, local_eq = np.unique(e, return_inverse=True)
        comp = Component(
            rows=rows,
            eq=local_eq,
            cell=cell,
            coef=c,
            lower=equations.lower[eqs],
            upper=equations.upper[eqs],
            eq_dimension=equations.dimension[eqs],
        )
        _index_coordinates(comp, sorted(set(comp.eq_dimension.tolist())), codes)
        out.append(comp)
    return out


def _category_codes(column: pd.Series) -> np.ndarray:
    """Codes numbered in the sorted order of their text, whatever else the column holds.

    The numbering orders the hypercubes tried for a cell, so it must not depend
    on the rows of other sub-tables (which codes they hold, which came first).
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = column.cat.categories.astype(str).to_numpy()
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.argsort(names, kind="stable")] = np.arange(len(names))
        codes = column.cat.codes.to_numpy().astype(np.int64)
        return np.where(codes >= 0, rank[codes], -1)
    return pd.factorize(column.astype(str), sort=True)[0].astype(np.int64)


def _index_coordinates(comp: Component, dims: list[str], codes: dict[str, np.ndarray]) -> None:
    comp.dims = dims
    coords = np.column_stack([codes[d][comp.rows] for d in dims]) if dims else None
    if coords is None:
        return
    coords = coords + 1  # -1 (missing) -> 0
    radix = coords.max(axis=0) + 1
    comp.coords = coords
    comp.radix = radix
    encoded = encode(coords, radix)
    order = np.argsort(encoded, kind="stable")
    comp.encoded_sorted = encoded[order]
    comp.encoded_order = order


def encode(coords: np.ndarray, radix: np.ndarray) -> np.ndarray:
    """Mixed-radix integer of coordinate rows (last axis)."""
    weights = np.cumprod(np.concatenate([[1], radix[::-1][:-1]]))[::-1]
    return (coords * weights).sum(axis=-1)
