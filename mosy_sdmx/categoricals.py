"""Per-value work spread over rows: a column as integer codes over its distinct values.

Readers, writers and checks decide things once per distinct value (is this
code allowed? which number is this text?) and then spread the answer over
millions of rows by one gather on the codes, where code -1 marks a row
without a value. These helpers are that gather, written once.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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


__all__ = ["per_row", "rows_where"]
