"""Fast path for the body of a structure-specific message held whole in memory.

A parser-target costs about a microsecond per ``<Obs>`` in lxml building the
tag, the attribute dict and its strings, before our callback even runs. Data
written by tools is far more regular than XML allows: attributes come in one
order, double-quoted, mostly without entity references. For such a body one
compiled pattern per element (learnt from a sample of its tags, each
attribute optional) pulls the values out at C speed, straight into Arrow.

The body is cut into regions of whole series. numpy finds every ``<``; the
byte after it tells series, observations and end tags apart, which also gives
each series its first observation. A region is taken by the patterns only if
they account for every one of its tags (entity and character references in
values are expanded as XML does); any other region goes through the reader's
usual callbacks, so an odd observation costs one region, not the file.

The hardened parser still decides what is XML: it parses the whole document
on a second thread (lxml releases the GIL while libxml2 works and no callback
runs), and the result is used only if it accepts the document. Everything
else the fast path is unsure of (an encoding other than UTF-8, comments or
processing instructions before the body, a default namespace) leaves the
document to the streaming path, which also reports every error.
"""

from __future__ import annotations

import io
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
from lxml import etree

from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io.source import ChainedStream
from mosy_sdmx.namespaces import XSI_TYPE
from mosy_sdmx.safe_xml import make_parser

#: Smaller inputs are not worth a thread: the streaming path reads them in milliseconds.
MIN_BYTES = 1 << 20
#: Larger inputs are streamed, so memory stays bounded (about 3M THB observations).
MAX_BYTES = 256 << 20
#: Observations per region (the unit of batching and of falling back).
REGION_OBS = 1 << 16
#: Bytes scanned, or handed to the validating parser, at a time.
SLICE = 8 << 20
#: Tags sampled to learn each element's attribute names and their order.
SAMPLE = 512

_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml\s[^>]*?\?>)?")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_DEFAULT_NAMESPACE = re.compile(rb"\sxmlns\s*=")
_FIRST = re.compile(rb"<(?:Series|Obs)\s")
_NAME = rb"[A-Za-z_][A-Za-z0-9_.\-]*"
#: An attribute name as written: plain, or with a prefix (xsi:type on explicit measures).
_QNAME = rb"(?:" + _NAME + rb":)?" + _NAME
_ATTRIBUTE = re.compile(rb"\s(" + _QNAME + rb')="([^"<\t\n\r]*)"')
_XSI_PREFIX = re.compile(
    rb"xmlns:(" + _NAME + rb""")\s*=\s*["']http://www\.w3\.org/2001/XMLSchema-instance["']"""
)
#: A value: no tab or line break (XML would turn them into spaces), no "<" (not XML).
_VALUE = rb'="([^"<\t\n\r]*)"'
#: What an "&" can start in a well-formed attribute value without a DTD.
_REFERENCE = re.compile(rb"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}
_TAIL = re.compile(
    rb"</(?:" + _NAME + rb":)?DataSet>\s*"
    rb"(?P<footer><(?:" + _NAME + rb":)?Footer[\s>].*</(?:" + _NAME + rb":)?Footer>\s*)?"
    rb"</(?:" + _NAME + rb":)?(?:StructureSpecificData|StructureSpecificTimeSeriesData)>\s*\Z",
    re.DOTALL,
)
_LT, _AMP, _SLASH = ord("<"), ord("&"), ord("/")
_OBS, _SERIES = ord("O"), ord("S")
_SERIES_END = np.frombuffer(b"</Series>", dtype=np.uint8)


@dataclass
class Whole:
    """The input's content in one piece, when it was worth taking, and the
    stream to read instead whenever the fast path declines."""

    data: bytes | None
    stream: BinaryIO | None

    def stream_on(self) -> BinaryIO:
        """The stream to read when the whole-buffer path declined (it releases only
        when it read the input)."""
        if self.stream is None:
            raise RuntimeError("the input was released by a whole-buffer read")
        return self.stream

    def release(self) -> None:
        """Forget the content (the caller keeps no other reference to it)."""
        self.data = None
        self.stream = None


def take_whole(stream: BinaryIO) -> Whole:
    """Read the input whole if it is from ``MIN_BYTES`` to ``MAX_BYTES`` long.

    A regular file is read, not mapped: a mapping would crash the process
    (SIGBUS) if someone truncated the file meanwhile. Other streams (unpacked
    gzip or zip, uploads) are read up to ``MAX_BYTES``; a longer one is
    streamed on from what was read. In-memory bytes are used as they are.
    """
    if isinstance(stream, io.BytesIO):
        # getvalue() hands back the bytes the stream was made from, uncopied.
        return Whole(stream.getvalue() if stream.tell() == 0 else None, stream)
    if isinstance(getattr(stream, "raw", stream), io.FileIO):
        try:
            at = stream.tell()
            size = os.fstat(stream.fileno()).st_size - at
        except (OSError, ValueError):
            return Whole(None, stream)
        if not max(MIN_BYTES, 1) <= size <= MAX_BYTES:
            return Whole(None, stream)
        data = stream.read()
        stream.seek(at)
        # A file that changed under us is streamed as it now is.
        return Whole(data if len(data) == size else None, stream)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return Whole(None, io.BufferedReader(ChainedStream(data, stream)))  # type: ignore[arg-type]
    return Whole(data if len(data) >= MIN_BYTES else None, io.BytesIO(data))


# -- the document's outline ---------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """Where the body lies: the head before ``cut`` goes through the callbacks."""

    cut: int  # the first <Series or <Obs
    end: int  # the closing DataSet tag
    head: bytes  # everything before ``cut``
    footer: bool = False  # a footer follows the DataSet (read from ``end`` on by callbacks)


def outline(buffer: Any) -> Outline | None:
    """The body's bounds, or None when the document is not one for the fast path."""
    if len(buffer) < max(MIN_BYTES, 1):
        return None
    data = memoryview(buffer)
    first_bytes = bytes(data[:4096])
    declaration = _DECLARATION.match(first_bytes)
    start = declaration.end() if declaration else 0
    encoding = _ENCODING.search(first_bytes, 0, start)
    if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    first = _FIRST.search(buffer, start)
    if first is None:
        return None
    cut = first.start()
    # No comment, CDATA, DOCTYPE or processing instruction before the body (the
    # body's tags are checked one by one): every "<" is then a tag, and the first
    # "<Series " or "<Obs " really starts the body. Without a default namespace,
    # the body's plain names are the structure-specific (unqualified) elements.
    head = bytes(data[:cut])
    if b"<!" in head or b"<?" in head[start:] or _DEFAULT_NAMESPACE.search(head):
        return None
    tail_from = max(cut, len(buffer) - 4096)
    tail = _TAIL.search(bytes(data[tail_from:]))
    if tail is None:
        return None
    return Outline(
        cut=cut, end=tail_from + tail.start(), head=head, footer=tail["footer"] is not None
    )


def xsi_type_aliases(head: bytes) -> dict[str, str]:
    """``prefix:type`` -> ``{XSI}type`` for each prefix the head binds to XML Schema
    instance, so patterns that read ``xsi:type`` name the column as the callbacks do."""
    return {f"{match.decode('ascii')}:type": XSI_TYPE for match in _XSI_PREFIX.findall(head)}


# -- the body's tags ----------------------------------------------------------


@dataclass
class Scan:
    """Every tag start of the body, what it is, and the regions it is cut into."""

    end: int  # where the body ends (the closing DataSet tag)
    tags: np.ndarray  # offsets of "<"
    kinds: np.ndarray  # the byte after each "<"
    amps: np.ndarray  # offsets of "&"
    empty_values: bool  # some attribute is written ="" (absent and empty would look alike)
    regions: list[tuple[int, int]]  # [first tag, last tag + 1) of each region


def scan(buffer: Any, outline: Outline) -> Scan:
    """Locate the body's tags and ampersands, a slice at a time."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    tags, amps = [], []
    empty_values = False
    for offset in range(outline.cut, outline.end, SLICE):
        stop = min(offset + SLICE, outline.end)
        part = data[offset:stop]
        tags.append(np.flatnonzero(part == _LT) + offset)
        amps.append(np.flatnonzero(part == _AMP) + offset)
        if not empty_values:
            empty_values = buffer.find(b'=""', offset, min(stop + 2, outline.end)) >= 0
    tag_at = np.concatenate(tags)
    kinds = data[tag_at + 1]
    return Scan(
        end=outline.end,
        tags=tag_at,
        kinds=kinds,
        amps=np.concatenate(amps),
        empty_values=empty_values,
        regions=_regions(kinds),
    )


def _regions(kinds: np.ndarray) -> list[tuple[int, int]]:
    """Cut before series tags (observation tags in a flat body), about REGION_OBS apart.

    The body starts with a series or an observation, so ``starts`` is never empty.
    """
    if not len(kinds):
        return []
    is_obs = kinds == _OBS
    starts = np.flatnonzero(kinds == _SERIES)
    if not len(starts):
        starts = np.flatnonzero(is_obs)
    obs_before = np.cumsum(is_obs)[starts] - is_obs[starts]
    total = int(is_obs.sum())
    wanted = np.arange(REGION_OBS, total, REGION_OBS)
    picks = starts[np.minimum(np.searchsorted(obs_before, wanted), len(starts) - 1)]
    cuts = np.unique(np.concatenate([[0], picks, [len(kinds)]]))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))


# -- element patterns -------------------------------------------------------------


@dataclass
class Shape:
    """How an element's attributes are written, as patterns that read them.

    ``exact`` requires the most frequent sampled order, every attribute present:
    the quickest pattern, taken first. ``loose`` (when every sampled order fits
    one common order and no attribute is written empty) makes each attribute
    optional, for regions where some are left out.
    """

    names: tuple[str, ...]
    exact: re.Pattern[bytes]
    loose_names: tuple[str, ...] | None = None
    loose: re.Pattern[bytes] | None = None
    prefer_loose: bool = False


def learn_shape(buffer: Any, scan: Scan, kind: int, tag: bytes) -> Shape | None:
    """The attribute names of ``tag`` elements, from a sample spread over the body."""
    where = np.flatnonzero(scan.kinds == kind)
    if not len(where):
        return None
    spread = where[np.linspace(0, len(where) - 1, SAMPLE).astype(int)]
    picks = np.unique(np.concatenate([where[:32], spread]))
    seen: Counter[tuple[str, ...]] = Counter()
    for index in picks.tolist():
        names = _tag_names(buffer, int(scan.tags[index]), tag)
        if names is not None:
            seen[names] += 1
    if not seen:
        return None
    names = seen.most_common(1)[0][0]
    exact = _pattern(tag, names, required=True)
    order = None if scan.empty_values else _common_order(list(seen))
    if order is None or (len(seen) == 1 and order == names):
        return Shape(names, exact)
    return Shape(names, exact, order, _pattern(tag, order, required=False))


def _tag_names(buffer: Any, at: int, tag: bytes) -> tuple[str, ...] | None:
    """Attribute names of the start tag at ``at``, in order (None if not plainly written)."""
    close = buffer.find(b">", at, at + 65536)
    if close < 0:
        return None
    text = bytes(memoryview(buffer)[at:close])
    body = text[len(tag) + 1 :].rstrip(b"/ ")
    found = _ATTRIBUTE.findall(body)
    if b"".join(b' %s="%s"' % pair for pair in found) != body:
        return None
    names = tuple(name.decode("ascii") for name, _ in found)
    if any(n == "xmlns" or n.startswith("xmlns:") for n in names) or len(set(names)) != len(names):
        return None
    return names


def _common_order(shapes: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """One order of all names in which every shape is a subsequence, if there is one."""
    order: list[str] = []
    for shape in shapes:
        at = 0
        for name in shape:
            if name in order:
                found = order.index(name)
                if found < at:
                    return None
                at = found + 1
            else:
                order.insert(at, name)
                at += 1
    return tuple(order)


def _pattern(tag: bytes, names: tuple[str, ...], *, required: bool) -> re.Pattern[bytes]:
    close = rb"\s*/>" if tag == b"Obs" else rb"\s*/?>"
    parts = []
    for name in names:
        part = b" " + re.escape(name.encode("ascii")) + _VALUE
        parts.append(part if required else b"(?:" + part + b")?")
    return re.compile(b"<" + tag + b"".join(parts) + close)


# -- regions ------------------------------------------------------------------


def read_region(
    buffer: Any,
    scan: Scan,
    region: tuple[int, int],
    counts: tuple[int, int],
    obs: Shape | None,
    series: Shape | None,
) -> tuple[dict[str, pa.Array], dict[str, pa.Array], np.ndarray] | None:
    """(observation columns, series columns, each series' first observation within
    the region) when the patterns account for every tag of the region, else None.

    ``counts`` is ``region_counts(scan, region)``: the observations and series to find.
    """
    first, last = region
    low, high = _bounds(scan, region)
    references = np.searchsorted(scan.amps, low) != np.searchsorted(scan.amps, high)
    kinds = scan.kinds[first:last]
    is_obs, is_series = kinds == _OBS, kinds == _SERIES
    n_obs, n_series = counts
    ends = np.flatnonzero(kinds == _SLASH)
    if n_obs + n_series + len(ends) != len(kinds):
        return None
    if len(ends) and not _all_series_ends(buffer, scan.tags[first:last][ends]):
        return None
    obs_columns = _read_all(buffer, low, high, obs, n_obs, references)
    series_columns = _read_all(buffer, low, high, series, n_series, references)
    if obs_columns is None or series_columns is None:
        return None
    first_obs = (np.cumsum(is_obs) - is_obs)[is_series]
    return obs_columns, series_columns, first_obs


def region_bytes(buffer: Any, scan: Scan, region: tuple[int, int]) -> bytes:
    low, high = _bounds(scan, region)
    return bytes(memoryview(buffer)[low:high])


def _bounds(scan: Scan, region: tuple[int, int]) -> tuple[int, int]:
    first, last = region
    return int(scan.tags[first]), int(scan.tags[last]) if last < len(scan.tags) else scan.end


def region_counts(scan: Scan, region: tuple[int, int]) -> tuple[int, int]:
    """(observations, series) the region's tags announce."""
    kinds = scan.kinds[region[0] : region[1]]
    return int((kinds == _OBS).sum()), int((kinds == _SERIES).sum())


def _all_series_ends(buffer: Any, positions: np.ndarray) -> bool:
    """Whether every end tag at ``positions`` is exactly ``</Series>``."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    width = len(_SERIES_END)
    if positions[-1] + width > len(data):
        return False
    window = data[positions[:, None] + np.arange(width)]
    return bool((window == _SERIES_END).all())


def _read_all(
    buffer: Any, low: int, high: int, shape: Shape | None, count: int, references: bool
) -> dict[str, pa.Array] | None:
    """Columns of the ``count`` elements in [low, high), if a pattern reads them all.

    The pattern that last worked goes first: once attributes start to be left
    out, they usually are all along.
    """
    if not count:
        return {}
    if shape is None:
        return None
    tries = [(shape.exact, shape.names, False)]
    if shape.loose is not None and shape.loose_names is not None:
        tries.append((shape.loose, shape.loose_names, True))
        if shape.prefer_loose:
            tries.reverse()
    for pattern, names, optional in tries:
        rows = pattern.findall(buffer, low, high)
        if len(rows) == count:
            shape.prefer_loose = optional
            return _columns(rows, names, optional=optional, references=references)
    return None


def _columns(
    rows: list, names: tuple[str, ...], *, optional: bool, references: bool
) -> dict[str, pa.Array]:
    if len(names) == 1:
        return {names[0]: bytes_to_arrow(rows, optional, references)}
    return {
        name: bytes_to_arrow(list(map(itemgetter(i), rows)), optional, references)
        for i, name in enumerate(names)
    }


def bytes_to_arrow(
    values: list[bytes], empty_is_missing: bool = False, references: bool = False
) -> pa.Array:
    """An Arrow string array from UTF-8 byte strings (no NUL: XML forbids it).

    With ``empty_is_missing``, an empty value is an attribute that took no part
    in the match (the caller made sure no attribute is written empty). With
    ``references``, entity and character references are expanded as XML does.
    """
    n = len(values)
    joined = b"\0".join(values)
    if references and b"&" in joined:
        joined = _REFERENCE.sub(_expand, joined)
    ends = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == 0)
    data = joined.replace(b"\0", b"")
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:n] = ends - np.arange(n - 1)
    offsets[n] = len(data)
    validity = None
    if empty_is_missing:
        present = np.diff(offsets) > 0
        if not present.all():
            validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), validity)


def _expand(match: re.Match[bytes]) -> bytes:
    """A reference's text, with "&" written as libxml2 hands it to the callbacks
    (``_read_columns.ESCAPED_AMPERSAND``, undone for both paths alike)."""
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        text = _NAMED[name]
    else:
        text = chr(int(decimal) if decimal is not None else int(hexadecimal, 16)).encode()
    return b"&#38;" if text == b"&" else text


# -- the gate -----------------------------------------------------------------


class Gate:
    """The hardened parser checking the whole document on a second thread."""

    def __init__(self, buffer: Any) -> None:
        self._buffer = buffer
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mosy-xml-gate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            parser = make_parser(_NoCallbacks())
            data = memoryview(self._buffer)
            for offset in range(0, len(data), SLICE):
                if self._stop.is_set():
                    return
                parser.feed(bytes(data[offset : offset + SLICE]))
            parser.close()
        except BaseException as exc:  # reported to the caller, who falls back
            self.error = exc
        finally:
            self._buffer = None

    def passed(self) -> bool:
        self._thread.join()
        return self.error is None and not self._stop.is_set()

    def cancel(self) -> None:
        self._stop.set()
        self._thread.join()


class _NoCallbacks:
    """A target without start/end/data: libxml2 checks the document, no Python runs."""

    def close(self) -> None:
        return None


#: Failures that send the reader back to the streaming path.
FALLBACK_ERRORS = (ParseError, etree.XMLSyntaxError, etree.ParseError)
