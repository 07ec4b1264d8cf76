"""Additive groups as columns: which observation rows form one ``total = Σ parts`` equation.

A group instance is one AdditiveGroup of ``rules.yaml`` with every other key
component fixed. It is kept as three parallel arrays (row, group id, position
of the member's code, 0 = the total), so that counting suppressed members and
picking candidates are ``bincount``/``lexsort`` calls, never a loop over rows.

Only equations the public could use are kept: the total must be present with
a value and at least one part beside it. Parts absent from the data are
treated as if the equation held without them, which over-protects partial
breakdowns rather than trusting that a missing part hides anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.structures.rules import AdditiveGroup


@dataclass(frozen=True, slots=True)
class Membership:
    """One entry per (row, group instance) pair; arrays have equal length."""

    row: np.ndarray
    gid: np.ndarray
    pos: np.ndarray
    n_groups: int

    @property
    def is_total(self) -> np.ndarray:
        return self.pos == 0

    @property
    def coefficient(self) -> np.ndarray:
        """+1 for the total, -1 for a part: ``Σ coefficient · value = 0`` per group."""
        return np.where(self.pos == 0, 1.0, -1.0)


def _empty() -> Membership:
    none = np.zeros(0, dtype=np.int64)
    return Membership(none, none, none, 0)


def _positions(column: pd.Series, codes: list[str]) -> np.ndarray:
    """Index of each row's code in ``codes`` (-1 when not a member), column-wise."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # Look up the few categories, then map the integer codes: no string per row.
        lookup = pd.Index(codes).get_indexer(column.cat.categories.astype(str))
        lookup = np.append(lookup, -1)  # category code -1 (missing) maps to -1
        return lookup[column.cat.codes.to_numpy()]
    return pd.Index(codes).get_indexer(column.astype(str))


def build_membership(
    data: pd.DataFrame,
    key_columns: list[str],
    groups: list[AdditiveGroup] | tuple[AdditiveGroup, ...],
    usable: np.ndarray,
) -> Membership:
    """Group instances of ``groups`` among the ``usable`` rows (those with a value).

    Relations ``at_most`` (EXPLOIT under MULTI) are treated like ``equal``:
    there subtraction only yields bounds, so protecting them as if they were
    exact equations suppresses a little more than needed but never too little.
    """
    rows, gids, positions = [], [], []
    offset = 0
    for group in groups:
        if group.dimension not in data.columns or group.dimension not in key_columns:
            continue
        codes = [group.total, *group.parts]
        pos_all = _positions(data[group.dimension], codes)
        idx = np.flatnonzero((pos_all >= 0) & usable)
        if len(idx) < 2:
            continue
        pos = pos_all[idx].astype(np.int64)
        others = [c for c in key_columns if c != group.dimension]
        if others:
            sub = data[others].iloc[idx]
            gid = sub.groupby(others, observed=True, sort=False, dropna=False).ngroup()
            gid = gid.to_numpy(dtype=np.int64)
        else:
            gid = np.zeros(len(idx), dtype=np.int64)
        n = int(gid.max()) + 1
        has_total = np.bincount(gid, weights=pos == 0, minlength=n) > 0
        big_enough = np.bincount(gid, minlength=n) >= 2
        keep_group = has_total & big_enough
        keep = keep_group[gid]
        if not keep.any():
            continue
        renumber = np.cumsum(keep_group) - 1
        rows.append(idx[keep])
        gids.append(renumber[gid[keep]] + offset)
        positions.append(pos[keep])
        offset += int(keep_group.sum())
    if not rows:
        return _empty()
    return Membership(np.concatenate(rows), np.concatenate(gids), np.concatenate(positions), offset)


def hidden_per_group(membership: Membership, hidden: np.ndarray) -> np.ndarray:
    """How many members of each group instance are suppressed."""
    return np.bincount(
        membership.gid, weights=hidden[membership.row], minlength=membership.n_groups
    ).astype(np.int64)
