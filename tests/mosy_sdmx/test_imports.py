"""The library stays a library: no web stack, a tidy public API."""

from __future__ import annotations

import subprocess
import sys

import mosy_sdmx

WEB_MODULES = ("fastapi", "starlette", "sqlalchemy", "uvicorn")


def test_importing_the_library_loads_no_web_stack() -> None:
    code = (
        "import sys, mosy_sdmx, mosy_sdmx.io, mosy_sdmx.validation, mosy_sdmx.structures;"
        "mosy_sdmx.load_structures();"
        f"print(','.join(m for m in {WEB_MODULES!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_exported_name_resolves() -> None:
    missing = [name for name in mosy_sdmx.__all__ if getattr(mosy_sdmx, name, None) is None]
    assert missing == []


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        mosy_sdmx.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")
