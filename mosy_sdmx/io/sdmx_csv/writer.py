"""SDMX-CSV 1.0 and 2.0 writers on pyarrow's CSV writer, in chunks.

Each chunk of rows becomes an Arrow table (categoricals stay dictionaries, the
constant structure columns are one-entry dictionaries) and is written
unquoted; a chunk whose values need quoting (separators, quotes, line breaks)
is written again with quotes, which RFC 4180 readers accept either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any, BinaryIO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import MosyError, UnsupportedFormatError
from mosy_sdmx.io.frame import ref_from_urn
from mosy_sdmx.io.labels import Names, collect_names
from mosy_sdmx.io.sdmx_csv.multi_values import format_cell, header_brackets
from mosy_sdmx.structures import ComponentLayout, ValueKind

Labels = Literal["id", "both"]

CHUNK_ROWS = 256 * 1024


def write_10(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    labels: Labels = "id",
    labels_from=None,
    delimiter: str = ",",
    extra_columns: Mapping[str, Any] | None = None,
    **_: object,
) -> None:
    """SDMX-CSV 1.0: DATAFLOW, then one column per dimension, measure and attribute.

    ``extra_columns`` (name -> one value per observation) follow the components,
    e.g. a validation report's ``VALIDATION_ISSUES``.
    """
    _write(dataset, stream, layout, "1.0", labels, labels_from, delimiter, extra_columns)


def write_20(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    labels: Labels = "id",
    labels_from=None,
    delimiter: str = ",",
    extra_columns: Mapping[str, Any] | None = None,
    **_: object,
) -> None:
    """SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, then the components present.

    ``labels="both"`` writes ``ID: name`` headers and ``CODE: label`` cells,
    names taken from ``labels_from`` (a StructureSet) or the dataset's labels.
    ``extra_columns`` as for SDMX-CSV 1.0.
    """
    _write(dataset, stream, layout, "2.0", labels, labels_from, delimiter, extra_columns)


def _write(
    dataset: Dataset,
    stream: BinaryIO,
    layout: ComponentLayout,
    version: str,
    labels: Labels,
    labels_from,
    delimiter: str,
    extra_columns: Mapping[str, Any] | None = None,
) -> None:
    if labels not in ("id", "both"):
        raise UnsupportedFormatError(
            "Unsupported option", f"labels must be 'id' or 'both', not {labels!r}"
        )
    names = collect_names(layout, dataset, labels_from) if labels == "both" else Names()
    df = dataset.data
    urn = dataset.structure_urn or layout.structure_urn or layout.dsd_urn
    kind, ref = ref_from_urn(urn)
    columns = _component_columns(dataset, layout, version)

    # SDMX 3.0 several values / languages in a cell: ATTR[] and ATTR[en;fr] columns.
    brackets = _multi_value_columns(dataset, columns) if version == "2.0" else {}
    header: list[str] = []
    if version == "1.0":
        header.append("DATAFLOW")
    else:
        header += ["STRUCTURE" + (f"[{SUBFIELD}]" if brackets else ""), "STRUCTURE_ID", "ACTION"]
    for col in columns:
        named = f"{col}{brackets.get(col, '')}"
        header.append(f"{named}: {names.component(col)}" if labels == "both" else named)
    extra = {name: pd.Series(values, copy=False) for name, values in (extra_columns or {}).items()}
    header += list(extra)
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow(header)
    stream.write(text.getvalue().encode("utf-8"))

    structure_id = ref
    if labels == "both" and names.structure:
        structure_id = f"{ref}: {names.structure}"
    action_codes = None
    if version == "2.0" and "ACTION" in df.columns:
        action_codes = _action_codes(df["ACTION"])

    coded = {
        c
        for c in columns
        if c in layout.components and layout.components[c].kind is ValueKind.CODED
    }
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start : start + CHUNK_ROWS]
        n = len(chunk)
        arrays: list[pa.Array] = []
        if version == "2.0":
            arrays.append(_constant(kind, n))
        arrays.append(_constant(structure_id, n))
        if version == "2.0":
            if action_codes is not None:
                arrays.append(pa.Array.from_pandas(action_codes.iloc[start : start + n]))
            else:
                arrays.append(_constant(dataset.action.csv_code, n))
        for col in columns:
            if col in brackets:
                arrays.append(_multi_value_column(chunk, col, dataset, n))
            else:
                arrays.append(_column(chunk, col, dataset, coded, names, labels, n))
        for values in extra.values():
            arrays.append(_plain_column(values.iloc[start : start + n]))
        table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        stream.write(_chunk_bytes(table, delimiter))


#: The sub-field separator written after STRUCTURE when cells hold several values.
SUBFIELD = ";"


def _multi_value_columns(dataset: Dataset, columns: list[str]) -> dict[str, str]:
    """Columns (or dataset attributes) holding several values or languages -> brackets."""
    out = {}
    for col in columns:
        if col in dataset.data.columns:
            found = header_brackets(dataset.data[col])
        else:
            found = header_brackets(pd.Series([dataset.attributes.get(col)], dtype=object))
        if found is not None:
            out[col] = found
    return out


def _multi_value_column(chunk: pd.DataFrame, col: str, dataset: Dataset, n: int) -> pa.Array:
    values = chunk[col] if col in chunk.columns else [dataset.attributes.get(col)] * n
    return pa.array([format_cell(v, SUBFIELD) for v in values], pa.string())


def _component_columns(dataset: Dataset, layout: ComponentLayout, version: str) -> list[str]:
    df = dataset.data
    present = set(df.columns) | set(dataset.attributes)
    cols = [c for c in layout.key_columns() if c in df.columns or version == "1.0"]
    cols += [m for m in layout.measures if m in df.columns or version == "1.0"]
    for attr in layout.attributes:
        if version == "1.0" or attr in present:
            cols.append(attr)
    return cols


def _action_codes(values: pd.Series) -> pd.Series:
    cats = values.astype("category")
    mapping = {c: Action.parse(str(c)).csv_code for c in cats.cat.categories}
    return (
        cats.cat.rename_categories(mapping)
        if len(set(mapping.values())) == len(mapping)
        else cats.astype(object).map(mapping).astype("category")
    )


def _constant(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))


def _column(
    chunk: pd.DataFrame,
    col: str,
    dataset: Dataset,
    coded: set[str],
    names: Names,
    labels: Labels,
    n: int,
) -> pa.Array:
    if col not in chunk.columns:
        value = dataset.attributes.get(col)
        if value is None:
            return pa.nulls(n, pa.string())
        if labels == "both" and col in coded:
            value = f"{value}: {names.code(col, str(value))}"
        return _constant(str(value), n)
    series = chunk[col]
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        return pa.Array.from_pandas(series.to_numpy(), mask=series.isna().to_numpy())
    if labels == "both" and col in coded:
        series = series.astype("category")
        cats = [f"{c}: {names.code(col, str(c))}" for c in series.cat.categories]
        series = pd.Series(
            pd.Categorical.from_codes(series.cat.codes.to_numpy(), categories=cats),
            index=series.index,
        )
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.cat.rename_categories([str(c) for c in series.cat.categories])
        return pa.Array.from_pandas(series)
    return pa.Array.from_pandas(series.astype("string[pyarrow]"))


def _plain_column(values: pd.Series) -> pa.Array:
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(values):
        return pa.Array.from_pandas(values.to_numpy(), mask=values.isna().to_numpy())
    return pa.Array.from_pandas(values.astype("string[pyarrow]"))


def _chunk_bytes(table: pa.Table, delimiter: str) -> bytes:
    for quoting in ("none", "needed"):
        buffer = io.BytesIO()
        try:
            pacsv.write_csv(
                table,
                buffer,
                pacsv.WriteOptions(
                    include_header=False, delimiter=delimiter, quoting_style=quoting
                ),
            )
        except pa.ArrowInvalid:
            continue
        return buffer.getvalue()
    raise MosyError("Cannot write SDMX-CSV", "a value could not be written")  # pragma: no cover
