"""``mosy structures list`` and ``mosy structures export``.

Both work on the built-in THB structures or, with --structure, on any SDMX-ML
2.1 or 3.0 structure message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mosy_sdmx.cli.app import structures_app
from mosy_sdmx.cli.common import StructureOption, err_console, handle_errors, load_structure_option
from mosy_sdmx.formats import StructureFormat

_TYPE_NAMES = {
    "DataflowDefinition": "Dataflow",
    "DataStructureDefinition": "DataStructure",
    "ContentConstraint": "DataConstraint",
}


def _count(artefact: Any) -> str:
    """Items of a scheme, or components of a data structure."""
    items = getattr(artefact, "items", None)
    if isinstance(items, dict):
        return str(len(items))
    if hasattr(artefact, "dimensions") and hasattr(artefact, "attributes"):
        lists = (artefact.dimensions, artefact.attributes, artefact.measures)
        return str(sum(len(x.components) for x in lists))
    return ""


def _name(artefact: Any) -> str:
    texts = {k: v for k, v in artefact.name.localizations.items() if v}
    name = texts.get("en") or next(iter(texts.values()), "")
    if artefact.is_external_reference:
        name = f"{name} (external reference)".strip()
    return name


@structures_app.command("list")
@handle_errors
def list_command(structure: StructureOption = None) -> None:
    """Show every artefact: type, id, agency, version, name and size."""
    structures = load_structure_option(structure)
    table = Table(title=f"Structures: {structures.source or 'built-in THB'}")
    table.add_column("Type", no_wrap=True)
    table.add_column("ID", no_wrap=True)
    table.add_column("Agency", no_wrap=True)
    table.add_column("Version", no_wrap=True)
    table.add_column("Name")
    table.add_column("Items", justify="right", no_wrap=True)
    for artefact in structures.artefacts():
        kind = type(artefact).__name__
        table.add_row(
            _TYPE_NAMES.get(kind, kind),
            artefact.id,
            getattr(artefact.maintainer, "id", "") or "",
            str(artefact.version or ""),
            _name(artefact),
            _count(artefact),
        )
    console = Console(width=160) if not Console().is_terminal else Console()
    console.print(table)


@structures_app.command("export")
@handle_errors
def export_command(
    format: Annotated[
        StructureFormat,
        typer.Option("--format", "-f", help="Structure message format.", case_sensitive=False),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: stdout).", dir_okay=False),
    ] = None,
    structure: StructureOption = None,
) -> None:
    """Write every artefact as one structure message."""
    from mosy_sdmx.structures.export import export_structures

    structures = load_structure_option(structure)
    payload = export_structures(structures, format)
    if output is None:
        stream = typer.get_binary_stream("stdout")
        stream.write(payload)
        stream.flush()
    else:
        output.write_bytes(payload)
        err_console.print(f"wrote {format.value} to {output} ({len(payload):,} bytes)")
