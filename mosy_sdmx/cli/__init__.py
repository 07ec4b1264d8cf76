"""The ``mosy`` command line.

Each command group lives in its own module and registers itself on the shared
Typer app when imported here.
"""

from __future__ import annotations

import importlib

from mosy_sdmx.cli.app import app

# Command modules, each registering its commands on ``app``.
_COMMAND_MODULES = (
    "mosy_sdmx.cli.structures",
    "mosy_sdmx.cli.convert",
    "mosy_sdmx.cli.schema",
    "mosy_sdmx.cli.template",
    "mosy_sdmx.cli.validate",
    "mosy_sdmx.cli.protect",
    "mosy_sdmx.cli.submit",
)


def _register() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    """Entry point of the ``mosy`` console script."""
    _register()
    app()


__all__ = ["app", "main"]
