"""The one hardened XML parser configuration for every XML input.

Partners' files and uploaded structure messages are untrusted: no entity is
resolved, no DTD loaded, nothing fetched from the network, and libxml2's
protective limits stay on (``huge_tree=False``). A document that declares a
DTD at all is refused outright, since SDMX messages never need one and
internal subsets are the vehicle of XXE and "billion laughs" attacks.
"""

from __future__ import annotations

import re
from typing import IO

from lxml import etree

from mosy_sdmx.exceptions import Location, ParseError

#: Deepest element nesting accepted; SDMX messages are ~10 levels deep.
MAX_DEPTH = 64

PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def make_parser() -> etree.XMLParser:
    """A fresh tree parser with the hardened options."""
    return etree.XMLParser(**PARSER_OPTIONS)


def iterparse(source: IO[bytes], events=("start", "end"), tag=None, source_name: str | None = None):
    """lxml iterparse with the hardened options; refuses documents with a DTD.

    Yields (event, element) pairs like ``etree.iterparse``. The DTD check runs
    on every chunk libxml2 sees, so a doctype cannot hide past the first bytes.
    """
    guarded = DoctypeGuard(source, source_name)
    kwargs = dict(PARSER_OPTIONS)
    kwargs.pop("remove_pis")
    return etree.iterparse(guarded, events=events, tag=tag, **kwargs)


class DoctypeGuard:
    """A read-through file wrapper that raises on any DTD declaration."""

    def __init__(self, raw: IO[bytes], source_name: str | None = None) -> None:
        self._raw = raw
        self._tail = b""
        self._offset = 0
        self.source_name = source_name

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            window = self._tail + chunk
            match = _DOCTYPE.search(window)
            if match:
                raise refused_dtd(self.source_name)
            self._tail = window[-16:]
            self._offset += len(chunk)
        return chunk


def refused_dtd(source_name: str | None = None) -> ParseError:
    return ParseError(
        "Refused XML input",
        "the document declares a DTD or entities; SDMX messages never need one and "
        "they are refused to prevent XXE and entity-expansion attacks",
        location=Location(source=source_name),
        context={"reason": "dtd-refused"},
    )


def parse_bytes(data: bytes, source_name: str | None = None) -> etree._ElementTree:
    """Parse a whole (small) document, e.g. a structure message, safely."""
    if _DOCTYPE.search(data):
        raise refused_dtd(source_name)
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, source_name) from None
    check_depth(root, source_name)
    return root.getroottree()


def check_depth(root: etree._Element, source_name: str | None = None) -> None:
    for el in root.iter():
        depth = 0
        parent = el
        while parent is not None:
            depth += 1
            parent = parent.getparent()
        if depth > MAX_DEPTH:
            raise ParseError(
                "XML nested too deeply",
                f"more than {MAX_DEPTH} levels of elements",
                location=Location(source=source_name, line=el.sourceline),
            )
        if len(el) == 0:
            continue


def syntax_error(exc: etree.XMLSyntaxError, source_name: str | None = None) -> ParseError:
    """Turn libxml2's error into a ParseError with line and column."""
    line, column = exc.position if getattr(exc, "position", None) else (exc.lineno, None)
    message = exc.msg or str(exc)
    message = re.sub(r",\s*line \d+, column \d+$", "", message)
    return ParseError(
        "Malformed XML",
        message,
        location=Location(source=source_name, line=line, column=column),
    )
