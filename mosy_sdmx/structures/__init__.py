"""THB structures and any other SDMX structures, as sdmx1 model objects.

``load_structures()`` gives the built-in THB structures (from the editable
files in ``codelists/`` and ``dsd/``); ``load_structures(path)`` any SDMX-ML
2.1 or 3.0 (or SDMX-JSON 2.0) structure message instead. ``resolve(structure,
flow)`` reads every ``structure=`` argument of the library by one rule (see
``resolver``).
"""

from __future__ import annotations

import os
from functools import lru_cache

from mosy_sdmx.structures.layout import AttachmentLevel, Component, ComponentLayout, ValueKind
from mosy_sdmx.structures.resolver import StructureArg, load_structure_file, resolve
from mosy_sdmx.structures.structure_set import StructureSet

__all__ = [
    "AttachmentLevel",
    "Component",
    "ComponentLayout",
    "StructureArg",
    "StructureSet",
    "ValueKind",
    "builtin_structures",
    "load_structures",
    "resolve",
]


def load_structures(path: str | os.PathLike | None = None) -> StructureSet:
    """The built-in THB structures, or those of an SDMX-ML structure message.

    A file is parsed once per version on disk and shared (see ``resolver``).
    """
    if path is None:
        return builtin_structures()
    return load_structure_file(path)


@lru_cache(maxsize=1)
def builtin_structures() -> StructureSet:
    """The THB structures built from ``codelists/`` and ``dsd/`` (cached)."""
    from mosy_sdmx.structures.sources import load_thb_structures

    return load_thb_structures()
