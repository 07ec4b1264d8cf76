"""SDMX-CSV 1.0 and 2.0 reader on pyarrow's multi-threaded CSV parser.

The header row is parsed here (it tells the version, the separator and the
labels mode); the body goes to ``pyarrow.csv`` with coded columns read as
dictionaries and everything else as strings, then measures are cast to float64
in one vectorised step. Errors name the data row (row 1 = first row after the
header); finding it costs a second, single-threaded pass, and only on bad input.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mosy_sdmx.categoricals import per_row
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.frame import finish_frame, lift_actions, to_float, urn_from_ref
from mosy_sdmx.io.sdmx_csv.header import Column, CsvHeader, parse_header, split_label
from mosy_sdmx.io.sdmx_csv.multi_values import parse_column
from mosy_sdmx.io.source import ChainedStream
from mosy_sdmx.io.unknown import Extra, unknown_components
from mosy_sdmx.structures import ComponentLayout, ValueKind

_DICT = pa.dictionary(pa.int32(), pa.string())
_HEAD_LIMIT = 1024 * 1024
_BLOCK = 4 * 1024 * 1024


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    extra_columns: Extra = "error",
    **_: object,
) -> Dataset:
    """Read SDMX-CSV 1.0 or 2.0 (told apart by the first header term).

    With a ``layout``, a column naming no component of the structure is a
    ParseError unless ``extra_columns`` is ``"keep"`` or ``"ignore"``, and
    every dimension must have a column when observations are sent.
    """
    line, body = _split_header(stream, source_name)
    header = parse_header(line, source_name)
    _check_columns(header, layout, source_name, extra_columns)
    table = _parse_body(header, body, layout, source_name)
    return _to_dataset(header, table, layout, source_name, extra_columns)


# -- header -----------------------------------------------------------------


def _split_header(stream: BinaryIO, source: str | None) -> tuple[str, BinaryIO]:
    """Read the first line; return it and a stream positioned at the body."""
    start = stream.tell() if stream.seekable() else None
    head = stream.read(64 * 1024)
    while True:
        cut = _line_end(head)
        if cut is not None or len(head) >= _HEAD_LIMIT:
            break
        more = stream.read(64 * 1024)
        if not more:
            break
        head += more
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if not head[bom:].strip():
        raise ParseError("Empty input", "the file holds no data", location=Location(source=source))
    if cut is None:
        if len(head) >= _HEAD_LIMIT:
            raise ParseError(
                "Header row too long", "no line end in the first MiB", location=Location(source)
            )
        cut = (len(head), len(head))
    try:
        line = head[bom : cut[0]].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            "Not UTF-8", f"the header row is not UTF-8 ({exc.reason})", location=Location(source, 1)
        ) from None
    if start is not None:
        stream.seek(start + cut[1])
        return line, stream
    return line, io.BufferedReader(ChainedStream(head[cut[1] :], stream), buffer_size=_BLOCK)  # type: ignore[arg-type]


def _line_end(data: bytes) -> tuple[int, int] | None:
    """(end of line, start of next line) of the first line, any line-end style."""
    n, r = data.find(b"\n"), data.find(b"\r")
    if n < 0 and r < 0:
        return None
    if r >= 0 and (n < 0 or r < n):
        if r + 1 < len(data) and data[r + 1 : r + 2] == b"\n":
            return r, r + 2
        if r + 1 == len(data):
            return None  # could be \r\n split across reads
        return r, r + 1
    return n, n + 1


def _check_columns(
    header: CsvHeader, layout: ComponentLayout | None, source: str | None, extra: Extra
) -> None:
    if layout is None:
        return
    unknown = [
        (index, col)
        for index, col in enumerate(header.columns)
        if col.role == "component" and col.id not in layout.components
    ]
    if unknown and extra == "error":
        index, first = unknown[0]
        raise unknown_components(
            [col.id for _, col in unknown],
            layout.dsd_id,
            Location(source=source, line=1, column=index + 1, component=first.id),
        )
    for _, col in unknown:
        col.role = "custom"


# -- body -------------------------------------------------------------------


def _column_type(col: Column, layout: ComponentLayout | None) -> pa.DataType:
    if col.role in ("structure", "structure_id", "action"):
        return _DICT
    if col.role in ("name", "key", "structure_name", "custom"):
        return pa.string()
    if layout is not None:
        comp = layout.components.get(col.id)
        if col.id == layout.time_dimension or col.id in layout.measures:
            return pa.string()
        if comp is not None and comp.kind in (ValueKind.NUMBER, ValueKind.INTEGER):
            return pa.string()
        return _DICT
    if col.id in ("TIME_PERIOD", "OBS_VALUE"):
        return pa.string()
    return _DICT


def _parse_body(
    header: CsvHeader, body: BinaryIO, layout: ComponentLayout | None, source: str | None
) -> pa.Table:
    names = header.internal_names()
    types = {n: _column_type(c, layout) for n, c in zip(names, header.columns, strict=True)}
    start = body.tell() if body.seekable() else None
    # Numbers straight to float64 (comma-separated files only: with ";" a decimal
    # comma may be used); a value Arrow cannot read sends them back to strings,
    # where ``to_float`` trims, tolerates and names the row of a bad one.
    columns = zip(names, header.columns, strict=True)
    numbers = [n for n, c in columns if _parsed_as_number(c, layout)]
    if header.delimiter != "," or start is None:
        numbers = []
    quoted = _may_hold_quotes(body, start)
    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "error"

    def run(threads: bool, stream: BinaryIO, as_numbers: list[str]) -> pa.Table:
        return pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=threads, block_size=_BLOCK
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=header.delimiter,
                # Only a quoted value can hold a line break; without any quote
                # Arrow may cut blocks at line ends, which is much quicker.
                newlines_in_values=quoted,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={**types, **dict.fromkeys(as_numbers, pa.float64())},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
            memory_pool=_POOL,
        )

    try:
        if numbers:
            try:
                table = run(True, body, numbers)
            except pa.ArrowInvalid as exc:
                if "conversion error to double" not in str(exc):
                    raise
            else:
                if not _nan_or_infinite(table, numbers):
                    return table
                # Arrow reads nan, inf, Infinity...: only the strings tell NaN from nan.
            invalid.clear()
            body.seek(start)
        return run(True, body, [])
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "Empty CSV file" in message:  # a header and no rows: valid, empty
            return pa.table({n: pa.array([], type=t) for n, t in types.items()})
        if "UTF8" in message and start is not None:
            body.seek(start)
            found = _utf8_error(body, message, header, source)
            raise found or ParseError(
                "Not UTF-8", message, location=Location(source=source)
            ) from None
        if not invalid and start is not None and "columns, got" in message:
            # Arrow decodes a malformed row as UTF-8 before the handler sees it, so
            # a row that is not UTF-8 never reaches it: its bytes say where it is.
            body.seek(start)
            found = _utf8_error(body, message, header, source)
            if found is not None:
                raise found from None
        if invalid and invalid[0].number is None and start is not None:
            invalid.clear()
            body.seek(start)
            with contextlib.suppress(pa.ArrowInvalid):
                run(False, body, [])
        raise _body_error(message, invalid, header, source) from None
    except (OSError, EOFError) as exc:
        raise ParseError("Unreadable input", str(exc), location=Location(source=source)) from None


def _nan_or_infinite(table: pa.Table, names: list[str]) -> bool:
    return any(pc.any(pc.or_(pc.is_nan(table[n]), pc.is_inf(table[n]))).as_py() for n in names)


def _parsed_as_number(col: Column, layout: ComponentLayout | None) -> bool:
    if layout is None or col.role != "component" or col.id not in layout.measures:
        return False
    return layout.components[col.id].kind in (ValueKind.NUMBER, ValueKind.INTEGER)


def _may_hold_quotes(body: BinaryIO, start: int | None) -> bool:
    """False only when the body of a plain file has no double quote at all."""
    if start is None or not isinstance(getattr(body, "raw", body), io.FileIO):
        return True  # decompressed, in memory or a pipe: not worth a second pass
    fd, offset = body.fileno(), start
    try:
        while True:  # pread: the stream's position stays where Arrow will start
            chunk = os.pread(fd, _BLOCK, offset)
            if not chunk:
                return False
            if b'"' in chunk:
                return True
            offset += len(chunk)
    except OSError:
        return True


def _memory_pool() -> pa.MemoryPool | None:
    """jemalloc where Arrow has it: a fresh process pays far less to first touch
    its memory than with the default mimalloc (0.37 s against 0.52 s to parse
    1M THB rows here; the same once warm)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


_POOL = _memory_pool()


def _utf8_error(
    body: BinaryIO, message: str, header: CsvHeader, source: str | None
) -> ParseError | None:
    """The first data row that is not UTF-8, if any (error path only: a second pass)."""
    match = re.search(r"column #(\d+)", message)
    column = int(match.group(1)) if match else None
    component = header.columns[column].id if column is not None else None
    for number, line in enumerate(body, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return ParseError(
                "Not UTF-8",
                f"data row {number} has bytes that are not UTF-8 ({exc.reason}); "
                "save the file as UTF-8",
                location=Location(
                    source=source,
                    row=number,
                    line=number + 1,
                    column=column + 1 if column is not None else None,
                    component=component,
                ),
            )
    return None


def _body_error(message: str, invalid: list, header: CsvHeader, source: str | None) -> ParseError:
    if invalid:
        row = invalid[0]
        missing = row.actual_columns < row.expected_columns
        ids = [c.id for c in header.columns]
        detail = (
            f"expected {row.expected_columns} fields, found {row.actual_columns}"
            + (
                f" (no value for {', '.join(ids[row.actual_columns :][:5])})"
                if missing and row.actual_columns < len(ids)
                else ""
            )
            + f": {row.text[:120]!r}"
        )
        number = row.number
        return ParseError(
            "Missing column" if missing else "Too many fields",
            detail,
            location=Location(
                source=source,
                row=number,
                line=number + 1 if number is not None else None,
            ),
        )
    if "UTF8" in message or "utf8" in message.lower():
        return ParseError("Not UTF-8", message, location=Location(source=source))
    return ParseError("Malformed SDMX-CSV", message, location=Location(source=source))


# -- frame --------------------------------------------------------------------


def _to_dataset(
    header: CsvHeader,
    table: pa.Table,
    layout: ComponentLayout | None,
    source: str | None,
    extra: Extra,
) -> Dataset:
    """The parsed table as a Dataset: actions, typed columns, labels, the contract."""
    names = header.internal_names()
    roles = {n: c for n, c in zip(names, header.columns, strict=True)}
    n_rows = table.num_rows
    converted = _Converted(table)
    structure_urn, structure_ids = _structure_urn(header, converted, names, roles)
    action, action_column, delete_rows = _actions(converted, names, n_rows)
    columns, labels = _component_columns(
        header, converted, roles, layout, source, extra, delete_rows
    )
    df = pd.DataFrame(columns, index=pd.RangeIndex(n_rows))
    for name, values in (("STRUCTURE_ID", structure_ids), ("ACTION", action_column)):
        if values is not None:
            df[name] = pd.Categorical(values.to_numpy())
    _check_dimensions(df, header, layout, source, action)
    if layout is not None:  # 1.0 (and streaming 2.0) send every attribute, used or not
        unused = [a for a in layout.attributes if a in df.columns and df[a].isna().all()]
        df = df.drop(columns=unused)
    df, ds_attrs = finish_frame(df, layout)
    return Dataset(
        data=df,
        structure_urn=structure_urn or (layout.structure_urn if layout is not None else None),
        action=action,
        attributes=ds_attrs,
        labels=labels,
        source=source,
        row_offset=2,
    )


def _actions(
    table: _Converted, names: list[str], n_rows: int
) -> tuple[Action, pd.Series | None, np.ndarray | None]:
    """The dataset's action, a per-row ACTION column when rows differ, and the Delete rows."""
    action, action_column = Action.INFORMATION, None
    if "\x00action" in names:
        action, action_column = lift_actions(table.pandas("\x00action"))
    delete_rows = None
    if action is Action.DELETE:
        delete_rows = np.ones(n_rows, dtype=bool)
    elif action_column is not None:
        delete_rows = (action_column == Action.DELETE.value).to_numpy()
    return action, action_column, delete_rows


def _component_columns(
    header: CsvHeader,
    table: _Converted,
    roles: dict[str, Column],
    layout: ComponentLayout | None,
    source: str | None,
    extra: Extra,
    delete_rows: np.ndarray | None,
) -> tuple[dict[str, pd.Series | np.ndarray], dict[str, dict[str, str]]]:
    """Component (and kept custom) columns, typed, and the labels the file carries."""
    columns: dict[str, pd.Series | np.ndarray] = {}
    labels: dict[str, dict[str, str]] = {}
    measures = set(layout.measures) if layout is not None else {"OBS_VALUE"}
    for name, col in roles.items():
        if col.role not in ("component", "custom") or (col.role == "custom" and extra == "ignore"):
            continue
        if col.role == "component" and col.id in measures:
            columns[col.id] = _measure_column(header, table, name, col, layout, source, delete_rows)
            continue
        series = table.pandas(name)
        if col.brackets is not None and header.version == "2.0":  # several values, languages
            columns[col.id] = parse_column(series, col.brackets, header.subfield)
            continue
        if header.has_labels and col.role == "component" and _is_labelled(col, layout, series):
            series, found = _split_cells(series)
            if found:
                labels[col.id] = found
        columns[col.id] = series
    for name, col in roles.items():  # labels=name: names in the column after the ids
        if col.role == "name" and col.name_of in columns:
            found = _name_column(columns[col.name_of], table.pandas(name))
            if found:
                labels[col.name_of] = found
    return columns, labels


def _measure_column(
    header: CsvHeader,
    table: _Converted,
    name: str,
    col: Column,
    layout: ComponentLayout | None,
    source: str | None,
    delete_rows: np.ndarray | None,
) -> pd.Series | np.ndarray:
    """A numeric measure as float64; text where the measure is not numeric (or in Delete
    rows, which may send ``-`` for a value)."""
    numeric = layout is None or layout.components[col.id].kind in (
        ValueKind.NUMBER,
        ValueKind.INTEGER,
    )
    if numeric:
        tolerate = delete_rows if layout is not None else np.ones(table.num_rows, dtype=bool)
        values = to_float(
            table[name],
            col.id,
            source=source,
            decimal_comma=header.delimiter != ",",
            tolerate=tolerate,
        )
        if values is not None:
            return values
    return table.pandas(name)


class _Converted:
    """The parsed table, its text columns turned into pandas all at once.

    One ``Table.to_pandas`` converts the columns on Arrow's threads (dictionary
    columns become categoricals); numbers stay Arrow for ``to_float``.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.num_rows = table.num_rows
        names = table.column_names
        text = [
            i
            for i, field in enumerate(table.schema)
            if field.type != pa.float64() and names.count(field.name) == 1
        ]
        self._frame = table.select(text).to_pandas(use_threads=True) if text else None

    def __getitem__(self, name: str) -> pa.ChunkedArray:
        return self.table[name]

    def pandas(self, name: str) -> pd.Series:
        if self._frame is not None and name in self._frame.columns:
            return self._frame[name]
        return pd.Series(self.table[name].to_pandas())


def _structure_urn(header, table, names, roles) -> tuple[str | None, pd.Series | None]:
    """The first row's structure URN; a per-row STRUCTURE_ID column if rows differ."""
    id_name = next((n for n in names if roles[n].role == "structure_id"), None)
    if id_name is None or table.num_rows == 0:
        return None, None
    refs = table.pandas(id_name).astype("category")
    plain = [c.split(": ", 1)[0] for c in map(str, refs.cat.categories)]
    if len(set(plain)) != len(plain):
        refs = refs.astype(object).map(lambda c: str(c).split(": ", 1)[0]).astype("category")
    else:
        refs = refs.cat.rename_categories(plain)
    kind = "dataflow"
    if header.version == "2.0":
        kind = str(table["\x00structure"][0].as_py() or "dataflow")
    urn = urn_from_ref(kind, str(refs.iloc[0]))
    return urn, (refs if len(refs.cat.categories) > 1 else None)


def _is_labelled(col: Column, layout: ComponentLayout | None, series: pd.Series) -> bool:
    """Coded and time columns carry ``ID: label`` cells under labels=both."""
    if layout is not None:
        comp = layout.components.get(col.id)
        if comp is None:
            return False
        return comp.kind in (ValueKind.CODED, ValueKind.TIME)
    cats = series.astype("category").cat.categories
    return len(cats) > 0 and bool(pd.Series(cats, dtype=object).str.contains(": ").all())


def _split_cells(series: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Split ``ID: label`` cells on the categories only (few), not per row."""
    cats = series.astype("category")
    labels: dict[str, str] = {}
    ids = []
    for text in cats.cat.categories:
        ident, label = split_label(str(text))
        ids.append(ident)
        if label is not None and label != ident:
            labels[ident] = label
    unique = list(dict.fromkeys(ids))
    positions = np.array([unique.index(i) for i in ids], dtype=np.int64)
    codes = cats.cat.codes.to_numpy()
    new_codes = per_row(codes, positions, -1)
    out = pd.Series(pd.Categorical.from_codes(new_codes, categories=unique), index=series.index)
    if not isinstance(series.dtype, pd.CategoricalDtype):
        out = out.astype(object).where(out.notna(), None).astype(series.dtype)
    return out, labels


def _name_column(ids: pd.Series, names: pd.Series) -> dict[str, str]:
    pairs = pd.DataFrame({"id": ids.astype(object), "name": names.astype(object)}).dropna()
    pairs = pairs.drop_duplicates("id")
    return {str(i): str(n) for i, n in zip(pairs["id"], pairs["name"], strict=True) if i != n}


def _check_dimensions(
    df: pd.DataFrame,
    header: CsvHeader,
    layout: ComponentLayout | None,
    source: str | None,
    action: Action,
) -> None:
    if layout is None or action is Action.DELETE:
        return
    if not any(m in df.columns for m in layout.measures):
        return  # attribute-only rows for partial keys (SDMX-CSV 2.0)
    missing = [d for d in layout.key_columns() if d not in df.columns]
    if missing:
        raise ParseError(
            "Missing column",
            f"no column for {', '.join(missing)}; every dimension of {layout.dsd_id} "
            "needs one when observations are sent",
            location=Location(source=source, line=1, component=missing[0]),
            context={"missing": missing},
        )
