"""The one table of formats: names, media types, file suffixes and sniffing.

Readers, writers, the CLI and the registry's content negotiation all look
formats up here, so a name or a media type is spelt in one place only.
"""

from __future__ import annotations

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
    SDMX_JSON_10 = "sdmx-json-1.0"

    @property
    def media_type(self) -> str:
        return _STRUCTURE_MEDIA_TYPES[self]

    @property
    def suffix(self) -> str:
        return ".json" if self.value.startswith("sdmx-json") else ".xml"

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
    StructureFormat.SDMX_JSON_10: "application/vnd.sdmx.structure+json;version=1.0.0",
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
_CSV_FIRST = re.compile(rb'^\s*"?(STRUCTURE|DATAFLOW)(?:\[[^\]\r\n]*\])?"?(?:[^\w]|$)', re.I)
_JSON_KEY = re.compile(
    rb'"(meta|header|data|dataSets|structure|structures|schema|metadataSets|'
    rb'dataStructures|dataflows|codelists|conceptSchemes)"\s*:'
)
_NOT_DATA = {
    b"metadataSets": "a metadata",
    b"dataStructures": "a structure",
    b"dataflows": "a structure",
    b"codelists": "a structure",
    b"conceptSchemes": "a structure",
}
_JSON_SCHEMA = re.compile(rb'"schema"\s*:\s*"([^"]*)"')
_JSON_DATA_OBJECT = re.compile(rb'\{\s*"data"\s*:\s*\{')
_ZIP_MAGIC = b"PK\x03\x04"
_SIGNATURES = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\x1f\x8b": "gzip"}


def sniff_data_format(head: bytes, name: str | None = None) -> DataFormat:
    """Tell the data format from the first bytes (a few KiB) of a decompressed input.

    SDMX-ML by its root element and namespaces, SDMX-JSON by its top-level
    members (and ``meta.schema``), SDMX-CSV by its first header term, Excel by
    the zip signature. ``name`` only improves the error message. Raises
    UnsupportedFormatError when nothing matches.
    """
    if head.startswith(_ZIP_MAGIC):
        return DataFormat.XLSX
    for signature, what in _SIGNATURES.items():
        if head.startswith(signature):
            raise UnsupportedFormatError(
                "Unrecognised data format",
                f"the content is {what}; SDMX messages are read as UTF-8 text, gzip or zip",
                context={"source": name} if name else None,
            )
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return _sniff_xml(text)
    if text.startswith(b"{"):
        return _sniff_json(text)
    if _CSV_FIRST.match(text):
        first = _CSV_FIRST.match(text).group(1).upper()  # type: ignore[union-attr]
        return DataFormat.SDMX_CSV_20 if first == b"STRUCTURE" else DataFormat.SDMX_CSV_10
    what = f"{name}: " if name else ""
    raise UnsupportedFormatError(
        "Unrecognised data format",
        f"{what}the content is not SDMX-ML, SDMX-JSON, SDMX-CSV (first header DATAFLOW or "
        "STRUCTURE) or an Excel workbook",
        context={"source": name} if name else None,
    )


def xml_prolog_incomplete(head: bytes) -> bool:
    """True when ``head`` is XML whose prolog (comments, DOCTYPE, PIs) runs past its end."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<"):
        return False
    return _xml_root_start(text) is None


def _xml_root_start(text: bytes) -> int | None:
    """Offset of the root element's ``<``, skipping the prolog; None if not in ``text``."""
    pos = 0
    while True:
        start = text.find(b"<", pos)
        if start < 0:
            return None
        if text.startswith(b"<!--", start):
            end = text.find(b"-->", start)
            if end < 0:
                return None
            pos = end + 3
            continue
        if text.startswith(b"<!DOCTYPE", start) and b"[" in text[start : text.find(b">", start)]:
            end = text.find(b"]", start)
            end = text.find(b">", end) if end >= 0 else -1
            if end < 0:
                return None
            pos = end + 1
            continue
        if text.startswith(b"<?", start) or text.startswith(b"<!", start):
            end = text.find(b">", start)
            if end < 0:
                return None
            pos = end + 1
            continue
        return start


def _sniff_xml(text: bytes) -> DataFormat:
    start = _xml_root_start(text)
    match = _XML_ROOT.match(text, start) if start is not None else None
    if match is not None:
        root = match.group(1)
        namespaces = b" ".join(_XMLNS.findall(text[start : start + 8192]))
        if root in (b"GenericData", b"GenericTimeSeriesData"):
            return DataFormat.SDMX_ML_21_GENERIC
        if root in (b"StructureSpecificData", b"StructureSpecificTimeSeriesData"):
            if b"/v3_0/" in namespaces or b"/v3_1/" in namespaces:
                return DataFormat.SDMX_ML_30
            return DataFormat.SDMX_ML_21_SS
        if root in (b"Structure", b"Error", b"RegistryInterface"):
            detail = f"it is an SDMX <{root.decode()}> message, not a data message"
        else:
            detail = f"the XML root element is <{root.decode(errors='replace')}>"
        raise UnsupportedFormatError("Not an SDMX data message", detail)
    raise UnsupportedFormatError("Not an SDMX data message", "no XML root element found")


def _sniff_json(text: bytes) -> DataFormat:
    """SDMX-JSON 2.0 nests ``data.structures`` (a list); 1.0 has ``data.structure``
    (or, in the early form ECB serves, top-level ``header``/``structure``/``dataSets``)."""
    schema = _JSON_SCHEMA.search(text)
    keys = set(_JSON_KEY.findall(text))
    kind = next((_NOT_DATA[k] for k in _NOT_DATA if k in keys), None)
    if schema is not None and re.search(rb"(metadata|structure)-(message|schema)", schema.group(1)):
        kind = "a metadata" if b"metadata" in schema.group(1) else "a structure"
    if (kind is not None and b"dataSets" not in keys) or kind == "a metadata":
        raise UnsupportedFormatError(
            "Not an SDMX data message", f"it is {kind} message in SDMX-JSON, not a data message"
        )
    if schema is not None:
        url = schema.group(1)
        if re.search(rb"/2\.\d|2\.\d\.\d", url):
            return DataFormat.SDMX_JSON_20
        if re.search(rb"/1\.\d|1\.\d\.\d", url):
            return DataFormat.SDMX_JSON_10
    if b"structures" in keys:
        return DataFormat.SDMX_JSON_20
    if b"header" in keys or b"structure" in keys:
        return DataFormat.SDMX_JSON_10
    if b"dataSets" in keys:
        return DataFormat.SDMX_JSON_20 if b"meta" in keys else DataFormat.SDMX_JSON_10
    if b"meta" in keys and b"data" in keys:
        return DataFormat.SDMX_JSON_20
    # A bare {"data": {...}}: looked for, not parsed (sniffing never recurses).
    if _JSON_DATA_OBJECT.match(text):
        return DataFormat.SDMX_JSON_20
    raise UnsupportedFormatError(
        "Not an SDMX-JSON data message", "no 'meta', 'header', 'structure' or 'dataSets' found"
    )
