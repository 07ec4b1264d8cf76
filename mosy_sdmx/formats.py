"""The one table of formats: names, media types, file suffixes and sniffing.

Readers, writers, the CLI and the registry's content negotiation all look
formats up here, so a name or a media type is spelt in one place only.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

from mosy_sdmx.exceptions import UnsupportedFormatError


class DataFormat(StrEnum):
    """Data message formats; the value is the name used in the API and CLI."""

    SDMX_ML_21_GENERIC = "sdmx-ml-2.1-generic"
    SDMX_ML_21_SS = "sdmx-ml-2.1-ss"
    SDMX_ML_30 = "sdmx-ml-3.0"
    SDMX_CSV_10 = "sdmx-csv-1.0"
    SDMX_CSV_20 = "sdmx-csv-2.0"
    SDMX_JSON_10 = "sdmx-json-1.0"
    SDMX_JSON_20 = "sdmx-json-2.0"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        return _DATA_MEDIA_TYPES[self]

    @property
    def suffix(self) -> str:
        return _DATA_SUFFIXES[self]

    @property
    def is_xml(self) -> bool:
        return self in (self.SDMX_ML_21_GENERIC, self.SDMX_ML_21_SS, self.SDMX_ML_30)

    @classmethod
    def parse(cls, name: str | DataFormat) -> DataFormat:
        """Accept a format name, case-insensitively, or a media type."""
        if isinstance(name, DataFormat):
            return name
        key = name.strip().lower()
        for member in cls:
            if key == member.value:
                return member
        by_media = media_type_to_data_format(key)
        if by_media is not None:
            return by_media
        names = ", ".join(m.value for m in cls)
        raise UnsupportedFormatError(
            "Unknown data format", f"{name!r} is not one of: {names}", context={"format": name}
        )


class StructureFormat(StrEnum):
    """Structure message formats."""

    SDMX_ML_21 = "sdmx-ml-2.1"
    SDMX_ML_30 = "sdmx-ml-3.0"
    SDMX_JSON_20 = "sdmx-json-2.0"

    @property
    def media_type(self) -> str:
        return _STRUCTURE_MEDIA_TYPES[self]

    @property
    def suffix(self) -> str:
        return ".json" if self is StructureFormat.SDMX_JSON_20 else ".xml"

    @classmethod
    def parse(cls, name: str | StructureFormat) -> StructureFormat:
        if isinstance(name, StructureFormat):
            return name
        key = name.strip().lower()
        for member in cls:
            if key in (member.value, member.media_type):
                return member
        names = ", ".join(m.value for m in cls)
        raise UnsupportedFormatError(
            "Unknown structure format",
            f"{name!r} is not one of: {names}",
            context={"format": name},
        )


_DATA_MEDIA_TYPES = {
    DataFormat.SDMX_ML_21_GENERIC: "application/vnd.sdmx.genericdata+xml;version=2.1",
    DataFormat.SDMX_ML_21_SS: "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    DataFormat.SDMX_ML_30: "application/vnd.sdmx.data+xml;version=3.0.0",
    DataFormat.SDMX_CSV_10: "application/vnd.sdmx.data+csv;version=1.0.0",
    DataFormat.SDMX_CSV_20: "application/vnd.sdmx.data+csv;version=2.0.0",
    DataFormat.SDMX_JSON_10: "application/vnd.sdmx.data+json;version=1.0.0",
    DataFormat.SDMX_JSON_20: "application/vnd.sdmx.data+json;version=2.0.0",
    DataFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_DATA_SUFFIXES = {
    DataFormat.SDMX_ML_21_GENERIC: ".xml",
    DataFormat.SDMX_ML_21_SS: ".xml",
    DataFormat.SDMX_ML_30: ".xml",
    DataFormat.SDMX_CSV_10: ".csv",
    DataFormat.SDMX_CSV_20: ".csv",
    DataFormat.SDMX_JSON_10: ".json",
    DataFormat.SDMX_JSON_20: ".json",
    DataFormat.XLSX: ".xlsx",
}

_STRUCTURE_MEDIA_TYPES = {
    StructureFormat.SDMX_ML_21: "application/vnd.sdmx.structure+xml;version=2.1",
    StructureFormat.SDMX_ML_30: "application/vnd.sdmx.structure+xml;version=3.0.0",
    StructureFormat.SDMX_JSON_20: "application/vnd.sdmx.structure+json;version=2.0.0",
}


def _normalise_media_type(value: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in value.lower().split(";")]
    version = None
    for p in parts[1:]:
        if p.startswith("version="):
            version = p.split("=", 1)[1].strip('"')
    return parts[0], version


def media_type_to_data_format(value: str) -> DataFormat | None:
    """Map a media type (with or without its version parameter) to a format."""
    base, version = _normalise_media_type(value)
    candidates = []
    for fmt, media in _DATA_MEDIA_TYPES.items():
        fbase, fversion = _normalise_media_type(media)
        if fbase != base:
            continue
        if (
            version is None
            or fversion == version
            or (fversion is not None and fversion.startswith(version + "."))
        ):
            candidates.append(fmt)
    # Without a version, SDMX REST defaults to the newest version of a family.
    return candidates[-1] if candidates else None


_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")
_XMLNS = re.compile(rb'xmlns(?::[\w.-]+)?\s*=\s*["\']([^"\']+)["\']')


def sniff_data_format(head: bytes) -> DataFormat:
    """Tell the data format from the first bytes (a few KiB) of a decompressed input.

    Raises UnsupportedFormatError when nothing matches.
    """
    if head.startswith(b"PK\x03\x04"):
        return DataFormat.XLSX
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return _sniff_xml(text)
    if text.startswith(b"{"):
        return _sniff_json(text)
    first_line = text.split(b"\n", 1)[0].strip().upper()
    first_field = first_line.split(b",", 1)[0].split(b";", 1)[0].strip(b'"')
    if first_field.startswith(b"STRUCTURE"):
        return DataFormat.SDMX_CSV_20
    if first_field.startswith(b"DATAFLOW"):
        return DataFormat.SDMX_CSV_10
    raise UnsupportedFormatError(
        "Unrecognised data format",
        "the content is not SDMX-ML, SDMX-JSON, SDMX-CSV or an Excel workbook",
    )


def _sniff_xml(text: bytes) -> DataFormat:
    pos = 0
    # Skip the XML declaration, comments and processing instructions.
    while True:
        match = _XML_ROOT.search(text, pos)
        if match is None:
            break
        start = match.start()
        if text.startswith(b"<?", start) or text.startswith(b"<!", start):
            end = text.find(b">", start)
            pos = end + 1 if end >= 0 else len(text)
            continue
        root = match.group(1)
        namespaces = b" ".join(_XMLNS.findall(text[start : start + 4096]))
        if root in (b"GenericData", b"GenericTimeSeriesData"):
            return DataFormat.SDMX_ML_21_GENERIC
        if root in (b"StructureSpecificData", b"StructureSpecificTimeSeriesData"):
            if b"/v3_0/" in namespaces or b"/v3_1/" in namespaces:
                return DataFormat.SDMX_ML_30
            return DataFormat.SDMX_ML_21_SS
        raise UnsupportedFormatError(
            "Not an SDMX data message",
            f"the XML root element is <{root.decode(errors='replace')}>",
        )
    raise UnsupportedFormatError("Not an SDMX data message", "no XML root element found")


def _sniff_json(text: bytes) -> DataFormat:
    # SDMX-JSON 2.0 declares its schema in meta.schema and nests structures in
    # data.structures; 1.0 has a top-level "header" and data.structure.
    if re.search(rb'"meta"\s*:', text) or re.search(rb'"structures"\s*:', text):
        return DataFormat.SDMX_JSON_20
    if re.search(rb'"header"\s*:', text) or re.search(rb'"dataSets"\s*:', text):
        return DataFormat.SDMX_JSON_10
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "data" in doc:
        return DataFormat.SDMX_JSON_20
    raise UnsupportedFormatError("Not an SDMX-JSON data message", "no 'meta' or 'header' found")
