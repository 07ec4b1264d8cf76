"""The installed package ships its structure sources and every subpackage."""

from __future__ import annotations

import tomllib
from pathlib import Path

import mosy_sdmx
from mosy_sdmx.structures.resources import builtin_dir

ROOT = Path(__file__).resolve().parents[2]


def _declared_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["setuptools"]["packages"])


def test_every_python_package_is_declared() -> None:
    found = set()
    for top in ("mosy_sdmx", "registry"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    assert found - _declared_packages() == set()


def test_installed_package_finds_every_structure_source() -> None:
    for folder, pattern in (("codelists", "*.csv"), ("dsd", "*.yaml")):
        shipped = {p.name for p in builtin_dir(folder).glob(pattern)}
        in_tree = {p.name for p in (ROOT / folder).glob(pattern)}
        assert in_tree and shipped == in_tree


def test_structure_sources_come_from_the_package_when_installed() -> None:
    package_dir = Path(mosy_sdmx.__file__).resolve().parent
    installed = package_dir.parent != ROOT
    if installed:
        assert builtin_dir("codelists").is_relative_to(package_dir)
    else:
        assert builtin_dir("codelists") == ROOT / "codelists"
