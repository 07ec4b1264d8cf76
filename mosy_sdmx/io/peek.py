"""Which dataflow (or DSD) a message is for, read from its first bytes.

Lets ``read_data(path, structures)`` pick the right layout among many
dataflows without being told, as a partner expects when the file names its
dataflow anyway. Only the sniffing window is looked at; ``None`` when unsure.
"""

from __future__ import annotations

import csv
import io
import re

from mosy_sdmx.formats import DataFormat

# urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)
_URN = re.compile(
    rb"urn:sdmx:org\.sdmx\.infomodel\.datastructure\."
    rb"(?:Dataflow|DataflowDefinition|DataStructure|DataStructureDefinition)="
    rb"[A-Za-z0-9_.@$-]+:([A-Za-z0-9_@$-]+)\("
)
# SDMX-ML 2.1 header: <message:Structure ...><common:StructureUsage><Ref ... id="X"
_HEADER_STRUCTURE = re.compile(
    rb"<(?:[\w.-]+:)?Structure\s[^>]*>(.{0,2048}?)</(?:[\w.-]+:)?Structure>", re.DOTALL
)
_REF_ID = re.compile(rb"<(?:[\w.-]+:)?Ref\s[^>]*?\bid\s*=\s*[\"']([A-Za-z0-9_@$-]+)[\"']")
# MOSY:DF_THB_VICTIMS(1.0.0) in SDMX-CSV
_CSV_REF = re.compile(r"^(?:[A-Za-z0-9_.@$-]+:)?([A-Za-z0-9_@$-]+)(?:\([^)]*\))?$")


def peek_structure_id(head: bytes, fmt: DataFormat) -> str | None:
    """The id of the dataflow or DSD the message names, if the head shows it."""
    if fmt in (DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20):
        return _csv_structure_id(head, fmt)
    if fmt is DataFormat.XLSX:
        return None  # the workbook's own metadata sheet names it; its reader uses that
    match = _URN.search(head)
    if match:
        return match.group(1).decode("ascii")
    if fmt.is_xml:
        header = _HEADER_STRUCTURE.search(head)
        if header:
            ref = _REF_ID.search(header.group(1))
            if ref:
                return ref.group(1).decode("ascii")
    return None


def _csv_structure_id(head: bytes, fmt: DataFormat) -> str | None:
    lines = head.decode("utf-8-sig", errors="replace").splitlines()[:2]
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return None
    if len(rows) < 2:
        return None
    header, first = rows[0], rows[1]
    # labels=both writes "STRUCTURE_ID: Structure identifier" in the header.
    names = [name.split(":", 1)[0].strip().upper() for name in header]
    column = "STRUCTURE_ID" if fmt is DataFormat.SDMX_CSV_20 else "DATAFLOW"
    if column not in names or names.index(column) >= len(first):
        return None
    match = _CSV_REF.match(first[names.index(column)].strip())
    return match.group(1) if match else None
