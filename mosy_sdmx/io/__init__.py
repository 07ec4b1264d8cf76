"""Reading and writing SDMX data: one entry point each, one format table.

``read_data`` sniffs the format when not given, opens gzip/zip transparently
and hands a binary stream to the format's reader; ``write_data`` does the
reverse. Neither knows anything of the web: the registry passes streams.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.source import Source, detect_format, open_source
from mosy_sdmx.io.table import reader_for, writer_for
from mosy_sdmx.structures import ComponentLayout, StructureSet

StructureArg = StructureSet | ComponentLayout | str | Path | None

__all__ = ["read_data", "resolve_layout", "write_data"]


def resolve_layout(
    structure: StructureArg = None, flow: str | None = None, *, required: bool = True
) -> ComponentLayout | None:
    """Turn the ``structure``/``flow`` arguments into a ComponentLayout.

    ``structure`` may be a layout, a StructureSet, the path of a structure
    message, or a dataflow id/URN of the built-in THB structures.
    """
    if isinstance(structure, ComponentLayout):
        return structure
    if isinstance(structure, Path) or (
        isinstance(structure, str)
        and (structure.endswith(".xml") or "/" in structure)
        and not structure.startswith("urn:")
    ):
        from mosy_sdmx.structures import load_structures

        structure = load_structures(structure)
    if isinstance(structure, str):
        structure, flow = None, flow or structure
    if structure is None:
        if flow is None:
            if required:
                raise StructureNotFoundError(
                    "No structure given", "name a dataflow (flow=...) or pass structure=..."
                )
            return None
        from mosy_sdmx.structures import builtin_structures

        structure = builtin_structures()
    return structure.layout(flow)


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
    """
    layout = resolve_layout(structure, flow, required=False)
    with open_source(source) as (stream, name, head):
        fmt = DataFormat.parse(format) if format is not None else detect_format(head, name)
        reader = reader_for(fmt)
        return reader(stream, layout=layout, source_name=name, **options)


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

    With ``target=None`` the message is returned as bytes. The structure
    defaults to the dataset's own dataflow in the built-in THB structures.
    """
    fmt = DataFormat.parse(format)
    layout = resolve_layout(structure, flow or (None if structure else dataset.structure_id))
    writer = writer_for(fmt)
    if target is None:
        buffer = io.BytesIO()
        writer(dataset, buffer, layout=layout, **options)
        return buffer.getvalue()
    if isinstance(target, (str, Path)):
        path = Path(target)
        tmp = path.with_name(f".{path.name}.part")
        with open(tmp, "wb") as handle:
            writer(dataset, handle, layout=layout, **options)
        tmp.replace(path)  # never leave a half-written file under the real name
        return None
    writer(dataset, target, layout=layout, **options)
    return None
