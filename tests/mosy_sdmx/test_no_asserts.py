"""The library never relies on ``assert``: ``python -O`` drops every one of them.

A condition the code needs is an ``if`` with a raise (or is made impossible by
the types), so it holds the same in an optimised process.
"""

from __future__ import annotations

import ast

from paths import ROOT


def _asserts(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert)]


def test_no_assert_in_the_library() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "mosy_sdmx").rglob("*.py"))
        for line in _asserts(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_finds_an_assert() -> None:
    assert _asserts("x = 1\nassert x is not None\n") == [2]
