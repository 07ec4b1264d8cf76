"""``mosy protect``: derive the public, disclosure-controlled data of a submission."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import (
    EXIT_DATA_ERRORS,
    FlowOption,
    StructureOption,
    err_console,
    handle_errors,
    load_structure_option,
)


def _input_format(path: Path):
    from mosy_sdmx.io.source import detect_format, open_source

    with open_source(path) as (_, name, head):
        return detect_format(head, name)


def _layout(structures, flow: str | None):
    from mosy_sdmx.exceptions import StructureNotFoundError

    if flow is None:
        return None
    try:
        return structures.layout(flow)
    except StructureNotFoundError:
        return None


@app.command("protect")
@handle_errors
def protect_command(
    input: Annotated[Path, typer.Argument(help="Submission data file (any SDMX data format).")],
    output: Annotated[Path, typer.Argument(help="Public data file to write.", dir_okay=False)],
    flow: FlowOption = None,
    structure: StructureOption = None,
    audit: Annotated[
        Path | None,
        typer.Option("--audit", help="Write the audit (every suppressed or rounded cell) as CSV."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="Output data format; default: the input's format."),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", help="Previous public release: its suppressed cells stay suppressed."
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Disclosure settings YAML instead of dsd/disclosure.yaml."),
    ] = None,
) -> None:
    """Suppress small counts and derivable cells, round where required, write the public data.

    Exits 1 when some suppressed value stays derivable (listed in the audit).
    """
    from mosy_sdmx.disclosure import load_disclosure_rules, protect
    from mosy_sdmx.io import read_data, write_data

    settings = load_disclosure_rules(rules)
    structures = load_structure_option(structure)
    in_format = _input_format(input)
    dataset = read_data(input, structures if flow else None, in_format, flow=flow)
    flow_id = flow or dataset.structure_id
    layout = _layout(structures, flow_id)
    previous_public = None
    if previous is not None:
        public_layout = _layout(structures, settings.public_flow(flow_id)) or layout
        previous_public = read_data(previous, public_layout, _input_format(previous))

    public, report = protect(dataset, settings, layout=layout, previous_public=previous_public)
    out_layout = _layout(structures, report.public_flow_id) or layout
    write_data(public, output, format or in_format, out_layout)
    if audit is not None:
        report.write_csv(audit)
    err_console.print(f"{output}: {report.summary()}", markup=False, soft_wrap=True)
    if not report.complete:
        err_console.print(
            "[bold yellow]warning:[/] some suppressed values can still be derived; "
            "see the audit's residual cells"
        )
        raise typer.Exit(EXIT_DATA_ERRORS)
