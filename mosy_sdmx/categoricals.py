"""Per-value work spread over rows: a column as integer codes over its distinct values.

Readers, writers and checks decide things once per distinct value (is this
code allowed? which number is this text?) and then spread the answer over
millions of rows by one gather on the codes, where code -1 marks a row
without a value. These helpers are that gather, written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def rows_where(codes: np.ndarray, per_value: np.ndarray) -> np.ndarray:
    """Rows whose value is flagged in ``per_value``; a row without a value (-1) never is."""
    if len(per_value) == 0:
        return np.zeros(len(codes), dtype=bool)
    return (codes >= 0) & np.asarray(per_value, dtype=bool)[np.maximum(codes, 0)]


def per_row(codes: np.ndarray, per_value: Any, missing: Any) -> np.ndarray:
    """Each row's entry of ``per_value``, or ``missing`` for a row without a value (-1).

    ``per_value`` is an array, or a list taken as Python objects one by one
    (tuples and texts stay whole); the result widens to hold ``missing``.
    """
    values = _objects(per_value) if isinstance(per_value, list) else np.asarray(per_value)
    extra = np.array([missing], dtype=object if missing is None else None)
    table = np.concatenate([values, extra])
    return table[np.where(codes >= 0, codes, len(values))]


def _objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """A column as int64 codes (-1: no value) and how many distinct values it may hold.

    A categorical gives its own codes (no hashing); anything else is factorized.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), len(uniques)


def combine_codes(
    parts: list[tuple[np.ndarray, int]], n: int, *, dense: bool = True
) -> tuple[np.ndarray, int]:
    """Ids of tuples of integer codes, without building any tuple.

    Mixed-radix arithmetic in int64; when the radix product would overflow, the
    running id is re-densified with factorize first (so any number of columns works).
    With ``dense=False`` the ids may be sparse below the returned bound (saves a
    hash pass when the bound is small). Dense ids number the tuples in the order
    they first appear.
    """
    if not parts:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    key = np.zeros(n, dtype=np.int64)
    bound = 1
    for codes, size in parts:
        radix = size + 1  # +1 for the empty value (-1)
        if bound * radix >= 2**62:
            key, uniques = pd.factorize(key)
            key = key.astype(np.int64)
            bound = len(uniques)
        key = key * radix + (codes.astype(np.int64) + 1)
        bound *= radix
    if not dense:
        return key, bound
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


def row_groups(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by their values in ``columns``, without a Python object per row.

    Returns each row's group (0, 1, ... in the order groups first appear; a
    missing value is a value of its own) and the first row of each group, in
    group order: what ``groupby(columns, sort=False, dropna=False).ngroup()``
    gives, at the cost of integer arithmetic on the columns' codes.
    """
    n = len(frame)
    groups, _ = combine_codes([column_codes(frame[c]) for c in columns], n)
    if not n:
        return groups, np.zeros(0, dtype=np.int64)
    # Ids are numbered by first appearance: a row opens a group when its id
    # exceeds every id before it.
    seen = np.maximum.accumulate(groups)
    opens = np.empty(n, dtype=bool)
    opens[0] = True
    opens[1:] = groups[1:] > seen[:-1]
    return groups, np.flatnonzero(opens)


__all__ = ["column_codes", "combine_codes", "per_row", "row_groups", "rows_where"]
