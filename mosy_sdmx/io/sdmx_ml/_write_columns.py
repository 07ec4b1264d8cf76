"""Column-wise building of XML text for the SDMX-ML data writers.

Observations are never turned into Python objects or lxml elements: every
column is factorised once, each distinct value is escaped and formatted once
into an XML fragment (e.g. `` OBS_STATUS="A"``), and the per-row fragments
are gathered and concatenated with pyarrow kernels. The joined string array's
data buffer *is* the serialised text, so a chunk of lines reaches the output
stream without another copy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Characters XML 1.0 cannot carry at all (not even as references).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def escape_attr(value: str) -> str:
    """Escape a string for a double-quoted XML attribute value."""
    return _ILLEGAL.sub("", value).translate(_ATTR_ESCAPES)


def format_number(value: float) -> str:
    """xs:double lexical form; integral values without ``.0`` (``50``, not ``50.0``)."""
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


class Fragments:
    """One column as (codes, fragment table): fragment ``codes[i]`` belongs to row i.

    The last table entry is the fragment for a missing value (usually empty),
    so a code of -1 (pandas' NA code) picks it without remapping.
    """

    __slots__ = ("codes", "table")

    def __init__(self, codes: np.ndarray, table: pa.Array) -> None:
        self.codes = codes
        self.table = table

    def take(self, rows: np.ndarray | slice) -> pa.Array:
        codes = self.codes[rows]
        codes = np.where(codes < 0, len(self.table) - 1, codes)
        return self.table.take(pa.array(codes, type=pa.int32()))


def factorize(column: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) and distinct values of a column, without copies
    for categoricals."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.int64), list(column.cat.categories)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def value_text(value: object, numeric: bool = False) -> str:
    """The text of one distinct value (numbers in xs:double form)."""
    if numeric or isinstance(value, (float, np.floating)):
        try:
            return format_number(float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def fragments(
    column: pd.Series,
    render: Callable[[str], str],
    missing: str = "",
    numeric: bool = False,
) -> Fragments:
    """Fragments of a column: ``render(escaped_text)`` per distinct value."""
    codes, uniques = factorize(column)
    table = [render(escape_attr(value_text(v, numeric))) for v in uniques]
    table.append(missing)
    return Fragments(codes, pa.array(table, type=pa.string()))


def constant(text: str, length: int) -> Fragments:
    """The same fragment on every row."""
    return Fragments(np.zeros(length, dtype=np.int64), pa.array([text, ""], type=pa.string()))


def join_rows(parts: Sequence[Fragments | str], rows: np.ndarray | slice) -> pa.Array:
    """Concatenate, row by row, the fragments of ``parts`` for ``rows``."""
    arrays = [p if isinstance(p, str) else p.take(rows) for p in parts]
    arrays.append("")  # the separator argument of binary_join_element_wise
    return pc.binary_join_element_wise(*arrays)


def write_text_array(stream: BinaryIO, lines: pa.Array) -> None:
    """Write a string array's concatenated values straight from its data buffer."""
    if len(lines) == 0:
        return
    if lines.type != pa.large_string() and lines.type != pa.string():
        lines = lines.cast(pa.string())
    offsets_buf, data_buf = lines.buffers()[1], lines.buffers()[2]
    width = 8 if lines.type == pa.large_string() else 4
    dtype = np.int64 if width == 8 else np.int32
    offsets = np.frombuffer(
        offsets_buf, dtype=dtype, count=len(lines) + 1, offset=lines.offset * width
    )
    start, end = int(offsets[0]), int(offsets[-1])
    if data_buf is not None and end > start:
        stream.write(memoryview(data_buf)[start:end])


def group_rows(data: pd.DataFrame, key_columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Order rows so that equal keys are contiguous and find where each run starts.

    Returns (order, starts): ``data.iloc[order]`` has every key's rows together
    (input order kept within a key; no reorder at all if already grouped) and
    ``starts`` are the positions in that order where a new key begins.
    """
    n = len(data)
    if n == 0:
        return np.arange(0), np.arange(0)
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for name in key_columns:
        codes, uniques = factorize(data[name])
        size = len(uniques) + 1
        if radix * size >= 2**62:  # compact before the mixed-radix key overflows
            key, uniq = pd.factorize(key)
            key = key.astype(np.int64)
            radix = len(uniq)
        key = key * size + (codes + 1)
        radix *= size
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    # Already grouped (each key in one run): keep the input order. Only worth
    # checking when runs are long; shuffled input goes straight to the sort.
    if len(starts) <= n // 2 and len(np.unique(key[starts])) == len(starts):
        return np.arange(n), starts
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return order, starts
