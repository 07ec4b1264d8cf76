"""What every command shares: structure options and turning errors into exit codes.

Exit codes: 0 success; 1 the data has errors (validate); 2 the input cannot be
used at all (unreadable, hostile, unknown structure). No traceback reaches the
user: MosyError prints its title, detail and location.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from mosy_sdmx.exceptions import MosyError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_DATA_ERRORS = 1
EXIT_UNUSABLE_INPUT = 2

err_console = Console(stderr=True, highlight=False)

StructureOption = Annotated[
    Path | None,
    typer.Option(
        "--structure",
        help=(
            "SDMX-ML 2.1/3.0 or SDMX-JSON 2.0 structure message to use instead of the "
            "built-in THB structures."
        ),
        dir_okay=False,
    ),
]
FlowOption = Annotated[str | None, typer.Option("--flow", help="Dataflow id, e.g. DF_THB_VICTIMS.")]


def load_structure_option(structure: Path | None):
    """The StructureSet named by --structure, or the built-in THB one."""
    from mosy_sdmx.structures import load_structures

    return load_structures(structure)


def report_notices(dataset) -> None:
    """Print, as warnings, what the sender's footer says and what the reader tolerated."""
    for message in getattr(dataset, "footer", ()):
        label = "footer" if message.severity is None else f"footer ({message.severity})"
        err_console.print(f"[bold yellow]warning:[/] {label} {message.code}: ", end="")
        err_console.print(message.text, markup=False)
    for deviation in getattr(dataset, "deviations", ()):
        err_console.print("[bold yellow]warning:[/] ", end="")
        err_console.print(str(deviation), markup=False)


@contextmanager
def deviations_printed_by_us() -> Iterator[None]:
    """Keep Python from printing DeviationWarnings: the CLI prints them itself,
    once each and as its own warnings, from ``Dataset.deviations``."""
    from mosy_sdmx.deviations import DeviationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviationWarning)
        yield


def report_error(exc: MosyError) -> None:
    err_console.print(f"[bold red]error:[/] {exc.title}")
    if exc.detail:
        err_console.print(f"  {exc.detail}", markup=False)
    if exc.location is not None and str(exc.location):
        err_console.print(f"  at {exc.location}", markup=False)


def handle_errors(func: F) -> F:
    """Run a command; a MosyError or an OS error exits 2 with a clear message."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MosyError as exc:
            report_error(exc)
            raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
        except OSError as exc:
            err_console.print(f"[bold red]error:[/] {exc.strerror or exc}: {exc.filename or ''}")
            raise typer.Exit(EXIT_UNUSABLE_INPUT) from None
        except KeyboardInterrupt:  # pragma: no cover - interactive only
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
