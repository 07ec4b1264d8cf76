"""The Typer application object every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="mosy",
    help="MoSy SDMX: THB structures, SDMX data conversion, validation and disclosure control.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
structures_app = typer.Typer(help="List and export the SDMX structures.", no_args_is_help=True)
app.add_typer(structures_app, name="structures")
