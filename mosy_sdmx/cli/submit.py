"""``mosy submit``: upload a data file to a MoSy registry and print its receipt or report.

Speaks HTTP only (``POST /api/submissions``), so it works against any
registry, from any machine. Exit codes as ``mosy validate``: 0 accepted (or
nothing changed), 1 rejected for the data (the registry's validation report
is printed), 2 the file or the request was refused (unreadable, too large,
a missing or wrong token, no rights, registry unreachable). The token is
sent only in the Authorization header and never printed.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import EXIT_DATA_ERRORS, EXIT_OK, EXIT_UNUSABLE_INPUT, err_console


class SubmitAction(StrEnum):
    APPEND = "Append"
    REPLACE = "Replace"
    DELETE = "Delete"


class Output(StrEnum):
    TEXT = "text"
    JSON = "json"


class _Progress:
    """A file object whose reads move a Rich progress bar (httpx reads uploads in chunks)."""

    def __init__(self, handle, progress, task) -> None:
        self._handle = handle
        self._progress = progress
        self._task = task

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._progress.update(self._task, completed=self._handle.tell())
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def fileno(self) -> int:
        return self._handle.fileno()


def _refused(message: str, detail: str = "") -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    if detail:
        err_console.print(f"  {detail}", markup=False)
    return typer.Exit(EXIT_UNUSABLE_INPUT)


def _print_receipt(receipt: dict[str, Any]) -> None:
    counts = receipt.get("counts", {})
    typer.echo(f"{receipt['status'].upper()}: {receipt.get('message', '')}")
    typer.echo(f"  submission  {receipt['id']}  ({receipt.get('links', {}).get('self', '')})")
    typer.echo(f"  dataflow    {receipt.get('dataflow')}  provider {receipt.get('provider')}")
    typer.echo(f"  action      {receipt.get('action')}")
    typer.echo(
        "  counts      "
        + ", ".join(
            f"{k} {counts.get(k, 0)}" for k in ("rows", "added", "changed", "deleted", "unchanged")
        )
    )
    typer.echo(f"  checksum    {receipt.get('file', {}).get('checksum')}")
    for warning in receipt.get("warnings", []):
        err_console.print("[bold yellow]warning:[/] ", end="")
        err_console.print(f"{warning.get('code')}: {warning.get('message')}", markup=False)


@app.command("submit")
def submit_command(
    file: Annotated[
        Path, typer.Argument(help="Data file (SDMX-ML, SDMX-CSV, SDMX-JSON, Excel; gzip, zip).")
    ],
    registry: Annotated[
        str,
        typer.Option("--registry", envvar="MOSY_REGISTRY", help="Base URL of the registry."),
    ],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Bearer token (default: the MOSY_TOKEN environment variable).",
            show_default=False,
        ),
    ] = None,
    flow: Annotated[
        str | None,
        typer.Option("--flow", help="Dataflow id (default: the one the message names)."),
    ] = None,
    action: Annotated[
        SubmitAction | None,
        typer.Option("--action", help="Overrides the file's own action.", case_sensitive=False),
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Admin tokens only: submit for this provider.")
    ] = None,
    output: Annotated[
        Output, typer.Option("--format", help="Print the receipt or report as text or JSON.")
    ] = Output.TEXT,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the registry.")
    ] = 600.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Submit a data file to a MoSy registry; print the receipt or the validation report.

    Exits 0 when accepted (or nothing changed), 1 when the data was rejected,
    2 when the file or the request was refused.
    """
    import httpx
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    secret = token or os.environ.get("MOSY_TOKEN")
    if not secret:
        raise _refused("no token", "give --token, or set MOSY_TOKEN")
    if not file.is_file():
        raise _refused(f"{file} is not a file")
    fields = {k: v for k, v in (("flow", flow), ("provider", provider)) if v}
    if action is not None:
        fields["action"] = action.value
    url = registry.rstrip("/") + "/api/submissions"
    headers = {"Authorization": f"Bearer {secret.strip()}", "Accept": "application/json"}
    size = file.stat().st_size
    try:
        with (
            open(file, "rb") as handle,
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=err_console,
                disable=quiet,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task(f"uploading {file.name}", total=size)
            upload = _Progress(handle, progress, task)
            answer = httpx.post(
                url,
                files={"file": (file.name, upload, "application/octet-stream")},
                data=fields,
                headers=headers,
                timeout=timeout,
            )
    except httpx.HTTPError as exc:
        raise _refused(f"cannot reach the registry at {registry}", type(exc).__name__) from None
    except OSError as exc:
        raise _refused(f"cannot read {file}", exc.strerror or str(exc)) from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code in (200, 201) and isinstance(body, dict) and "status" in body:
        if output is Output.JSON:
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        else:
            _print_receipt(body)
        raise typer.Exit(EXIT_OK)
    if answer.status_code == 422 and isinstance(body, dict) and "issues" in body:
        if output is Output.JSON:
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        else:
            from mosy_sdmx.validation.render import render_text_of

            typer.echo(render_text_of(body), nl=False)
        err_console.print(
            "[bold red]rejected:[/] nothing was stored; correct the file and submit it again"
        )
        raise typer.Exit(EXIT_DATA_ERRORS)
    if isinstance(body, dict) and "title" in body:
        if output is Output.JSON:
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        raise _refused(f"{answer.status_code} {body['title']}", str(body.get("detail", "")))
    raise _refused(f"the registry answered {answer.status_code}", answer.text[:300])
