"""Empty data templates for a dataflow and a data provider: Excel or SDMX-CSV 2.0.

The Excel template (``mosy_sdmx.io.xlsx.template``) offers drop-downs of the
codes the provider may use and reads back with ``read_data``; the CSV
template is the SDMX-CSV 2.0 header row, for partners whose systems export CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

from mosy_sdmx.exceptions import UnsupportedFormatError
from mosy_sdmx.structures import ComponentLayout, StructureSet, builtin_structures

__all__ = ["TEMPLATE_FORMATS", "allowed_codes", "csv_template_header", "write_template"]

TEMPLATE_FORMATS = ("xlsx", "csv")


def allowed_codes(
    structures: StructureSet, flow: str | None, provider: str | None
) -> dict[str, frozenset[str]]:
    """Codes ``provider`` may use, for every coded component of ``flow``.

    ``StructureSet.allowed_codes`` (dataflow constraints, provision
    agreements, the provider's country and type) narrows the codelists where
    it has something to say; other components offer their whole codelist.
    Unknown flows and providers are StructureNotFoundErrors.
    """
    layout = structures.layout(flow)
    if provider:
        structures.provider(provider)  # unknown provider -> StructureNotFoundError
    result = {cid: comp.codes for cid, comp in layout.components.items() if comp.codes}
    method = getattr(structures, "allowed_codes", None)
    if method is not None:
        for cid, codes in method(layout.flow_id or flow, provider).items():
            if cid in result:
                result[cid] = result[cid] & frozenset(codes)
    return result


def csv_template_header(layout: ComponentLayout) -> list[str]:
    """SDMX-CSV 2.0 columns: structure, id, action, then components in DSD order."""
    return [
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        *layout.key_columns(),
        *layout.measures,
        *layout.attributes,
    ]


def template_format(target: str | Path | None, format: str | None = None) -> str:
    """The template format: named, or from the target's suffix (default xlsx)."""
    if format:
        key = format.strip().lower().lstrip(".")
        key = "csv" if key.startswith("sdmx-csv") else key
        if key not in TEMPLATE_FORMATS:
            raise UnsupportedFormatError(
                "Unknown template format", f"{format!r} is not one of: xlsx, csv"
            )
        return key
    suffix = Path(str(target)).suffix.lower().lstrip(".") if target is not None else ""
    return suffix if suffix in TEMPLATE_FORMATS else "xlsx"


def write_template(
    target: str | Path | IO[bytes],
    *,
    flow: str | None = None,
    provider: str | None = None,
    structures: StructureSet | None = None,
    format: str | None = None,
    rows: int | None = None,
) -> str:
    """Write the template for ``flow`` and ``provider``; returns the format written.

    ``structures`` defaults to the built-in THB structures; ``format`` to the
    target's suffix (``.csv`` or ``.xlsx``).
    """
    structures = structures or builtin_structures()
    fmt = template_format(target if isinstance(target, (str, Path)) else None, format)
    layout = structures.layout(flow)
    allowed = allowed_codes(structures, flow, provider)
    if fmt == "csv":
        payload = _csv_bytes(layout)
        _emit(target, lambda handle: handle.write(payload))
        return fmt
    from mosy_sdmx.io.xlsx.template import DEFAULT_ROWS, build_template, template_spec

    spec = template_spec(structures, layout, provider, allowed)
    workbook = build_template(spec, rows=rows or DEFAULT_ROWS)
    _emit(target, workbook.save)
    return fmt


def _csv_bytes(layout: ComponentLayout) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(csv_template_header(layout))
    return buffer.getvalue().encode("utf-8")


def _emit(target: str | Path | IO[bytes], write) -> None:
    """Write to a stream, or to a path via a temporary name (no half-written files)."""
    if not isinstance(target, (str, Path)):
        write(target)
        return
    path = Path(target)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
