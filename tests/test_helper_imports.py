"""Tests share helpers through helper modules, never through conftest.py or test modules.

Importing a test module from another runs (and collects) its tests twice, and
a conftest.py is pytest's to load; a helper module has neither problem.
"""

from __future__ import annotations

import ast

from paths import ROOT

TESTS = ROOT / "tests"


def _imported_modules(path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_no_test_imports_a_test_module_or_a_conftest() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for name in _imported_modules(path)
        if name.split(".")[-1].startswith("test_") or name.split(".")[-1] == "conftest"
    ]
    assert offenders == []
