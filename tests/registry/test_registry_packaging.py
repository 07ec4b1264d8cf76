"""Packaging: the library installs without the web stack; every import is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WEB_STACK = {"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "pydantic-settings"}
#: Import name -> distribution name, where they differ.
DISTRIBUTION = {
    "sdmx": "sdmx1",
    "yaml": "pyyaml",
    "python_calamine": "python-calamine",
    "pydantic_settings": "pydantic-settings",
    "python_multipart": "python-multipart",
    "sqlalchemy": "sqlalchemy",
}
#: Installed with a declared dependency, which pins them itself.
TRANSITIVE = {"numpy": "pandas", "starlette": "fastapi", "pydantic": "fastapi"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    local = {"mosy_sdmx", "registry"}
    return {name for name in found if name not in sys.stdlib_module_names and name not in local}


def _distributions(imports: set[str]) -> set[str]:
    return {TRANSITIVE.get(n, DISTRIBUTION.get(n, n)).lower() for n in imports}


def test_the_library_needs_no_web_stack() -> None:
    core = _names(CONFIG["project"]["dependencies"])
    assert core & WEB_STACK == set()
    assert _distributions(_imports("mosy_sdmx")) & WEB_STACK == set()


def test_every_import_is_a_declared_dependency() -> None:
    core = _names(CONFIG["project"]["dependencies"])
    registry = _names(CONFIG["project"]["optional-dependencies"]["registry"])
    assert _distributions(_imports("mosy_sdmx")) - core == set()
    assert _distributions(_imports("registry")) - core - registry == set()


def test_no_dependency_goes_unused() -> None:
    used = _distributions(_imports("mosy_sdmx"))
    assert _names(CONFIG["project"]["dependencies"]) - used == set()
    used_by_registry = _distributions(_imports("registry"))
    registry = _names(CONFIG["project"]["optional-dependencies"]["registry"])
    # Loaded by name, never imported: psycopg by SQLAlchemy from a postgresql+psycopg
    # URL, uvloop and httptools by uvicorn (its faster event loop and HTTP parser).
    loaded = {"psycopg", "uvloop", "httptools"}
    assert registry - used_by_registry - loaded == set()


def test_the_test_extra_installs_the_registry() -> None:
    assert "mosy-sdmx[registry]" in CONFIG["project"]["optional-dependencies"]["test"]


def test_py_typed_ships_where_declared() -> None:
    data = CONFIG["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        if "py.typed" in patterns:
            assert (ROOT / package.replace(".", "/") / "py.typed").is_file()
