"""Excel workbook (a filled partner template) -> Dataset, column by column.

The sheets' rows come from calamine (``books``); they are gathered in
chunks and transposed into column lists, and each column is typed at once
(numbers with ``pd.to_numeric``, codes by converting their distinct values
only). The hidden ``_mosy`` sheet names the dataflow, the provider and each
column's component, so no structure needs to be given. A workbook without it
is read when a layout is given and one sheet's first row holds the key columns.

The archive is vetted by ``archive.check_archive`` (no DTD, no bomb) before
any sheet is parsed, and whatever calamine or zipfile raise while a sheet is
read becomes a ParseError naming that sheet.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import Location, MosyError, ParseError
from mosy_sdmx.io.frame import short_text
from mosy_sdmx.io.numbers import objects_to_doubles
from mosy_sdmx.io.unknown import Extra, extra_option, unknown_components
from mosy_sdmx.io.xlsx.archive import check_archive, diagnose
from mosy_sdmx.io.xlsx.books import Book, open_book
from mosy_sdmx.io.xlsx.meta import (
    DATASET_SHEET,
    META_SHEET,
    ColumnSpec,
    WorkbookMeta,
    column_letter,
    meta_for,
)
from mosy_sdmx.structures import ComponentLayout

#: Rows transposed into columns at a time.
CHUNK_ROWS = 50_000


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    extra_columns: Extra = "error",
    **_: object,
) -> Dataset:
    """Read a MoSy workbook (template or xlsx writer output) into a Dataset.

    A data column that names no component is refused, all such columns named,
    unless ``extra_columns`` is ``"keep"`` (kept as text) or ``"ignore"``.
    """
    extra = extra_option(extra_columns)
    source = source_name or "<workbook>"
    # A zip archive needs seeking; unseekable streams are read into memory first.
    seekable = getattr(stream, "seekable", lambda: False)()
    handle = stream if seekable else io.BytesIO(stream.read())
    with sheet_errors(source, handle=handle):
        check_archive(handle, source)
        book = open_book(handle)
    try:
        meta = _meta(book, layout, source, handle)
        if meta.data_sheet not in book.sheet_names:
            raise ParseError(
                "No data sheet",
                f"the workbook has no sheet {meta.data_sheet!r}; is it a MoSy template?",
                location=Location(source=source, sheet=meta.data_sheet),
            )
        with sheet_errors(source, meta.data_sheet, handle):
            sheet_rows = book.rows(meta.data_sheet, meta.header_row)
            frame, rows, letters = _read_data_sheet(
                sheet_rows, meta.data_sheet, meta, source, extra
            )
        with sheet_errors(source, DATASET_SHEET, handle):
            attributes = _read_dataset_sheet(book, meta, source)
    finally:
        with sheet_errors(source):
            book.close()
    contiguous = len(rows) == 0 or rows[-1] - rows[0] == len(rows) - 1
    return Dataset(
        data=frame,
        structure_urn=meta.structure_urn or (layout.structure_urn if layout else None),
        action=meta.action,
        provider=meta.provider or None,
        attributes=attributes,
        source=source,
        row_offset=int(rows[0]) if contiguous and len(rows) else None,
        source_lines=None if contiguous else pd.Series(rows, dtype="int64"),
        source_sheet=meta.data_sheet,
        source_columns=letters,
    )


@contextmanager
def sheet_errors(
    source: str, sheet: str | None = None, handle: BinaryIO | None = None
) -> Iterator[None]:
    """Turn anything but a MosyError raised inside into a ParseError at ``sheet``.

    calamine and openpyxl report broken parts with their own, zipfile and plain
    Python errors; none of them may escape ``read_data``. With ``handle``, the archive is
    parsed again by the hardened parser to name the broken sheet and position;
    otherwise the error's own text is kept, which names a position in the XML,
    never file contents a DTD could have pulled in (DTDs are refused before
    any sheet is read).
    """
    try:
        yield
    except MosyError:
        raise
    except Exception as exc:
        found = diagnose(handle, source) if handle is not None else None
        if found is not None:
            raise found from None
        what = "the workbook" if sheet is None else f"sheet {sheet!r}"
        raise ParseError(
            "Not a readable Excel workbook",
            f"{what} is broken: {type(exc).__name__}: {str(exc)[:200]}",
            location=Location(source=source, sheet=sheet),
        ) from None


def _meta(book: Book, layout: ComponentLayout | None, source: str, handle) -> WorkbookMeta:
    meta = None
    if META_SHEET in book.sheet_names:
        with sheet_errors(source, META_SHEET, handle):
            meta = WorkbookMeta.from_rows(book.rows(META_SHEET))
    if meta is not None:
        if layout is not None and layout.dsd_urn and meta.dsd_urn not in ("", layout.dsd_urn):
            raise ParseError(
                "Workbook is for another structure",
                f"it was made for {meta.structure_urn or meta.dsd_urn}, "
                f"not {layout.structure_urn or layout.dsd_urn}",
                location=Location(source=source, sheet=META_SHEET, cell="B3"),
            )
        return meta
    first = book.sheet_names[0] if book.sheet_names else None
    if layout is not None:
        key = set(layout.key_columns())
        for title in book.sheet_names:
            with sheet_errors(source, title, handle):
                header = next(book.rows(title), ())
            if key <= {_header_id(v) for v in header}:
                meta = meta_for(layout)
                meta.data_sheet = title
                return meta
    raise ParseError(
        "Not a MoSy workbook",
        "no data sheet found: the workbook is not a MoSy template, and no sheet's first row "
        "names the dataflow's dimensions",
        location=Location(source=source, sheet=first, cell="A1"),
    )


def _header_id(value: Any) -> str:
    """A header cell's component id; ``ID: label`` headers are accepted too."""
    if value is None:
        return ""
    return str(value).split(": ", 1)[0].strip()


def _read_data_sheet(
    rows: Iterator[tuple], title: str, meta: WorkbookMeta, source: str, extra: Extra = "error"
) -> tuple[pd.DataFrame, list[int], dict[str, str]]:
    """The observations, their Excel row numbers, and each component's column letter."""
    header = next(rows, None)
    positions = _header_positions(header, title, meta, source, extra)
    present = [c for c in meta.columns if c.id in positions]
    indices = [positions[c.id] for c in present]
    watched = [i for c, i in zip(present, indices, strict=True) if not c.fixed] or indices
    raw, excel_rows = _gather(rows, indices, watched, len(header or ()), meta.header_row)
    if not excel_rows:
        raise ParseError(
            "Empty data sheet",
            "no observations below the header row",
            location=Location(source=source, sheet=title, cell=f"A{meta.header_row + 1}"),
        )
    rows_array = np.asarray(excel_rows, dtype=np.int64)
    columns: dict[str, pd.Series] = {}
    for spec, values in zip(present, raw, strict=True):
        letter = column_letter(positions[spec.id])
        columns[spec.id] = _typed(values, spec, rows_array, letter, title, source)
    for spec in meta.columns:
        if spec.fixed and spec.id not in columns:
            columns[spec.id] = pd.Series([spec.fixed] * len(rows_array), dtype="category")
    ordered = [c.id for c in meta.columns if c.id in columns]
    frame = pd.DataFrame({cid: columns[cid].reset_index(drop=True) for cid in ordered})
    letters = {cid: column_letter(index) for cid, index in positions.items()}
    return frame, excel_rows, letters


def _header_positions(
    header: tuple | None, title: str, meta: WorkbookMeta, source: str, extra: Extra = "error"
) -> dict[str, int]:
    """Component id -> column index, from the header row; unknown, repeated and missing
    required columns refused with their cell (unknown ones kept or left out on request)."""
    header_row = meta.header_row
    specs = {c.id: c for c in meta.columns}
    if header is None or not any(_header_id(v) for v in header):
        raise ParseError(
            "Empty data sheet",
            "the header row is empty",
            location=Location(source=source, sheet=title, cell=f"A{header_row}"),
        )
    positions: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for index, value in enumerate(header):
        cid = _header_id(value)
        if not cid:
            continue
        where = Location(source=source, sheet=title, cell=f"{column_letter(index)}{header_row}")
        if cid in positions or cid in unknown:
            raise ParseError("Duplicate column", f"{cid!r} appears twice", location=where)
        if cid in specs:
            positions[cid] = index
        else:
            unknown[cid] = index
    if unknown and extra == "error":
        first, index = next(iter(unknown.items()))
        cell = f"{column_letter(index)}{header_row}"
        where = Location(source=source, sheet=title, cell=cell, component=first)
        raise unknown_components(list(unknown), meta.flow_id or "the workbook's dataflow", where)
    if extra == "keep":  # plain text columns after the components
        meta.columns.extend(ColumnSpec(cid, "custom") for cid in unknown)
        positions.update(unknown)
    for index, spec in enumerate(meta.columns):
        if spec.required and not spec.fixed and spec.id not in positions:
            raise ParseError(
                "Missing column",
                f"the data sheet has no {spec.id} column",
                context={"component": spec.id},
                location=Location(
                    source=source,
                    sheet=title,
                    cell=f"{column_letter(index)}{header_row}",
                    component=spec.id,
                ),
            )
    return positions


def _gather(
    rows: Iterator[tuple], indices: list[int], watched: list[int], width: int, header_row: int
) -> tuple[list[list[Any]], list[int]]:
    """The cells of the wanted columns, transposed in chunks, and their Excel row numbers.

    A row whose watched cells are all blank (a blank line, or only pre-filled
    fixed values) is no observation.
    """
    raw: list[list[Any]] = [[] for _ in indices]
    excel_rows: list[int] = []
    chunk: list[tuple] = []

    def flush() -> None:
        if chunk:
            for target, values in zip(raw, zip(*chunk, strict=True), strict=True):
                target.extend(values)
            chunk.clear()

    for number, row in enumerate(rows, start=header_row + 1):
        if len(row) < width:
            row = row + (None,) * (width - len(row))
        if all(row[i] is None or (isinstance(row[i], str) and not row[i].strip()) for i in watched):
            continue
        chunk.append(tuple(row[i] for i in indices))
        excel_rows.append(number)
        if len(chunk) >= CHUNK_ROWS:
            flush()
    flush()
    return raw, excel_rows


def _typed(
    values: list[Any], spec: ColumnSpec, rows: np.ndarray, letter: str, sheet: str, source: str
) -> pd.Series:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    if spec.numeric:
        return _numbers(array, spec, rows, letter, sheet, source)
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    texts = np.array([_text(u) for u in uniques] + [None], dtype=object)
    out = texts[codes]  # code -1 picks the trailing None
    if spec.fixed:
        out[pd.isna(out)] = spec.fixed
    if spec.role == "time" or (spec.kind == "string" and spec.role == "measure"):
        return pd.Series(out, dtype="str")
    return pd.Series(out, dtype="category")


def _numbers(
    array: np.ndarray, spec: ColumnSpec, rows: np.ndarray, letter: str, sheet: str, source: str
) -> pd.Series:
    numbers, first = objects_to_doubles(array)
    if first is not None:
        raise ParseError(
            "Not a number",
            f"{spec.id} must be a number as SDMX writes them, found {short_text(array[first])!r}",
            context={"component": spec.id, "value": short_text(array[first], 200)},
            location=Location(
                source=source, sheet=sheet, cell=f"{letter}{rows[first]}", component=spec.id
            ),
        )
    return pd.Series(numbers, dtype="float64")


def _text(value: Any) -> str | None:
    """A cell value as the text a partner meant: ``2023`` not ``2023.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_dataset_sheet(book: Book, meta: WorkbookMeta, source: str) -> dict[str, str]:
    if DATASET_SHEET not in book.sheet_names:
        return {}
    allowed = set(meta.dataset_attributes)
    out: dict[str, str] = {}
    for number, row in enumerate(book.rows(DATASET_SHEET, 2, max_col=2), 2):
        name = _text(row[0]) if row else None
        if name is None:
            continue
        if allowed and name not in allowed:
            raise ParseError(
                "Unknown dataset attribute",
                f"{name!r} is not a dataset-level attribute of this dataflow",
                location=Location(source=source, sheet=DATASET_SHEET, cell=f"A{number}"),
            )
        value = _text(row[1]) if len(row) > 1 else None
        if value is not None:
            out[name] = value
    return out
