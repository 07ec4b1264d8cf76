"""The public API is what ``__all__`` says, and every member of it is documented.

Like httpx's tests/test_exported_members.py: a name listed in a public
module's ``__all__`` must exist, be listed once, and (for classes and
functions) carry its own docstring, so ``help()`` and the docs never show a
bare signature. A public package with public names declares ``__all__``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import mosy_sdmx

#: Documented where they are defined, in code owned elsewhere; kept short on purpose.
UNDOCUMENTED_BY_DESIGN = {
    # Each member is commented in audit.py; the enum is a list of reasons.
    ("mosy_sdmx.disclosure", "Reason"),
}


def _public_modules() -> list[ModuleType]:
    modules = [mosy_sdmx]
    for info in pkgutil.walk_packages(mosy_sdmx.__path__, "mosy_sdmx."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


PUBLIC = _public_modules()
WITH_ALL = [m for m in PUBLIC if hasattr(m, "__all__")]


def _own_doc(member: object) -> str | None:
    if inspect.isclass(member):
        doc = member.__dict__.get("__doc__")
        # A dataclass without a docstring gets its signature as __doc__.
        if doc and doc.startswith(f"{member.__name__}("):
            return None
        return doc
    return getattr(member, "__doc__", None)


def test_the_public_modules_are_found() -> None:
    names = {m.__name__ for m in WITH_ALL}
    assert {"mosy_sdmx", "mosy_sdmx.io", "mosy_sdmx.structures", "mosy_sdmx.validation"} <= names


@pytest.mark.parametrize("module", WITH_ALL, ids=lambda m: m.__name__)
def test_every_exported_member_exists_once(module: ModuleType) -> None:
    assert len(module.__all__) == len(set(module.__all__)), "a name is listed twice"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module", WITH_ALL, ids=lambda m: m.__name__)
def test_every_exported_class_and_function_is_documented(module: ModuleType) -> None:
    undocumented = [
        name
        for name in module.__all__
        if (module.__name__, name) not in UNDOCUMENTED_BY_DESIGN
        and (inspect.isclass(member := getattr(module, name)) or inspect.isroutine(member))
        and not (_own_doc(member) or "").strip()
    ]
    assert undocumented == []


def test_the_package_exports_exactly_its_lazy_table() -> None:
    assert sorted(mosy_sdmx.__all__) == sorted(mosy_sdmx._EXPORTS)
    for name, module in mosy_sdmx._EXPORTS.items():
        assert getattr(mosy_sdmx, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(
    "module", [m for m in PUBLIC if hasattr(m, "__path__")], ids=lambda m: m.__name__
)
def test_a_package_with_public_names_declares_them(module: ModuleType) -> None:
    own = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and getattr(value, "__module__", module.__name__) == module.__name__
    ]
    assert not own or hasattr(module, "__all__"), own
