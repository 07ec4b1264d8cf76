"""``mosy validate``: check a data file and print or save the report.

Exit codes: 0 valid (warnings allowed), 1 the data has errors, 2 the input
cannot be read or used at all (unreadable, hostile, unknown structure).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import (
    EXIT_DATA_ERRORS,
    EXIT_OK,
    EXIT_UNUSABLE_INPUT,
    FlowOption,
    StructureOption,
    deviations_printed_by_us,
    handle_errors,
    load_structure_option,
    report_notices,
)


class ReportFormat(StrEnum):
    JSON = "json"
    TEXT = "text"
    HTML = "html"


def _codes(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


@app.command("validate")
@handle_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="Data file (SDMX-ML, SDMX-CSV, SDMX-JSON, Excel).")],
    flow: FlowOption = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Data provider id, e.g. PT_NREM.")
    ] = None,
    structure: StructureOption = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", help="Report format.")
    ] = ReportFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the report here.", dir_okay=False)
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="Previously stored data, for year-on-year checks."),
    ] = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="Also write the data as SDMX-CSV with each row's issue codes.",
            dir_okay=False,
        ),
    ] = None,
    max_examples: Annotated[
        int, typer.Option("--max-examples", min=1, help="Examples kept per issue code.")
    ] = 20,
    pick: Annotated[
        str | None, typer.Option("--pick", help="Only these issue codes (comma-separated).")
    ] = None,
    skip: Annotated[
        str | None, typer.Option("--skip", help="Leave out these issue codes (comma-separated).")
    ] = None,
) -> None:
    """Validate a data file against its structure and the THB rules.

    Exits 0 when valid (warnings allowed), 1 when the data has errors, 2 when the
    input cannot be read at all.
    """
    from mosy_sdmx.validation.api import read_and_validate
    from mosy_sdmx.validation.render import annotated_csv, render_html, render_text

    structures = load_structure_option(structure)
    previous_data = None
    if previous is not None:
        from mosy_sdmx.io import read_data

        previous_data = read_data(previous, structures, flow=flow)
    with deviations_printed_by_us():
        dataset, report = read_and_validate(
            file,
            structures,
            provider,
            flow=flow,
            previous=previous_data,
            max_examples=max_examples,
            pick=_codes(pick),
            skip=_codes(skip),
            annotate=annotate is not None,
        )
    if dataset is not None:
        report_notices(dataset)  # on standard error, beside the report
    if format is ReportFormat.JSON:
        text = report.to_json() + "\n"
    elif format is ReportFormat.HTML:
        text = render_html(report, title=f"Validation report: {file.name}")
    else:
        text = render_text(report)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
    if annotate is not None and dataset is not None:
        annotate.write_text(annotated_csv(dataset, report), encoding="utf-8")
    if report.unusable:
        raise typer.Exit(EXIT_UNUSABLE_INPUT)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_DATA_ERRORS)
