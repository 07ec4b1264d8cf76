"""``mosy schema``: the dataflow-specific XSD that structure-specific data validates against."""

from __future__ import annotations

import sys
from enum import StrEnum
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


class SchemaVersion(StrEnum):
    V21 = "2.1"
    V30 = "3.0"


@app.command("schema")
@handle_errors
def schema_command(
    flow: FlowOption = None,
    version: Annotated[
        SchemaVersion, typer.Option("--version", help="SDMX-ML version of the schema.")
    ] = SchemaVersion.V21,
    dimension_at_observation: Annotated[
        str,
        typer.Option(
            "--dimension-at-observation",
            help="TIME_PERIOD (series), another dimension, or AllDimensions (flat).",
        ),
    ] = "TIME_PERIOD",
    structure: StructureOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write; standard output if omitted.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Write the structure-specific XSD of a dataflow (what a REST /schema query returns)."""
    from mosy_sdmx.structures.xsd import dataflow_schema

    structures = load_structure_option(structure)
    xsd = dataflow_schema(
        structures,
        flow,
        version.value,
        dimension_at_observation=dimension_at_observation,
    )
    if output is None:
        sys.stdout.buffer.write(xsd)
        sys.stdout.buffer.flush()
        return
    output.write_bytes(xsd)
    err_console.print(f"wrote {output}", markup=False)
