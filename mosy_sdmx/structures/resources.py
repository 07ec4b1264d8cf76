"""Where the built-in structure sources are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def builtin_dir(name: str) -> Path:
    """The ``codelists`` or ``dsd`` folder.

    A wheel ships them inside the package (see pyproject's package-dir); in a
    source checkout or an editable install they sit at the project root.
    """
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"built-in structure folder {name!r} not found")
