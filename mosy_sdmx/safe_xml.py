"""The one hardened XML parser configuration for every XML input.

Partners' files and uploaded structure messages are untrusted: no entity is
resolved, no DTD loaded, nothing fetched from the network, and libxml2's
protective limits stay on (``huge_tree=False``: text nodes up to 10 MB, nesting
up to 256). A document that declares a DTD at all is refused outright, since
SDMX messages never need one and internal subsets are the vehicle of XXE and
"billion laughs" attacks. Element nesting is further capped at the ``max_depth``
limit (``mosy_sdmx.limits``), the same for XML and JSON.

Two ways in: ``parse_bytes`` for small documents (structure messages) and
``feed_stream`` for data messages, which pushes chunks into a parser-target
(SAX-style callbacks, no tree) and keeps just enough of the recent input to
turn an observation's ordinal back into a line and column when it is bad.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from lxml import etree

from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.limits import Limits, get_limits

#: The default deepest element nesting (``Limits.max_depth``); SDMX messages are ~10 deep.
MAX_DEPTH = Limits().max_depth
#: Bytes fed to the parser at a time by ``feed_stream``.
CHUNK_SIZE = 1 << 20

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def make_parser(target: object | None = None) -> etree.XMLParser:
    """A fresh parser with the hardened options; with ``target``, a callback parser."""
    if target is None:
        return etree.XMLParser(**PARSER_OPTIONS)
    return etree.XMLParser(target=target, **PARSER_OPTIONS)


class DoctypeGuard:
    """A read-through file wrapper that raises on any DTD declaration."""

    def __init__(self, raw: IO[bytes], source_name: str | None = None) -> None:
        self._raw = raw
        self._tail = b""
        self.source_name = source_name

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            window = self._tail + chunk
            if b"<!" in window and _DOCTYPE.search(window):
                raise refused_dtd(self.source_name)
            self._tail = window[-16:]
        return chunk


def refused_dtd(source_name: str | None = None) -> ParseError:
    return ParseError(
        "Refused XML input",
        "the document declares a DTD or entities; SDMX messages never need one and "
        "they are refused to prevent XXE and entity-expansion attacks",
        location=Location(source=source_name),
        context={"reason": "dtd-refused"},
        code="refused-input",
    )


def parse_bytes(data: bytes, source_name: str | None = None) -> etree._ElementTree:
    """Parse a whole (small) document, e.g. a structure message, safely."""
    check_text_start(data, source_name)
    if _DOCTYPE.search(data):
        raise refused_dtd(source_name)
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, source_name) from None
    check_depth(root, source_name)
    return root.getroottree()


def check_text_start(data: bytes, source_name: str | None = None) -> None:
    """Refuse input that is not XML text at all (binary data, another format).

    libxml2 stops at the first NUL byte and calls such a file "empty", which
    misleads whoever sent it.
    """
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return  # genuinely empty: libxml2's own message says so
    if b"\x00" in head or not head.startswith(b"<"):
        kind = "binary data" if b"\x00" in head else "text that is not XML"
        raise ParseError(
            "Not an XML document",
            f"the file starts with {kind}; an SDMX-ML message starts with '<'",
            location=Location(source=source_name, line=1, column=1),
        )


def check_depth(root: etree._Element, source_name: str | None = None) -> None:
    """Refuse trees nested deeper than the depth limit, in one walk (no parent chains)."""
    depth = 0
    limit = get_limits().max_depth
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > limit:
            raise too_deep(source_name, element.sourceline)


def too_deep(source_name: str | None = None, line: int | None = None) -> ParseError:
    limit = get_limits().max_depth
    return ParseError(
        "XML nested too deeply",
        f"more than {limit} levels of elements",
        location=Location(source=source_name, line=line),
        context={"limit": limit},
    )


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


class InputWindow:
    """The last chunks fed to the parser, kept so a bad element can be located.

    Callbacks only learn *which* element is wrong (its ordinal, e.g. the
    70 001st ``<Obs``); ``locate`` finds that start tag again in the retained
    bytes, so positions cost nothing unless something is wrong. ``counters``
    report, per marker, how many such elements the callbacks have seen; the
    push parser reports a start tag as soon as its ``>`` arrives, so the
    element of a callback that just fired ends in the newest chunk (or the one
    before, if libxml2 held a token back).
    """

    KEEP = 4096  # bytes kept from before the previous chunk, for tags straddling it

    def __init__(self, counters: dict[bytes, Callable[[], int]] | None = None) -> None:
        self.counters = counters or {}
        self.pre = b""
        self.prev = b""
        self.cur = b""
        self.lines_before_prev = 0
        self.lines_before_cur = 0
        self.seen_before_prev: dict[bytes, int] = dict.fromkeys(self.counters, 0)
        self.seen_before_cur: dict[bytes, int] = dict.fromkeys(self.counters, 0)
        #: Start tags (Clark notation) a reader's callbacks have seen, for
        #: ``locate_start_tag``; snapshotted per chunk like ``counters``.
        self.tag_counts: dict[str, int] = {}
        self.tags_before_prev: dict[str, int] = {}
        self.tags_before_cur: dict[str, int] = {}

    def push(self, chunk: bytes) -> None:
        """Record ``chunk`` just before it is fed."""
        self.seen_before_prev = self.seen_before_cur
        self.seen_before_cur = {m: count() for m, count in self.counters.items()}
        self.tags_before_prev = self.tags_before_cur
        self.tags_before_cur = dict(self.tag_counts)
        self.lines_before_prev = self.lines_before_cur
        self.lines_before_cur += _line_breaks(self.cur)
        if self.cur.endswith(b"\r") and chunk.startswith(b"\n"):
            self.lines_before_cur -= 1
        keep = self.KEEP
        self.pre = self.prev[-keep:] if len(self.prev) >= keep else (self.pre + self.prev)[-keep:]
        self.prev, self.cur = self.cur, chunk

    def locate(self, marker: bytes, ordinal: int) -> tuple[int | None, int | None]:
        """(line, column) of the ``ordinal``-th (0-based) ``marker`` tag of the input."""
        data = self.pre + self.prev + self.cur
        base = len(self.pre)
        skip = ordinal - self.seen_before_prev.get(marker, 0)
        pos = -1
        while skip >= 0:
            pos = data.find(marker, pos + 1)
            if pos < 0:
                return None, None
            if data.find(b">", pos) >= base:  # reported during the kept chunks
                skip -= 1
        return self._position(data, base, pos)

    def locate_start_tag(self, tag: str, ordinal: int) -> tuple[int | None, int | None]:
        """(line, column) of the ``ordinal``-th (0-based) start tag named ``tag``.

        ``tag`` is in Clark notation and any prefix matches; the reader's
        callbacks count start tags in ``tag_counts``. Only for error paths.
        """
        local = tag.rsplit("}", 1)[-1].encode()
        pattern = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + re.escape(local) + rb"[\s/>]")
        data = self.pre + self.prev + self.cur
        base = len(self.pre)
        skip = ordinal - self.tags_before_prev.get(tag, 0)
        for match in pattern.finditer(data):
            if data.find(b">", match.start()) < base:
                continue  # reported before the kept chunks
            if skip == 0:
                return self._position(data, base, match.start())
            skip -= 1
        return None, None

    def _position(self, data: bytes, base: int, pos: int) -> tuple[int, int]:
        line_start = max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos)) + 1
        if pos >= base:
            line = self.lines_before_prev + _line_breaks(data[base:pos]) + 1
        else:
            line = self.lines_before_prev - _line_breaks(data[pos:base]) + 1
        return line, pos - line_start + 1


def _line_breaks(data: bytes) -> int:
    lines = data.count(b"\n")
    if b"\r" in data:
        lines += data.count(b"\r") - data.count(b"\r\n")
    return lines


def feed_stream(
    stream: IO[bytes],
    target: object,
    *,
    source_name: str | None = None,
    window: InputWindow | None = None,
    after_chunk: Callable[[], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Any:
    """Push ``stream`` through a hardened callback parser; return ``target.close()``.

    Refuses DTDs, turns libxml2 errors into ParseError with line and column,
    and calls ``after_chunk`` after each chunk (readers flush columns there,
    while ``window`` still holds the bytes those observations came from).
    Errors raised by the target's callbacks propagate unchanged.
    """
    parser = make_parser(target)
    tail = b""
    seen = False
    try:
        while True:
            chunk = stream.read(chunk_size)
            if not chunk:
                break
            if not seen:
                if chunk.strip(b" \t\r\n\xef\xbb\xbf"):
                    seen = True
                else:
                    continue
            # Search the chunk and the seam with the previous one, never a joined copy.
            seam = tail + chunk[:16]
            if (b"<!" in chunk or b"<!" in seam) and _DOCTYPE.search(seam + chunk):
                raise refused_dtd(source_name)
            tail = chunk[-16:]
            if window is not None:
                window.push(chunk)
            parser.feed(chunk)
            if after_chunk is not None:
                after_chunk()
        if not seen:
            raise ParseError(
                "Empty input", "the file holds no XML", location=Location(source=source_name)
            )
        return parser.close()
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, source_name) from None
