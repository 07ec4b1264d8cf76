"""Dataset -> Excel workbook, streamed with openpyxl's write-only mode.

The workbook has the shape of a partner template (a ``Data`` sheet with one
column per component, a ``Dataset`` sheet for dataset-level attributes, the
hidden ``_mosy`` sheet), so what is written here reads back with the xlsx
reader and can be sent to a partner for correction.
"""

from __future__ import annotations

from typing import BinaryIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import UnsupportedFormatError
from mosy_sdmx.io.xlsx.meta import (
    DATA_SHEET,
    DATASET_SHEET,
    META_SHEET,
    ColumnSpec,
    WorkbookMeta,
    meta_for,
)
from mosy_sdmx.structures import ComponentLayout

#: Rows of one Excel sheet, header included.
MAX_SHEET_ROWS = 1_048_576


def write(
    dataset: Dataset, stream: BinaryIO, *, layout: ComponentLayout, sheet_name: str = DATA_SHEET
) -> None:
    """Write ``dataset`` as a MoSy workbook to a binary stream."""
    frame = dataset.data
    if len(frame) >= MAX_SHEET_ROWS:
        raise UnsupportedFormatError(
            "Too many observations for Excel",
            f"{len(frame)} observations; one sheet holds at most {MAX_SHEET_ROWS - 1}",
        )
    meta = meta_for(
        layout,
        provider=dataset.provider,
        action=dataset.action,
        structure_urn=dataset.structure_urn,
    )
    meta.columns = [c for c in meta.columns if c.id in frame.columns]
    meta.data_sheet = sheet_name
    workbook = Workbook(write_only=True)
    write_data_sheet(workbook, meta, frame)
    if dataset.attributes or meta.dataset_attributes:
        sheet = workbook.create_sheet(DATASET_SHEET)
        sheet.append(["ATTRIBUTE", "VALUE"])
        names = list(dict.fromkeys([*meta.dataset_attributes, *dataset.attributes]))
        for name in names:
            sheet.append([name, dataset.attributes.get(name)])
    write_meta_sheet(workbook, meta)
    workbook.save(stream)


def write_data_sheet(workbook: Workbook, meta: WorkbookMeta, frame: pd.DataFrame) -> None:
    """The data sheet: a header of component ids, then one row per observation."""
    sheet = workbook.create_sheet(meta.data_sheet)
    sheet.freeze_panes = "A2"
    sheet.append([c.id for c in meta.columns])
    columns = [_cell_values(frame[c.id], c) for c in meta.columns]
    for row in zip(*columns, strict=True):
        sheet.append(row)


def write_meta_sheet(workbook: Workbook, meta: WorkbookMeta) -> None:
    sheet = workbook.create_sheet(META_SHEET)
    sheet.sheet_state = "veryHidden"
    for row in meta.rows():
        sheet.append(row)


def _cell_values(series: pd.Series, spec: ColumnSpec) -> list:
    """A column as Python cell values: numbers for numeric measures, else text; None if empty."""
    missing = series.isna().to_numpy()
    if spec.numeric:
        values = pd.to_numeric(series, errors="coerce").astype(object)
    else:
        values = series.astype(object)
        if spec.kind == "string" and not missing.all():
            # Free text may hold control characters that a workbook cannot store.
            text = values.where(~missing, "").astype(str)
            values = text.str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True).astype(object)
    out = values.to_numpy(dtype=object, copy=True)
    out[missing] = None
    return out.tolist()
