"""``mosy convert``: any supported SDMX data format to any other.

The input format is sniffed unless ``--from`` names it; the output format is
``--to`` or follows from OUT's suffix when that is unambiguous (``.csv``,
``.json``, ``.xlsx``; ``.xml`` needs ``--to``). Large inputs show a progress
bar over the bytes read.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from mosy_sdmx.cli.app import app
from mosy_sdmx.cli.common import (
    FlowOption,
    StructureOption,
    deviations_printed_by_us,
    err_console,
    handle_errors,
    report_notices,
)
from mosy_sdmx.exceptions import (
    Location,
    ParseError,
    StructureNotFoundError,
    UnsupportedFormatError,
)
from mosy_sdmx.formats import DataFormat

#: Inputs at least this large get a progress bar.
PROGRESS_MIN_BYTES = 16 * 1024 * 1024

_BY_SUFFIX = {
    ".csv": DataFormat.SDMX_CSV_20,
    ".json": DataFormat.SDMX_JSON_20,
    ".xlsx": DataFormat.XLSX,
}


class ProgressReader(io.RawIOBase):
    """A file seen through a byte counter that advances a progress callback."""

    def __init__(self, raw: BinaryIO, name: str, advance) -> None:
        self._raw = raw
        self.name = name
        self._advance = advance

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = self._raw.seek(offset, whence)
        self._advance(position, absolute=True)
        return position

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._advance(self._raw.tell(), absolute=True)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def output_format(out: str, to: str | None) -> DataFormat:
    """``--to`` when given, else the format OUT's suffix names without doubt."""
    if to:
        return DataFormat.parse(to)
    path = Path(out)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    choices = ", ".join(f.value for f in DataFormat)
    raise UnsupportedFormatError(
        "Output format not clear",
        f"{out!r}: name one with --to ({choices})",
        context={"output": out},
    )


@app.command("convert")
@handle_errors
def convert_command(
    input: Annotated[Path, typer.Argument(help="Data file to read (gzip and zip are unpacked).")],
    output: Annotated[str, typer.Argument(help="File to write, or - for standard output.")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Output format, e.g. sdmx-csv-2.0; default from OUT's suffix."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Input format; sniffed from the content when not given."),
    ] = None,
    flow: FlowOption = None,
    structure: StructureOption = None,
    labels: Annotated[
        str,
        typer.Option("--labels", help="SDMX-CSV output: id, or both (ID: name)."),
    ] = "id",
    drop_unknown: Annotated[
        bool,
        typer.Option(
            "--drop-unknown",
            help="Drop columns that are no component of the output structure (else an error).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
) -> None:
    """Convert an SDMX data message between SDMX-ML, SDMX-CSV, SDMX-JSON and Excel.

    Self-describing input (SDMX-JSON, SDMX-CSV, generic SDMX-ML) needs no
    --structure: it is written with the components it declares. The sender's
    footer and any tolerated deviation from the standard are printed as warnings.
    """
    from mosy_sdmx.io import read_data, write_data
    from mosy_sdmx.io.unknown import KEEP_HINT

    fmt_out = output_format(output, to)
    fmt_in = DataFormat.parse(from_) if from_ else None
    csv_out = fmt_out in (DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20)
    options = {"labels": labels} if csv_out else {}
    # With --drop-unknown the readers keep unknown columns and write_data drops
    # them, in one place; without it, either refuses them with their names.
    read_options = {"extra_columns": "keep"} if drop_unknown else {}
    target = None if output == "-" else output
    try:
        with deviations_printed_by_us():
            dataset = _read(input, structure, flow, fmt_in, quiet, read_data, read_options)
        report_notices(dataset)
        data = write_data(
            dataset, target, fmt_out, structure, flow=flow, drop_unknown=drop_unknown, **options
        )
    except ParseError as exc:
        if exc.title == "Unknown component" and not drop_unknown:
            cli_hint = "or drop them on purpose with --drop-unknown"
            exc.detail = exc.detail.replace(KEEP_HINT, cli_hint)
            if cli_hint not in exc.detail:
                exc.detail = f"{exc.detail}; --drop-unknown drops such columns on purpose"
        raise
    except StructureNotFoundError as exc:
        if structure is None:  # the built-in THB structures do not describe this data
            exc.detail = f"{exc.detail}; name the structure message with --structure FILE"
        raise
    if data is not None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    if not quiet:
        err_console.print(
            f"converted {len(dataset)} observations: {input} -> {output} ({fmt_out.value})",
            markup=False,
        )


def _read(
    path: Path,
    structure: Path | None,
    flow: str | None,
    fmt_in,
    quiet: bool,
    read_data,
    options: dict | None = None,
):
    options = options or {}
    try:
        size = path.stat().st_size
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ParseError(
            "Cannot read input", exc.strerror or str(exc), location=Location(source=str(path))
        ) from None
    if quiet or size < PROGRESS_MIN_BYTES:
        with raw:
            return read_data(raw, structure, fmt_in, flow=flow, **options)
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with (
        raw,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"reading {path.name}", total=size)

        def advance(position: int, absolute: bool = True) -> None:
            progress.update(task, completed=position)

        stream = io.BufferedReader(ProgressReader(raw, str(path), advance), buffer_size=1 << 20)
        return read_data(stream, structure, fmt_in, flow=flow, **options)
