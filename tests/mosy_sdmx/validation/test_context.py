"""Encoded columns: rows in and outside a set of codes, empty rows in neither."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.validation.context import Encoded

COLUMN = Encoded(np.array([0, -1, 1, 2, -1, 0], dtype=np.int64), pd.Index(["PT", "ES", "FR"]))


def test_mask_outside_flags_rows_with_another_value() -> None:
    assert COLUMN.mask_outside({"PT"}).tolist() == [False, False, True, True, False, False]


def test_an_empty_row_is_neither_in_nor_outside() -> None:
    inside, outside = COLUMN.mask_in({"ES"}), COLUMN.mask_outside({"ES"})
    assert not (inside & outside).any()
    assert (inside | outside).tolist() == (COLUMN.codes >= 0).tolist()


def test_outside_nothing_allowed_is_every_row_with_a_value() -> None:
    assert COLUMN.mask_outside(set()).tolist() == [True, False, True, True, False, True]
