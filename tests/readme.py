"""README.md as tests see it: its text, its code blocks, and the commands of a Typer app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import typer
from paths import ROOT

README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    """README's fenced blocks of one language, in order."""
    return [body for lang, body in _FENCE.findall(readme_text()) if lang == language]


@dataclass(frozen=True)
class Command:
    path: str  # e.g. "mosy structures export"
    options: tuple[str, ...]  # long option names, e.g. ("--format", "--output")


def commands(app: typer.Typer, program: str) -> Iterator[Command]:
    """Every leaf command of a Typer app with its long options (``--help`` left out)."""
    root = typer.main.get_command(app)

    # Typer ships its own copy of Click: commands are told apart by shape, not class.
    def walk(command, path: str) -> Iterator[Command]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                if not sub.hidden:
                    yield from walk(sub, f"{path} {name}")
            return
        options = tuple(
            opt
            for param in command.params
            if param.param_type_name == "option" and not getattr(param, "hidden", False)
            for opt in param.opts
            if opt.startswith("--") and opt != "--help"
        )
        yield Command(path, options)

    yield from walk(root, program)
