"""Reading and writing SDMX data: one entry point each, one format table.

``read_data`` sniffs the format when not given, opens gzip/zip transparently
and hands a binary stream to the format's reader; ``write_data`` does the
reverse. Neither knows anything of the web: the registry passes streams.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO, Any

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.peek import peek_structure_id
from mosy_sdmx.io.source import Source, detect_format, open_source
from mosy_sdmx.io.table import reader_for, writer_for
from mosy_sdmx.structures import ComponentLayout, StructureSet

StructureArg = StructureSet | ComponentLayout | str | Path | None

__all__ = ["read_data", "resolve_layout", "write_data"]

#: Formats whose writers take names (labels) from a StructureSet.
_LABEL_WRITERS = {
    DataFormat.SDMX_CSV_10,
    DataFormat.SDMX_CSV_20,
    DataFormat.SDMX_JSON_10,
    DataFormat.SDMX_JSON_20,
}


def _structure_set(structure: StructureArg) -> StructureSet | ComponentLayout | None:
    """Load a structure file named by a path; pass sets and layouts through."""
    if isinstance(structure, Path) or (
        isinstance(structure, str)
        and (structure.endswith(".xml") or "/" in structure or "\\" in structure)
        and not structure.startswith("urn:")
    ):
        from mosy_sdmx.structures import load_structures

        return load_structures(structure)
    if isinstance(structure, str):
        return None
    return structure


def resolve_layout(
    structure: StructureArg = None, flow: str | None = None, *, required: bool = True
) -> ComponentLayout | None:
    """Turn the ``structure``/``flow`` arguments into a ComponentLayout.

    ``structure`` may be a layout, a StructureSet, the path of a structure
    message, or a dataflow id/URN of the built-in THB structures.
    """
    if isinstance(structure, str) and _structure_set(structure) is None:
        structure, flow = None, flow or structure
    loaded = _structure_set(structure)
    if isinstance(loaded, ComponentLayout):
        return loaded
    if loaded is None:
        if flow is None:
            if required:
                raise StructureNotFoundError(
                    "No structure given", "name a dataflow (flow=...) or pass structure=..."
                )
            return None
        from mosy_sdmx.structures import builtin_structures

        loaded = builtin_structures()
    return loaded.layout(flow)


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
        structure: the structures to read against (see ``resolve_layout``);
            optional for self-describing formats (generic XML, CSV, JSON).
        format: a DataFormat or its name; sniffed from the content when None.
        flow: the dataflow id within ``structure`` (or the built-in THB set).
        options: passed to the format's reader (e.g. ``extra_columns`` for CSV).
    """
    loaded = _structure_set(structure)
    named_flow = flow or (structure if isinstance(structure, str) and loaded is None else None)
    if named_flow is not None or isinstance(loaded, ComponentLayout):
        layout = resolve_layout(structure, flow)
        loaded = None
    else:
        layout = None
    fmt = DataFormat.parse(format) if format is not None else None
    with open_source(source) as (stream, name, head):
        if fmt is None:
            fmt = detect_format(head, name)
        if layout is None and fmt is not DataFormat.XLSX:
            # A workbook names its dataflow on its own metadata sheet; its reader looks.
            layout = _layout_named_by_message(loaded, peek_structure_id(head, fmt))
        reader = reader_for(fmt)
        return reader(stream, layout=layout, source_name=name, **options)


def _layout_named_by_message(
    structures: StructureSet | None, structure_id: str | None
) -> ComponentLayout | None:
    """The layout of the dataflow the message names: in ``structures`` when given
    (it must be there, or the set's only dataflow), else in the built-in THB set
    when it knows the id (else None: the reader describes the data itself)."""
    if structures is None:
        if structure_id is None:
            return None
        from mosy_sdmx.structures import builtin_structures

        try:
            return builtin_structures().layout(structure_id)
        except StructureNotFoundError:
            return None
    if structure_id is not None:
        try:
            return structures.layout(structure_id)
        except StructureNotFoundError:
            pass
    return structures.layout()  # the only dataflow, or a clear "name one" error


def _writer_layout(
    dataset: Dataset, structure: StructureArg, flow: str | None
) -> tuple[ComponentLayout, StructureSet | None]:
    loaded = _structure_set(structure)
    if isinstance(structure, str) and loaded is None:
        flow = flow or structure
    if isinstance(loaded, ComponentLayout):
        return loaded, None
    if loaded is None:
        from mosy_sdmx.structures import builtin_structures

        loaded = builtin_structures()
        flow = flow or dataset.structure_id
        if flow is None:
            raise StructureNotFoundError(
                "No structure given", "name a dataflow (flow=...) or pass structure=..."
            )
    elif flow is None and dataset.structure_id:
        try:
            return loaded.layout(dataset.structure_id), loaded
        except StructureNotFoundError:
            pass
    return loaded.layout(flow), loaded


def write_data(
    dataset: Dataset,
    target: str | Path | IO[bytes] | None,
    format: DataFormat | str,
    structure: StructureArg = None,
    *,
    flow: str | None = None,
    **options: Any,
) -> bytes | None:
    """Write a Dataset in ``format`` to a path or binary stream.

    With ``target=None`` the message is returned as bytes; a path ending in
    ``.gz`` is gzip-compressed. The structure defaults to the dataset's own
    dataflow (in ``structure`` when it is a StructureSet, else the built-in
    THB structures). Options go to the writer (e.g. ``labels="both"``).
    """
    fmt = DataFormat.parse(format)
    layout, structures = _writer_layout(dataset, structure, flow)
    if fmt in _LABEL_WRITERS and structures is not None:
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
