"""No dimension is ever lost: a property over every reader and every layout.

Whatever the format (each reader) and the way the writer lays the message out
(series, flat, cross-sections), a dataset with one dimension value missing
never comes back without a word: the writer refuses it or the reader does,
naming the dimension. A complete dataset comes back with every dimension on
every observation and the same keys.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_samples import thb_dataset, thb_layout

from mosy_sdmx import DataFormat, read_data, write_data
from mosy_sdmx.exceptions import DatasetError, ParseError

LAYOUT = thb_layout()
KEYS = LAYOUT.key_columns()
#: How each format can lay observations out.
LAYOUTS = {
    DataFormat.SDMX_ML_21_GENERIC: ("TIME_PERIOD", "AllDimensions", "SEX"),
    DataFormat.SDMX_ML_21_SS: ("TIME_PERIOD", "AllDimensions", "REF_AREA"),
    DataFormat.SDMX_ML_30: ("TIME_PERIOD", "AllDimensions", "AGE"),
    DataFormat.SDMX_JSON_10: ("series", "flat"),
    DataFormat.SDMX_JSON_20: ("series", "flat"),
    DataFormat.SDMX_CSV_10: ("plain",),
    DataFormat.SDMX_CSV_20: ("plain",),
    DataFormat.XLSX: ("plain",),
}
CASES = [(fmt, option) for fmt, options in LAYOUTS.items() for option in options]
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _options(fmt: DataFormat, option: str) -> dict:
    if fmt.is_xml:
        return {"dimension_at_observation": option}
    if fmt in (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20):
        return {"flat": option == "flat"}
    return {}


def _with_gap(dataset, dimension: str, row: int):
    data = dataset.data.copy()
    column = data[dimension].astype(object)
    column.iloc[row % len(column)] = None
    data[dimension] = (
        column.astype("str") if dimension == "TIME_PERIOD" else column.astype("category")
    )
    return dataset.with_data(data)


def _round_trip(dataset, fmt, option, structure):
    written = write_data(dataset, None, fmt, LAYOUT, **_options(fmt, option))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_data(written, structure)


@PROPERTY
@given(
    case=st.sampled_from(CASES),
    dimension=st.sampled_from(KEYS),
    row=st.integers(min_value=0, max_value=10_000),
    series=st.integers(min_value=1, max_value=6),
    with_structure=st.booleans(),
)
def test_a_missing_dimension_value_never_passes(case, dimension, row, series, with_structure):
    fmt, option = case
    dataset = _with_gap(thb_dataset(n_series=series, years=2, seed=row), dimension, row)
    gap_row = row % len(dataset)
    if fmt is DataFormat.SDMX_CSV_20 and pd.isna(dataset.data["OBS_VALUE"].iloc[gap_row]):
        # A row without a value attaches attributes to a partial key (SDMX-CSV 2.0):
        # read as such, the row and its gap are kept, nothing is lost.
        back = _round_trip(dataset, fmt, option, LAYOUT if with_structure else None)
        assert len(back) == len(dataset)
        assert back.data[dimension].isna().sum() == 1
        return
    try:
        written = write_data(dataset, None, fmt, LAYOUT, **_options(fmt, option))
    except DatasetError as err:  # the writer refuses first
        assert dimension in str(err)
        return
    with warnings.catch_warnings(), pytest.raises(ParseError) as err:
        warnings.simplefilter("ignore")
        # Without a structure, readers find the dataflow the message names.
        read_data(written, LAYOUT if with_structure else None)
    assert err.value.code in ("missing-dimension-value", "missing-dimension"), err.value
    assert err.value.location.component == dimension or dimension in str(err.value)


@PROPERTY
@given(
    case=st.sampled_from(CASES),
    series=st.integers(min_value=1, max_value=8),
    years=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=1000),
    with_structure=st.booleans(),
)
def test_complete_data_keeps_every_dimension(case, series, years, seed, with_structure):
    fmt, option = case
    dataset = thb_dataset(n_series=series, years=years, seed=seed)
    back = _round_trip(dataset, fmt, option, LAYOUT if with_structure else None)
    assert len(back) == len(dataset)
    for dimension in KEYS:
        assert dimension in back.data.columns
        assert back.data[dimension].notna().all()

    def keys(frame: pd.DataFrame) -> list[tuple]:
        return sorted(frame[KEYS].astype(str).itertuples(index=False, name=None))

    assert keys(back.data) == keys(dataset.data)


UNKNOWN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=XX:NOT_BUILT_IN(1.0)"


@pytest.mark.parametrize(
    ("fmt", "option"),
    [
        (DataFormat.SDMX_ML_21_GENERIC, "TIME_PERIOD"),
        (DataFormat.SDMX_ML_21_GENERIC, "AllDimensions"),
        (DataFormat.SDMX_JSON_10, "series"),
        (DataFormat.SDMX_JSON_20, "flat"),
    ],
)
@pytest.mark.parametrize("dimension", ["SEX", "TIME_PERIOD"])
def test_self_describing_messages_are_checked_without_a_structure(fmt, option, dimension):
    """Generic SDMX-ML and SDMX-JSON declare their dimensions: checked even for a
    dataflow no structure at hand describes."""
    dataset = thb_dataset(n_series=3, years=2)
    dataset.structure_urn = UNKNOWN
    complete = _round_trip(dataset, fmt, option, None)
    assert set(KEYS) <= set(complete.layout.key_columns())
    gap = _with_gap(dataset, dimension, 2)
    try:
        written = write_data(gap, None, fmt, LAYOUT, **_options(fmt, option))
    except DatasetError:
        return
    with pytest.raises(ParseError, match=dimension):
        read_data(written)
