"""A DELETE key as a Delete data set."""

from __future__ import annotations

import pytest

from mosy_sdmx.dataset import Action
from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.data import parse_key
from mosy_sdmx.rest.maintenance import MAX_DELETE_ROWS, deletion_dataset
from mosy_sdmx.structures import builtin_structures

FLOW = "DF_THB_VICTIMS"


def test_key_positions_become_rows_with_open_positions_empty() -> None:
    layout = builtin_structures().layout(FLOW)
    dims = list(layout.dimensions)
    key = ".".join("M+F" if d == "SEX" else ("AT" if d == "REF_AREA" else "*") for d in dims)
    dataset = deletion_dataset(layout, parse_key(key, "v2"), provider="AT_MOI")
    assert dataset.action is Action.DELETE
    assert sorted(dataset.data["SEX"]) == ["F", "M"]
    assert set(dataset.data["REF_AREA"]) == {"AT"}
    others = [d for d in dims if d not in ("SEX", "REF_AREA")]
    assert dataset.data[others].isna().all().all()
    assert dataset.data[layout.time_dimension].isna().all()


def test_no_key_is_one_empty_row_and_bad_keys_are_refused() -> None:
    layout = builtin_structures().layout(FLOW)
    everything = deletion_dataset(layout, ())
    assert len(everything.data) == 1 and everything.data.isna().all().all()
    with pytest.raises(InvalidQueryError, match="positions"):
        deletion_dataset(layout, parse_key("A.B", "v2"))
    codes = frozenset(f"C{i}" for i in range(200))
    broad = (codes, codes) + (None,) * (len(layout.dimensions) - 2)
    assert len(codes) ** 2 > MAX_DELETE_ROWS
    with pytest.raises(InvalidQueryError, match="broad"):
        deletion_dataset(layout, (broad,))
