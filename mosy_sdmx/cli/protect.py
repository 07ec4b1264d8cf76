"""``mosy protect``: derive the public, disclosure-controlled data of a submission."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import (
    EXIT_DATA_ERRORS,
    EXIT_UNUSABLE_INPUT,
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
        typer.Option(
            "--audit",
            help="Write the audit (every cell hidden, rounded or dropped, and why) as CSV.",
        ),
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
    method: Annotated[
        str | None,
        typer.Option(
            "--method", help="Secondary suppression: auto, optimal or hypercube (default: rules)."
        ),
    ] = None,
) -> None:
    """Hide small counts and every value that would narrow one down; write the public data.

    Exits 1, writing only the audit (residual cells marked in its RISK column),
    when some hidden value could still be derived; nothing is published then.
    """
    from mosy_sdmx.disclosure import ProtectionError, load_disclosure_rules, protect
    from mosy_sdmx.disclosure.secondary import METHODS
    from mosy_sdmx.io import read_data, write_data

    if method is not None and method not in METHODS:
        err_console.print(f"[bold red]error:[/] --method must be one of {', '.join(METHODS)}")
        raise typer.Exit(EXIT_UNUSABLE_INPUT)

    settings = load_disclosure_rules(rules)
    structures = load_structure_option(structure)
    in_format = _input_format(input)
    dataset = read_data(input, structures if flow else None, in_format, flow=flow)
    flow_id = flow or dataset.structure_id
    previous_public = None
    if previous is not None:
        public_layout = _layout(structures, settings.public_flow(flow_id)) or _layout(
            structures, flow_id
        )
        previous_public = read_data(previous, public_layout, _input_format(previous))
    try:
        public, report = protect(
            dataset,
            structures,
            flow=flow_id,
            rules=settings,
            previous_public=previous_public,
            method=method,
        )
    except ProtectionError as exc:
        if audit is not None and exc.audit is not None:
            exc.audit.write_csv(audit)
        err_console.print(f"[bold red]not published:[/] {exc.detail}", soft_wrap=True)
        raise typer.Exit(EXIT_DATA_ERRORS) from None
    out_layout = _layout(structures, report.public_flow_id) or _layout(structures, flow_id)
    write_data(public, output, format or in_format, out_layout)
    if audit is not None:
        report.write_csv(audit)
    err_console.print(f"{output}: {report.summary()}", markup=False, soft_wrap=True)
