"""The per-value gather: rows without a value (code -1) never take a neighbour's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import per_row, rows_where

CODES = np.array([1, -1, 0, 1, -1], dtype=np.int64)


def test_rows_where_flags_the_rows_of_flagged_values_only() -> None:
    assert rows_where(CODES, np.array([False, True])).tolist() == [True, False, False, True, False]
    # Code -1 must not read entry 0, even when entry 0 is flagged.
    assert rows_where(CODES, np.array([True, False])).tolist() == [False, False, True, False, False]


def test_rows_where_without_values_is_all_false() -> None:
    assert rows_where(np.array([-1, -1]), np.array([], dtype=bool)).tolist() == [False, False]


def test_per_row_fills_rows_without_a_value() -> None:
    assert per_row(CODES, np.array([3, 4]), -1).tolist() == [4, -1, 3, 4, -1]
    floats = per_row(CODES, np.array([1.5, 2.5]), np.nan)
    assert floats.dtype == np.float64 and np.isnan(floats[[1, 4]]).all()
    assert per_row(np.array([-1]), np.array([], dtype=np.int64), -1).tolist() == [-1]


def test_per_row_keeps_python_objects_whole() -> None:
    out = per_row(CODES, ["a", ("x", "y")], None)
    assert out.tolist() == [("x", "y"), None, "a", ("x", "y"), None]


def test_per_row_agrees_with_pandas_on_a_categorical() -> None:
    column = pd.Series(["b", None, "a", "b", None], dtype="category")
    codes = column.cat.codes.to_numpy()
    categories = np.asarray(column.cat.categories, dtype=object)
    assert (
        per_row(codes, categories, None).tolist()
        == column.astype(object).where(column.notna(), None).tolist()
    )
