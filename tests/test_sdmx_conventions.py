"""The code leans on sdmx1 and on one namespace table instead of spelling SDMX out by hand.

- URNs are parsed and made by ``sdmx.urn.URN``, not by string building or
  regular expressions of our own (a hand-made URN drifts from the standard's
  shape the first time a class, an item or an SDMX 2.1 name comes along);
- SDMX-ML namespace URIs live in ``mosy_sdmx/namespaces.py`` only, one table
  per SDMX-ML version;
- sdmx1 objects are told apart by ``isinstance``, never by comparing a class's
  ``__name__`` (sdmx1 has a 2.1 and a 3.0 class of most names).
"""

from __future__ import annotations

import ast
from pathlib import Path

from paths import ROOT

PACKAGES = ("mosy_sdmx", "registry")

#: Files that may spell a URN prefix out, and why sdmx.urn does not serve there.
URN_TEXT_ALLOWED = {
    # Agency URNs (``...base.Agency=ECB``) have no maintainable parent, which
    # sdmx.urn.URN always writes (it would give ``Agency=:ECB()``).
    "mosy_sdmx/structures/_providers.py",
    # SDMX-JSON references may carry wildcard versions (``1.0+``), which
    # sdmx.urn's pattern does not read; agency items as above.
    "mosy_sdmx/structures/_read_json20.py",
}
NAMESPACE_TABLE = "mosy_sdmx/namespaces.py"
NAMESPACE_TEXTS = ("sdmxml/schemas", "w3.org/XML/1998/namespace", "XMLSchema-instance")


def _sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _texts(tree: ast.Module) -> list[tuple[int, str]]:
    """Every str constant of the code (f-string parts included), docstrings left out."""
    docs = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def _compares_a_class_name(node: ast.AST) -> bool:
    if not isinstance(node, ast.Compare):
        return False
    sides = [node.left, *node.comparators]
    return any(isinstance(side, ast.Attribute) and side.attr == "__name__" for side in sides)


def test_urns_are_made_and_read_by_sdmx_urn() -> None:
    offenders = [
        f"{name}:{line}"
        for name, tree in _sources()
        if name not in URN_TEXT_ALLOWED
        for line, text in _texts(tree)
        if "urn:sdmx:org" in text
    ]
    assert offenders == []


def test_namespace_uris_come_from_the_one_table() -> None:
    offenders = [
        f"{name}:{line}"
        for name, tree in _sources()
        if name != NAMESPACE_TABLE
        for line, text in _texts(tree)
        if any(uri in text for uri in NAMESPACE_TEXTS)
    ]
    assert offenders == []


def test_classes_are_told_apart_by_isinstance() -> None:
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _sources()
        for node in ast.walk(tree)
        if _compares_a_class_name(node)
    ]
    assert offenders == []


def test_the_allowed_files_exist_and_still_need_it() -> None:
    for name in URN_TEXT_ALLOWED:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        assert any("urn:sdmx:org" in text for _, text in _texts(tree)), name


def test_the_checks_see_what_they_look_for() -> None:
    code = (
        '"""A docstring may say urn:sdmx:org.sdmx.infomodel."""\n'
        'urn = f"urn:sdmx:org.sdmx.infomodel.codelist.Codelist={agency}:{cl}(1.0)"\n'
        "same = type(thing).__name__ == 'TimeDimension'\n"
    )
    tree = ast.parse(code)
    assert [line for line, text in _texts(tree) if "urn:sdmx:org" in text] == [2]
    assert [n.lineno for n in ast.walk(tree) if _compares_a_class_name(n)] == [3]
    assert Path(ROOT / NAMESPACE_TABLE).is_file()
