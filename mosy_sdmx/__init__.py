"""MoSy SDMX: THB structures, fast columnar SDMX I/O and validation.

The public API is exactly ``__all__``. Heavy modules load on first use, so
``import mosy_sdmx`` stays cheap and never pulls in the registry's web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Action": "mosy_sdmx.dataset",
    "Dataset": "mosy_sdmx.dataset",
    "Header": "mosy_sdmx.dataset",
    "FooterMessage": "mosy_sdmx.dataset",
    "LocalisedText": "mosy_sdmx.dataset",
    "DeviationWarning": "mosy_sdmx.deviations",
    "DataFormat": "mosy_sdmx.formats",
    "StructureFormat": "mosy_sdmx.formats",
    "DatasetError": "mosy_sdmx.exceptions",
    "Location": "mosy_sdmx.exceptions",
    "MosyError": "mosy_sdmx.exceptions",
    "ParseError": "mosy_sdmx.exceptions",
    "StructureError": "mosy_sdmx.exceptions",
    "StructureNotFoundError": "mosy_sdmx.exceptions",
    "UnsupportedFormatError": "mosy_sdmx.exceptions",
    "ComponentLayout": "mosy_sdmx.structures",
    "StructureSet": "mosy_sdmx.structures",
    "load_structures": "mosy_sdmx.structures",
    "export_structures": "mosy_sdmx.structures.export",
    "read_data": "mosy_sdmx.io",
    "read_datasets": "mosy_sdmx.io",
    "write_data": "mosy_sdmx.io",
    "to_sdmx1": "mosy_sdmx.io.sdmx1_bridge",
    "from_sdmx1": "mosy_sdmx.io.sdmx1_bridge",
    "validate": "mosy_sdmx.validation",
    "validate_file": "mosy_sdmx.validation",
    "Report": "mosy_sdmx.validation",
}

__all__ = [
    "Action",
    "ComponentLayout",
    "DataFormat",
    "Dataset",
    "DatasetError",
    "DeviationWarning",
    "FooterMessage",
    "Header",
    "LocalisedText",
    "Location",
    "MosyError",
    "ParseError",
    "Report",
    "StructureError",
    "StructureFormat",
    "StructureNotFoundError",
    "StructureSet",
    "UnsupportedFormatError",
    "export_structures",
    "from_sdmx1",
    "load_structures",
    "read_data",
    "read_datasets",
    "to_sdmx1",
    "validate",
    "validate_file",
    "write_data",
]

if TYPE_CHECKING:  # pragma: no cover
    from mosy_sdmx.dataset import Action, Dataset, FooterMessage, Header, LocalisedText
    from mosy_sdmx.deviations import DeviationWarning
    from mosy_sdmx.exceptions import (
        DatasetError,
        Location,
        MosyError,
        ParseError,
        StructureError,
        StructureNotFoundError,
        UnsupportedFormatError,
    )
    from mosy_sdmx.formats import DataFormat, StructureFormat
    from mosy_sdmx.io import read_data, read_datasets, write_data
    from mosy_sdmx.io.sdmx1_bridge import from_sdmx1, to_sdmx1
    from mosy_sdmx.structures import ComponentLayout, StructureSet, load_structures
    from mosy_sdmx.structures.export import export_structures
    from mosy_sdmx.validation import Report, validate, validate_file


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mosy_sdmx' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
