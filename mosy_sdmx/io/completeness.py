"""No dimension is ever lost: the check every reader runs before it returns a Dataset.

A reader that missed a dimension (a message form it misread, a layout it did
not know) would hand back observations that seem to share keys they do not
share, and every later step (validation, disclosure control, a registry
merging submissions) would build on that. So each reader names the
dimensions it expects (the structure's, or without one those the message
declares) and this check refuses the result unless each has a column with a
value on every observation.

Gaps are allowed only where the standard gives them a meaning: a wildcard in
a row whose action is Delete (SDMX-CSV 2.0, SDMX-ML 3.0), and, where a format
allows it, a row that carries no measure value at all, which attaches
attributes to a partial key (SDMX-CSV 2.0 examples 12 and 13).

The SDMX-ML and SDMX-JSON readers run the check themselves (they also know
the dimensions a message declares without a structure); for the table-like
formats (SDMX-CSV, workbooks), which declare none, ``read_data`` runs it
against the structure read with (``check_table``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Action
from mosy_sdmx.exceptions import Location, ParseError


def check_dimensions(
    frame: pd.DataFrame,
    dimensions: Iterable[str],
    *,
    source: str | None,
    action: Action = Action.INFORMATION,
    measures: Iterable[str] = (),
    partial_keys: bool = False,
    row_base: int = 1,
    row_numbers: Sequence[int] | None = None,
    unit: str = "observation",
) -> None:
    """Raise ParseError unless every dimension has a value on every observation.

    Args:
        frame: the reader's result, one row per observation.
        dimensions: the dimension ids (time dimension included) the data must key.
        source: the input's name, for the error's location.
        action: the dataset's action; Delete rows may leave dimensions out.
        measures: measure columns; with ``partial_keys``, rows without any
            measure value may leave dimensions out.
        partial_keys: whether the format allows rows that attach attributes to
            a partial key (SDMX-CSV 2.0).
        row_base: the number the format gives the frame's first row, for the
            location (1 for the first observation or CSV data row).
        row_numbers: the number of each row instead, when they have gaps
            (sheet rows of a workbook).
        unit: what a row is called in the message (``observation``, ``row``).
    """
    if frame.empty:
        return
    exempt = _exempt_rows(frame, action, measures, partial_keys)
    if exempt is True:
        return
    for dim in dimensions:
        if dim not in frame.columns:
            if exempt is not False and bool(exempt.all()):
                continue
            raise ParseError(
                "Dimension missing",
                f"no {unit} gives a value for dimension {dim}: observations would share "
                "keys they do not share",
                location=Location(source=source, component=dim),
                context={"component": dim, "rows": len(frame)},
                code="missing-dimension",
            )
        gaps = _empty(frame[dim])
        if exempt is not False:
            gaps &= ~exempt
        if gaps.any():
            first = int(np.flatnonzero(gaps)[0])
            number = int(row_numbers[first]) if row_numbers is not None else first + row_base
            count = int(gaps.sum())
            plural = f"{count} {unit}s lack" if count > 1 else f"one {unit} lacks"
            raise ParseError(
                "Dimension value missing",
                f"{plural} a value for dimension {dim} (the first is {unit} "
                f"{number}): its key would be incomplete",
                location=Location(source=source, row=number, component=dim),
                context={"component": dim, "rows": count, "first": number},
                code="missing-dimension-value",
            )


def _empty(column: pd.Series) -> np.ndarray:
    """Missing or empty-string cells, without a pass over the rows for categoricals."""
    gaps = column.isna().to_numpy(dtype=bool, copy=True)
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if "" in categories:
            gaps |= np.asarray(column.cat.codes) == categories.get_loc("")
    elif pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
        gaps |= column.eq("").to_numpy(dtype=bool, na_value=False)
    return gaps


def _exempt_rows(
    frame: pd.DataFrame, action: Action, measures: Iterable[str], partial_keys: bool
) -> np.ndarray | bool:
    """Rows that may leave dimensions out: True (all), False (none) or a mask."""
    if action is Action.DELETE and "ACTION" not in frame.columns:
        return True
    exempt: np.ndarray | None = None
    if "ACTION" in frame.columns:
        exempt = (frame["ACTION"].astype(object) == Action.DELETE.value).to_numpy()
    if partial_keys:
        present = [m for m in measures if m in frame.columns]
        no_value = np.ones(len(frame), dtype=bool)
        for measure in present:
            no_value &= frame[measure].isna().to_numpy()
        exempt = no_value if exempt is None else exempt | no_value
    return False if exempt is None else exempt


def check_table(dataset, layout, *, partial_keys: bool) -> None:
    """The check for a table-like reader's Dataset (SDMX-CSV, workbook) read with
    ``layout``; with ``partial_keys`` (SDMX-CSV 2.0), rows without a measure value
    may attach attributes to a partial key."""
    if layout is None:
        return
    lines = dataset.source_lines
    check_dimensions(
        dataset.data,
        layout.key_columns(),
        source=dataset.source,
        action=dataset.action,
        measures=layout.measures,
        partial_keys=partial_keys,
        row_numbers=lines.to_numpy() if lines is not None else None,
        row_base=dataset.row_offset if dataset.source_sheet and dataset.row_offset else 1,
        unit="row",
    )
