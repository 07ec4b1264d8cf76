"""The one format table: each DataFormat maps to its reader and its writer.

Entries are import paths, resolved on first use, so reading CSV never imports
the XML or Excel code. Readers: ``read(stream, *, layout, source_name, **options)
-> Dataset``; writers: ``write(dataset, stream, *, layout, **options) -> None``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from mosy_sdmx.exceptions import UnsupportedFormatError
from mosy_sdmx.formats import DataFormat

_READERS: dict[DataFormat, str] = {
    DataFormat.SDMX_ML_21_GENERIC: "mosy_sdmx.io.sdmx_ml.generic_reader:read",
    DataFormat.SDMX_ML_21_SS: "mosy_sdmx.io.sdmx_ml.ss_reader:read",
    DataFormat.SDMX_ML_30: "mosy_sdmx.io.sdmx_ml.ss_reader:read",
    DataFormat.SDMX_CSV_10: "mosy_sdmx.io.sdmx_csv.reader:read",
    DataFormat.SDMX_CSV_20: "mosy_sdmx.io.sdmx_csv.reader:read",
    DataFormat.SDMX_JSON_10: "mosy_sdmx.io.sdmx_json.reader:read",
    DataFormat.SDMX_JSON_20: "mosy_sdmx.io.sdmx_json.reader:read",
    DataFormat.XLSX: "mosy_sdmx.io.xlsx.reader:read",
}

_WRITERS: dict[DataFormat, str] = {
    DataFormat.SDMX_ML_21_GENERIC: "mosy_sdmx.io.sdmx_ml.generic_writer:write",
    DataFormat.SDMX_ML_21_SS: "mosy_sdmx.io.sdmx_ml.ss_writer:write_21",
    DataFormat.SDMX_ML_30: "mosy_sdmx.io.sdmx_ml.ss_writer:write_30",
    DataFormat.SDMX_CSV_10: "mosy_sdmx.io.sdmx_csv.writer:write_10",
    DataFormat.SDMX_CSV_20: "mosy_sdmx.io.sdmx_csv.writer:write_20",
    DataFormat.SDMX_JSON_10: "mosy_sdmx.io.sdmx_json.writer:write_10",
    DataFormat.SDMX_JSON_20: "mosy_sdmx.io.sdmx_json.writer:write_20",
    DataFormat.XLSX: "mosy_sdmx.io.xlsx.writer:write",
}


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def reader_for(fmt: DataFormat) -> Callable[..., Any]:
    try:
        return _resolve(_READERS[fmt])
    except KeyError:
        raise UnsupportedFormatError("No reader", f"{fmt.value} cannot be read") from None


def datasets_reader_for(fmt: DataFormat) -> Callable[..., Any]:
    """The reader of every data set of a message: the module's ``read_datasets``
    where its format can hold several, else its ``read`` giving a list of one."""
    read = reader_for(fmt)
    module = importlib.import_module(_READERS[fmt].partition(":")[0])
    several = getattr(module, "read_datasets", None)
    if several is not None:
        return several

    def read_one(stream, **kwargs: Any) -> list[Any]:
        return [read(stream, **kwargs)]

    return read_one


def writer_for(fmt: DataFormat) -> Callable[..., Any]:
    try:
        return _resolve(_WRITERS[fmt])
    except KeyError:
        raise UnsupportedFormatError("No writer", f"{fmt.value} cannot be written") from None


def readable_formats() -> list[DataFormat]:
    return list(_READERS)


def writable_formats() -> list[DataFormat]:
    return list(_WRITERS)
