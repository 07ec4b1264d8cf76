"""Series / flat bodies built from columns and written in big chunks.

A body is a list of per-row "parts" (constant strings or column Fragments).
Series-keyed bodies group rows by the series key and put the series' opening
line (preceded by the previous series' closing tag) in front of its first
observation, so one vectorised join yields the whole text of a chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mosy_sdmx.io.sdmx_ml._write_columns import (
    Fragments,
    group_rows,
    join_rows,
    write_text_array,
)
from mosy_sdmx.structures.layout import ComponentLayout, ValueKind

CHUNK_ROWS = 200_000

Parts = Sequence[Fragments | str]


def is_numeric(layout: ComponentLayout, column: pd.Series, component: str) -> bool:
    comp = layout.components.get(component)
    if comp is not None and comp.kind in (ValueKind.NUMBER, ValueKind.INTEGER):
        return True
    return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )


def write_flat(stream: BinaryIO, n: int, obs_parts: Parts) -> None:
    """One line per row, in input order."""
    for start in range(0, n, CHUNK_ROWS):
        rows = np.arange(start, min(start + CHUNK_ROWS, n))
        write_text_array(stream, join_rows(obs_parts, rows))


def write_series(
    stream: BinaryIO,
    data: pd.DataFrame,
    series_dimensions: Sequence[str],
    series_parts: Parts,
    obs_parts: Parts,
    close: str,
) -> None:
    """Series elements (opening line from ``series_parts``) holding their observations."""
    n = len(data)
    if n == 0:
        return
    order, starts = group_rows(data, series_dimensions)
    first_rows = order[starts]
    series_lines = join_rows(series_parts, first_rows)
    closes = np.full(len(starts), close, dtype=object)
    closes[0] = ""
    openers = pc.binary_join_element_wise(pa.array(closes, pa.string()), series_lines, "")
    codes = np.full(n, -1, dtype=np.int64)
    codes[first_rows] = np.arange(len(starts))
    table = pa.concat_arrays([openers.cast(pa.string()), pa.array([""], pa.string())])
    opener = Fragments(codes, table)
    parts = [opener, *obs_parts]
    for start in range(0, n, CHUNK_ROWS):
        rows = order[start : start + CHUNK_ROWS]
        write_text_array(stream, join_rows(parts, rows))
    stream.write(close.encode())
