"""The per-value gather: rows without a value (code -1) never take a neighbour's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import column_codes, per_row, row_groups, rows_where

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


def _pandas_groups(frame: pd.DataFrame, columns: list[str]) -> tuple[list[int], list[int]]:
    groups = frame.groupby(columns, sort=False, dropna=False, observed=True).ngroup()
    firsts = pd.Series(range(len(frame))).groupby(groups.to_numpy()).first()
    return groups.tolist(), firsts.tolist()


def test_row_groups_agree_with_pandas_groupby() -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    frame = pd.DataFrame(
        {
            "area": pd.Categorical(rng.choice(["PT", "ES", "FR", None], n)),
            "sex": rng.choice(["F", "M", "T"], n).astype(object),
            "year": rng.integers(2008, 2012, n),
            "note": pd.Series(rng.choice(["x", None], n), dtype=object),
        }
    )
    for columns in (["area"], ["area", "sex"], ["sex", "year", "note"], list(frame.columns)):
        groups, firsts = row_groups(frame, columns)
        assert (groups.tolist(), firsts.tolist()) == _pandas_groups(frame, columns), columns


def test_row_groups_number_groups_in_order_of_first_appearance() -> None:
    frame = pd.DataFrame({"a": ["y", "x", "y", "z", "x"], "b": ["1", "1", "1", "2", "1"]})
    groups, firsts = row_groups(frame, ["a", "b"])
    assert groups.tolist() == [0, 1, 0, 2, 1]
    assert firsts.tolist() == [0, 1, 3]


def test_row_groups_of_many_wide_columns_do_not_overflow() -> None:
    # 20 columns of 1,000 values each: the radix product passes int64 many times over.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 1_000, 300) for i in range(20)})
    frame = pd.concat([frame, frame.iloc[::3]], ignore_index=True)
    groups, firsts = row_groups(frame, list(frame.columns))
    assert (groups.tolist(), firsts.tolist()) == _pandas_groups(frame, list(frame.columns))


def test_row_groups_of_no_rows() -> None:
    groups, firsts = row_groups(pd.DataFrame({"a": pd.Series([], dtype=object)}), ["a"])
    assert len(groups) == 0 and len(firsts) == 0


def test_column_codes_reuse_a_categoricals_codes() -> None:
    column = pd.Series(["b", None, "a"], dtype=pd.CategoricalDtype(["a", "b", "c"]))
    codes, size = column_codes(column)
    assert codes.tolist() == [1, -1, 0] and size == 3
    codes, size = column_codes(pd.Series(["b", None, "a", "b"], dtype=object))
    assert codes.tolist() == [0, -1, 1, 0] and size == 2
