"""``mosy template``: an empty data template for a dataflow and a data provider."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import (
    FlowOption,
    StructureOption,
    err_console,
    handle_errors,
    load_structure_option,
)


@app.command("template")
@handle_errors
def template_command(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="File to write: .xlsx (Excel) or .csv (SDMX-CSV 2.0).",
            dir_okay=False,
        ),
    ],
    flow: FlowOption = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider", help="Data provider id, e.g. PT_NREM; limits the codes offered."
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv; default from the output suffix."),
    ] = None,
    rows: Annotated[
        int | None,
        typer.Option("--rows", min=1, max=1_000_000, help="Excel rows prepared with drop-downs."),
    ] = None,
    structure: StructureOption = None,
) -> None:
    """Write an empty template a data provider fills in (Excel with drop-downs, or CSV)."""
    from mosy_sdmx.templates import write_template

    structures = load_structure_option(structure)
    written = write_template(
        output, flow=flow, provider=provider, structures=structures, format=format, rows=rows
    )
    err_console.print(f"wrote {written} template {output}", markup=False)
