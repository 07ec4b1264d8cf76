"""The limits on untrusted input: defaults, environment, and changing them."""

from __future__ import annotations

import pytest

from mosy_sdmx.limits import Limits, get_limits, limits_override, set_limits


def test_defaults_suit_thb_data():
    limits = Limits()
    assert limits.max_depth == 64
    assert limits.max_sheet_rows == 1_048_576  # Excel's own
    assert limits.max_sheet_columns * limits.max_sheet_rows > limits.max_sheet_cells


def test_environment_overrides_defaults():
    limits = Limits.from_environment({"MOSY_MAX_DEPTH": "32", "MOSY_MAX_SHEET_CELLS": "1_000"})
    assert (limits.max_depth, limits.max_sheet_cells) == (32, 1000)
    assert limits.max_ratio == Limits().max_ratio


@pytest.mark.parametrize("value", ["many", "0", "-3"])
def test_nonsense_in_the_environment_is_refused_by_name(value):
    with pytest.raises(ValueError, match=r"max_depth|MOSY_MAX_DEPTH"):
        Limits.from_environment({"MOSY_MAX_DEPTH": value})


def test_override_is_undone_after_the_block():
    before = get_limits()
    with limits_override(max_depth=5) as limits:
        assert get_limits() == limits and limits.max_depth == 5
    assert get_limits() == before


def test_set_limits_returns_the_previous_ones():
    previous = set_limits(max_sheet_rows=10)
    try:
        assert get_limits().max_sheet_rows == 10
    finally:
        set_limits(previous)
    assert get_limits() == previous
