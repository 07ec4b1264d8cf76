"""Reading and writing SDMX data: one entry point each, one format table.

``read_data`` sniffs the format when not given, opens gzip/zip transparently
and hands a binary stream to the format's reader; ``read_datasets`` does the
same for messages holding several data sets; ``write_data`` does the
reverse, and refuses to drop what the target structure or format cannot
carry (``mosy_sdmx.io.fit``). None knows anything of the web: the registry
passes streams.
"""

from __future__ import annotations

import contextlib
import gzip
import io
from pathlib import Path
from typing import IO, Any

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.completeness import check_table
from mosy_sdmx.io.described import table_layout
from mosy_sdmx.io.fit import check_fit
from mosy_sdmx.io.peek import peek_structure_id
from mosy_sdmx.io.source import Source, detect_format, open_source
from mosy_sdmx.io.table import datasets_reader_for, reader_for, writer_for
from mosy_sdmx.io.unknown import extra_option
from mosy_sdmx.structures import ComponentLayout, StructureArg, StructureSet, resolve
from mosy_sdmx.structures.resolver import interpret_structure

__all__ = ["read_data", "read_datasets", "write_data"]

#: Formats whose readers leave the completeness check (``io.completeness``) to read_data.
_TABLE_FORMATS = {DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20, DataFormat.XLSX}

#: Formats whose writers take names (labels) from a StructureSet.
_LABEL_WRITERS = {
    DataFormat.SDMX_CSV_10,
    DataFormat.SDMX_CSV_20,
    DataFormat.SDMX_JSON_10,
    DataFormat.SDMX_JSON_20,
}


def read_data(
    source: Source,
    structure: StructureArg = None,
    format: DataFormat | str | None = None,
    *,
    flow: str | None = None,
    **options: Any,
) -> Dataset:
    """Read an SDMX data message (any supported format) into a columnar Dataset.

    Args:
        source: a path, bytes or a binary stream; gzip and zip are unwrapped.
        structure: the structures to read against, by the rule of
            ``mosy_sdmx.structures.resolver`` (a StructureSet, a layout, a
            structure file, a dataflow id or URN); optional for self-describing
            formats (generic XML, CSV, JSON).
        format: a DataFormat or its name; sniffed from the content when None.
        flow: the dataflow id within ``structure`` (or the built-in THB set).
            Without one, the dataflow the message names is used when the
            structures know it (else their only dataflow).
        options: passed to the format's reader. Every reader takes
            ``extra_columns``: ``"error"`` (default) refuses components the
            structure lacks, naming them; ``"keep"`` keeps them as plain
            columns (``write_data(..., drop_unknown=True)`` drops them on
            purpose); ``"ignore"`` leaves them out.
    """
    # The readers' ``read`` gives one data set and refuses a message with several.
    return _read(source, structure, format, flow, options, reader_for)[0]


def read_datasets(
    source: Source,
    structure: StructureArg = None,
    format: DataFormat | str | None = None,
    *,
    flow: str | None = None,
    **options: Any,
) -> list[Dataset]:
    """Every data set of an SDMX data message, in message order.

    An SDMX-ML message may hold several ``DataSet`` elements and an SDMX-JSON
    message several ``dataSets`` (each with its own action and dataset-level
    attributes); ``read_data`` refuses those. Formats that hold one data set
    give a list of one. Arguments as ``read_data``.
    """
    return _read(source, structure, format, flow, options, datasets_reader_for)


def _read(source, structure, format, flow, options, reader_of) -> list[Dataset]:
    extra = extra_option(options.get("extra_columns", "error"))
    given, flow = interpret_structure(structure, flow)
    layout = None
    if flow is not None or isinstance(given, ComponentLayout):
        layout = resolve(given, flow)[1]
    fmt = DataFormat.parse(format) if format is not None else None
    with open_source(source) as (stream, name, head):
        if fmt is None:
            fmt = detect_format(head, name)
        if layout is None and fmt is not DataFormat.XLSX and not _only_a_footer(head, fmt):
            # A workbook names its dataflow on its own metadata sheet; its reader looks.
            layout = _layout_named_by_message(given, peek_structure_id(head, fmt))
        found = reader_of(fmt)(stream, layout=layout, source_name=name, **options)
    datasets = found if isinstance(found, list) else [found]
    for dataset in datasets:
        # The components it was read with (a workbook's reader finds its own
        # dataflow, which the data then names), or those its columns show.
        used = dataset.layout or layout
        if used is None and fmt is DataFormat.XLSX:
            with contextlib.suppress(StructureNotFoundError):
                used = _layout_named_by_message(given, dataset.structure_id)
        if fmt in _TABLE_FORMATS:
            # No dimension lost; SDMX-CSV 2.0 rows without a value may attach
            # attributes to a partial key.
            check_table(dataset, used, partial_keys=fmt is DataFormat.SDMX_CSV_20)
            if used is None:
                used = table_layout(dataset)
        dataset.layout = used
        if extra == "ignore" and layout is not None:
            _leave_out_unknown(dataset, layout)
    return datasets


def _leave_out_unknown(dataset: Dataset, layout: ComponentLayout) -> None:
    """``extra_columns="ignore"``: what the structure does not know, left out."""
    known = set(layout.components) | {"ACTION"}
    unknown = [c for c in dataset.data.columns if c not in known]
    if unknown:
        dataset.data = dataset.data.drop(columns=unknown)
    dataset.attributes = {k: v for k, v in dataset.attributes.items() if k in known}


def _only_a_footer(head: bytes, fmt: DataFormat) -> bool:
    """An SDMX-ML reply whose opening holds a footer and no data set (Eurostat's 413):
    its reader answers with what the footer says, which no structure is needed for."""
    return fmt.is_xml and b"Footer" in head and b"DataSet" not in head


def _layout_named_by_message(
    structures: StructureSet | None, structure_id: str | None
) -> ComponentLayout | None:
    """The layout of the dataflow the message names: in ``structures`` when given
    (it must be there, or the set's only dataflow), else in the built-in THB set
    when it knows the id (else None: the reader describes the data itself)."""
    if structures is not None:
        return resolve(structures, data_flow=structure_id)[1]
    if structure_id is None:
        return None
    try:
        return resolve(None, structure_id)[1]
    except StructureNotFoundError:
        return None


def write_data(
    dataset: Dataset,
    target: str | Path | IO[bytes] | None,
    format: DataFormat | str,
    structure: StructureArg = None,
    *,
    flow: str | None = None,
    drop_unknown: bool = False,
    **options: Any,
) -> bytes | None:
    """Write a Dataset in ``format`` to a path or binary stream.

    With ``target=None`` the message is returned as bytes; a path ending in
    ``.gz`` is gzip-compressed. ``structure`` follows the rule of
    ``mosy_sdmx.structures.resolver``; the dataflow defaults to the dataset's
    own (when the structures hold it; else their only one). Without a
    structure or flow, the dataset's own components (``Dataset.layout``: what
    it was read with, or what a self-describing message declared) are used,
    else the built-in structures. Options go to the writer (e.g.
    ``labels="both"``).

    Raises DatasetError when the dataset holds columns that are no
    component of the structure (they would be lost; ``drop_unknown=True``
    drops them on purpose), or values the format cannot carry.
    """
    fmt = DataFormat.parse(format)
    given, flow = interpret_structure(structure, flow)
    if given is None and flow is None and dataset.layout is not None:
        structures, layout = None, dataset.layout
    else:
        structures, layout = resolve(given, flow, data_flow=dataset.structure_id)
    dataset = check_fit(dataset, layout, fmt, drop_unknown=drop_unknown)
    if fmt in _LABEL_WRITERS and given is not None and not isinstance(given, ComponentLayout):
        # names from the structures the caller gave (the built-in ones name nothing here)
        options.setdefault("labels_from", structures)
    writer = writer_for(fmt)
    if target is None:
        buffer = io.BytesIO()
        writer(dataset, buffer, layout=layout, **options)
        return buffer.getvalue()
    if isinstance(target, (str, Path)):
        path = Path(target)
        tmp = path.with_name(f".{path.name}.part")
        try:
            with open(tmp, "wb") as handle:
                if path.suffix.lower() == ".gz":
                    with gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6) as gz:
                        writer(dataset, gz, layout=layout, **options)
                else:
                    writer(dataset, handle, layout=layout, **options)
            tmp.replace(path)  # never leave a half-written file under the real name
        finally:
            tmp.unlink(missing_ok=True)
        return None
    writer(dataset, target, layout=layout, **options)
    return None
