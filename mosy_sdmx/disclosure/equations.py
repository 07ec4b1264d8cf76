"""The additive relations of ``rules.yaml`` as a sparse linear system over the cells.

One equation per group instance (an AdditiveGroup with every other key
component fixed): ``Σ coef · value`` over its member rows, with ``coef`` +1
for the total and -1 for each part, lies in ``[lower, upper]``. What the
bounds are is what anyone can know from the rules and the data's shape:

- ``equal`` with every part present: ``total - Σ parts = 0``;
- ``equal`` with parts absent or without a value: ``total - Σ present ≥ 0``
  (the absent parts are unknown but not negative);
- ``at_most`` (EXPLOIT under MULTI): ``total - Σ parts ≤ 0`` when every part
  is present, plus ``total - part ≥ 0`` for each part (no form exceeds the
  total).

Only relations a reader could use are kept: the total must have a value and
at least one part beside it, and the members must agree on the attributes of
``additivity_same_attributes`` (COUNT_RULE). The arrays are parallel (one
entry per member), so that the system is built with ``groupby`` and
``bincount``, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.structures.rules import AdditiveGroup

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Equations:
    """Sparse rows ``lower[e] ≤ Σ coef · x[row] ≤ upper[e]``, entries in parallel arrays.

    ``dimension`` names, per equation, the dimension its group runs along;
    ``is_total`` marks the entry of the equation's total.
    """

    row: np.ndarray
    eq: np.ndarray
    coef: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    dimension: np.ndarray
    n_rows: int

    @property
    def n_eq(self) -> int:
        return len(self.lower)

    @property
    def is_total(self) -> np.ndarray:
        return self.coef > 0

    def activity(self, values: np.ndarray) -> np.ndarray:
        """``Σ coef · values`` per equation (NaN values count as 0)."""
        v = np.nan_to_num(values[self.row], nan=0.0)
        return np.bincount(self.eq, weights=self.coef * v, minlength=self.n_eq)

    def violated(self, values: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
        """Equations the values break."""
        act = self.activity(values)
        return np.flatnonzero((act < self.lower - tolerance) | (act > self.upper + tolerance))

    def components(self) -> np.ndarray:
        """Label per row of the cells linked by equations (-1: in no equation).

        Rows sharing an equation share a label; labels are the smallest row in
        the component, so they are stable for a given row order.
        """
        label = np.full(self.n_rows, -1, dtype=np.int64)
        if self.n_eq == 0:
            return label
        row = self.row
        label[row] = row
        while True:
            per_eq = np.full(self.n_eq, self.n_rows, dtype=np.int64)
            np.minimum.at(per_eq, self.eq, label[row])
            new = label.copy()
            np.minimum.at(new, row, per_eq[self.eq])
            # Follow labels to their root so long chains settle in few rounds.
            linked = new >= 0
            new[linked] = new[new[linked]]
            if np.array_equal(new, label):
                return label
            label = new


def _empty(n_rows: int) -> Equations:
    none_i = np.zeros(0, dtype=np.int64)
    none_f = np.zeros(0, dtype=float)
    return Equations(none_i, none_i, none_f, none_f, none_f, np.zeros(0, dtype=object), n_rows)


class _Coded:
    """Each column of the data as integer codes, factorized once per column.

    Every additive group looks at most key columns again (the instance of a
    relation is its row's codes of all the other keys): factorizing a text
    column per group cost more than building the whole system.
    """

    def __init__(self, data: pd.DataFrame) -> None:
        self.data = data
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """(code per row, -1 for missing; the distinct values, by code)."""
        if column not in self._codes:
            values = self.data[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                coded = values.cat.codes.to_numpy().astype(np.int64), values.cat.categories
            else:
                found, uniques = pd.factorize(values, use_na_sentinel=True)
                coded = found.astype(np.int64), pd.Index(uniques)
            self._codes[column] = coded
        return self._codes[column]


def _positions(coded: _Coded, column: str, codes: list[str]) -> np.ndarray:
    """Index of each row's code in ``codes`` (-1 when not a member), column-wise.

    The few distinct values are looked up, then the integer codes mapped: no
    string per row.
    """
    found, uniques = coded.codes(column)
    lookup = pd.Index(codes).get_indexer(uniques.astype(str))
    lookup = np.append(lookup, -1)  # code -1 (missing) maps to -1
    return lookup[found]


def _instance_ids(coded: _Coded, idx: np.ndarray, others: list[str]) -> np.ndarray:
    """Group number of each row ``idx`` by its codes of ``others`` (first seen, first numbered).

    Integer codes per column combined in one mixed-radix key: no pandas
    groupby, whose set-up dominates on the small tables a publication protects.
    """
    if not others:
        return np.zeros(len(idx), dtype=np.int64)
    key = np.zeros(len(idx), dtype=np.int64)
    for column in others:
        found, uniques = coded.codes(column)
        codes, n = found[idx], len(uniques)
        if n and key.max(initial=0) > np.iinfo(np.int64).max // (n + 1):
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # keep it small
        key = key * (n + 1) + codes + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


def _agree(data: pd.DataFrame, idx: np.ndarray, gid: np.ndarray, n: int, same: list[str]):
    """Per instance: True when every member holds the same value of each ``same`` column."""
    ok = np.ones(n, dtype=bool)
    for column in same:
        codes = pd.factorize(data[column].iloc[idx].astype(object), use_na_sentinel=False)[0]
        lo = np.full(n, np.iinfo(np.int64).max)
        hi = np.full(n, -1)
        np.minimum.at(lo, gid, codes)
        np.maximum.at(hi, gid, codes)
        ok &= lo == hi
    return ok


def _relations(
    data: pd.DataFrame, group: AdditiveGroup, idx: np.ndarray, gid: np.ndarray, n: int, pos
):
    """Per instance: True where the relation is ``equal`` (from the parts' attribute)."""
    default = group.relation == "equal"
    if group.relation_attribute is None or group.relation_attribute not in data.columns:
        return np.full(n, default)
    values = data[group.relation_attribute].iloc[idx].astype(str)
    equal_values = [v for v, rel in group.relation_by_value.items() if rel == "equal"]
    at_most_values = [v for v, rel in group.relation_by_value.items() if rel != "equal"]
    parts = pos > 0
    says_equal = values.isin(equal_values).to_numpy() & parts
    says_at_most = values.isin(at_most_values).to_numpy() & parts
    n_equal = np.bincount(gid, weights=says_equal, minlength=n)
    n_at_most = np.bincount(gid, weights=says_at_most, minlength=n)
    # Parts that disagree, or say nothing, fall back to the weaker relation
    # unless the declared default is equal and nobody says otherwise.
    equal = (n_equal > 0) & (n_at_most == 0)
    return equal | ((n_equal == 0) & (n_at_most == 0) & default)


def build_equations(
    data: pd.DataFrame,
    key_columns: list[str],
    groups: list[AdditiveGroup] | tuple[AdditiveGroup, ...],
    valued: np.ndarray,
    same_attributes: tuple[str, ...] = (),
) -> Equations:
    """Every relation of ``groups`` that holds among the rows with a value."""
    rows, eqs, coefs, lowers, uppers, dims = [], [], [], [], [], []
    offset = 0
    same = [c for c in same_attributes if c in data.columns]
    coded = _Coded(data)
    for group in groups:
        if group.dimension not in data.columns or group.dimension not in key_columns:
            continue
        codes = [group.total, *group.parts]
        pos_all = _positions(coded, group.dimension, codes)
        idx = np.flatnonzero((pos_all >= 0) & valued)
        if len(idx) < 2:
            continue
        pos = pos_all[idx].astype(np.int64)
        gid = _instance_ids(coded, idx, [c for c in key_columns if c != group.dimension])
        n = int(gid.max()) + 1
        has_total = np.bincount(gid, weights=pos == 0, minlength=n) > 0
        n_parts = np.bincount(gid, weights=pos > 0, minlength=n)
        complete = n_parts == len(group.parts)
        keep = has_total & (n_parts > 0)
        if same:
            keep &= _agree(data, idx, gid, n, same)
        equal = _relations(data, group, idx, gid, n, pos)
        # The sum relation: bounds on total - Σ parts.
        lower = np.where(equal, 0.0, -INF)
        upper = np.where(equal & complete, 0.0, INF)
        upper = np.where(~equal & complete, 0.0, upper)
        informative = keep & ~(~equal & ~complete)
        renumber = np.cumsum(informative) - 1
        member = informative[gid]
        rows.append(idx[member])
        eqs.append(renumber[gid[member]] + offset)
        coefs.append(np.where(pos[member] == 0, 1.0, -1.0))
        lowers.append(lower[informative])
        uppers.append(upper[informative])
        n_sum = int(informative.sum())
        dims.append(np.full(n_sum, group.dimension, dtype=object))
        offset += n_sum
        # at_most: no part exceeds its total (one two-member row per part).
        pairs = keep & ~equal
        if pairs.any():
            total_row = np.full(n, -1, dtype=np.int64)
            total_row[gid[pos == 0]] = idx[pos == 0]
            part = (pos > 0) & pairs[gid]
            part_rows, owner = idx[part], total_row[gid[part]]
            k = len(part_rows)
            rows.append(np.column_stack([owner, part_rows]).reshape(-1))
            eqs.append(np.repeat(np.arange(k, dtype=np.int64) + offset, 2))
            coefs.append(np.tile([1.0, -1.0], k))
            lowers.append(np.zeros(k))
            uppers.append(np.full(k, INF))
            dims.append(np.full(k, group.dimension, dtype=object))
            offset += k
    if not rows:
        return _empty(len(data))
    return Equations(
        np.concatenate(rows),
        np.concatenate(eqs),
        np.concatenate(coefs),
        np.concatenate(lowers),
        np.concatenate(uppers),
        np.concatenate(dims),
        len(data),
    )
