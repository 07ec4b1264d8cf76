"""Shared fixtures. Helpers live in helper modules (``paths``, ``schemas``, ...):
tests import them from there, never from this file (``test_tests.py`` checks).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import DOMAIN, SPECIMENS, STANDARDS


def pytest_configure(config: pytest.Config) -> None:
    if not STANDARDS.is_dir():
        raise pytest.UsageError(
            f"the SDMX standards are expected at {STANDARDS}: put shared/ beside the "
            "project (or set MOSY_SHARED)"
        )


@pytest.fixture(scope="session")
def standards() -> Path:
    return STANDARDS


@pytest.fixture(scope="session")
def specimens() -> Path:
    return SPECIMENS


@pytest.fixture(scope="session")
def domain() -> Path:
    return DOMAIN


@pytest.fixture(scope="session")
def ecb_structures():
    from mosy_sdmx.structures import load_structures

    return load_structures(SPECIMENS / "ECB_EXR" / "1" / "structure-full.xml")


@pytest.fixture(params=["streamed", "whole"])
def both_xml_paths(request, monkeypatch) -> str:
    """Run an SDMX-ML reading test on both structure-specific paths.

    Files of a megabyte or more are read whole (``_fast_body``); test files are
    small, so ``whole`` lowers that threshold to zero and the test also checks
    the whole-buffer path, which must give the same data and the same errors.
    """
    from mosy_sdmx.io.sdmx_ml import _fast_body

    threshold = 0 if request.param == "whole" else 1 << 62
    monkeypatch.setattr(_fast_body, "MIN_BYTES", threshold)
    return request.param


@pytest.fixture(params=["calamine", "openpyxl"])
def both_books(request, monkeypatch) -> str:
    """Run an Excel reading test with calamine and with openpyxl, the reference."""
    from mosy_sdmx.io.xlsx import books

    chosen = books.CalamineBook if request.param == "calamine" else books.OpenpyxlBook
    monkeypatch.setattr(books, "BOOK", chosen)
    return request.param
