"""Line and column of given observations in an SDMX-ML data message, found again later.

The readers keep no per-observation positions (that would cost memory and time
on every read); a validation report only needs the position of its few
examples. Readers produce one row per ``<Obs>`` element in document order
(structure-specific series, flat and time-series layouts, and generic data
alike), so row ``i`` is the ``i``-th ``Obs`` start tag. This module counts
those tags again with C-speed ``bytes.count`` chunk by chunk, and only in the
chunks holding a wanted row looks at the tags themselves and maps their byte
offsets to lines with ``numpy.searchsorted`` over the line-break offsets.
Memory stays at about one chunk; reading stops after the last wanted row.

Start tags inside comments or CDATA sections would be counted too; SDMX data
messages do not carry them between observations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

import numpy as np

from mosy_sdmx.io.source import Source, open_source

#: Bytes read at a time.
CHUNK_SIZE = 1 << 20
#: Bytes carried over from one chunk to the next, so no start tag is cut.
_CARRY = 256
#: An ``Obs`` start tag with any namespace prefix (not ``ObsValue``, ``ObsKey``...).
_ANY_OBS = re.compile(rb"<(?:([A-Za-z_][\w.\-]{0,200}):)?Obs[\s/>]")
#: What may follow the element name in a start tag.
_AFTER_NAME = (b" ", b"\t", b"\n", b"\r", b"/", b">")

Position = tuple[int, int]


def locate_observations(
    source: Source | IO[bytes], rows: Iterable[int], *, chunk_size: int = CHUNK_SIZE
) -> dict[int, Position]:
    """(line, column) of each wanted observation row (0-based, in reading order).

    Lines and columns are 1-based; columns count bytes. Rows beyond the last
    observation are left out of the result. ``source`` is anything
    ``read_data`` accepts (path, bytes, stream; gzip and zip are unwrapped).
    """
    wanted = np.unique(np.asarray([int(r) for r in rows if int(r) >= 0], dtype=np.int64))
    if wanted.size == 0:
        return {}
    with open_source(source) as (stream, _name, _head):
        return _Scanner(wanted).run(stream, max(int(chunk_size), 2 * _CARRY))


class _Scanner:
    """State of one pass: observations and line breaks before the current buffer."""

    def __init__(self, wanted: np.ndarray) -> None:
        self.wanted = wanted
        self.next = 0  # index into ``wanted`` of the next row to find
        self.seen = 0  # Obs start tags before the current buffer
        self.lines = 0  # line breaks before the current buffer
        self.line_start = 0  # offset (absolute) just after the last line break so far
        self.offset = 0  # absolute offset of the current buffer's first byte
        self.markers: tuple[bytes, ...] | None = None
        self.pattern: re.Pattern[bytes] | None = None
        self.found: dict[int, Position] = {}

    def run(self, stream: IO[bytes], chunk_size: int) -> dict[int, Position]:
        buffer = b""
        while self.next < self.wanted.size:
            chunk = stream.read(chunk_size)
            buffer += chunk
            last = not chunk
            cut = len(buffer) if last else len(buffer) - _CARRY
            if cut > 0 and buffer[cut - 1 : cut] == b"\r":
                cut -= 1  # keep a CR LF pair together
            if cut > 0:
                self._scan(buffer, cut)
                buffer = buffer[cut:]
            if last:
                break
        return self.found

    def _scan(self, buffer: bytes, cut: int) -> None:
        """Account for the tags starting (and line breaks lying) before ``cut``."""
        if self.markers is None:
            first = _ANY_OBS.search(buffer, 0, cut + _CARRY)
            if first is not None and first.start() < cut:
                self._learn(first.group(1))
        if self.markers is not None and self.pattern is not None:
            n = sum(buffer.count(m, 0, cut + len(m) - 1) for m in self.markers)
            if n and self.seen + n > self.wanted[self.next]:
                self._positions(buffer, cut, self.pattern)
            self.seen += n
        self.lines += _line_breaks(buffer, cut)
        breaks = max(buffer.rfind(b"\n", 0, cut), buffer.rfind(b"\r", 0, cut))
        if breaks >= 0:
            self.line_start = self.offset + breaks + 1
        self.offset += cut

    def _learn(self, prefix: bytes | None) -> None:
        """Fix the tag spelling from the first one, so later counts are plain ``count``s."""
        name = (prefix + b":" if prefix else b"") + b"Obs"
        self.markers = tuple(b"<" + name + after for after in _AFTER_NAME)
        self.pattern = re.compile(b"<" + re.escape(name) + rb"[\s/>]")

    def _positions(self, buffer: bytes, cut: int, pattern: re.Pattern[bytes]) -> None:
        """Record the wanted tags of this buffer: their ordinals are known by now."""
        starts = np.fromiter(
            (m.start() for m in pattern.finditer(buffer, 0, cut + _CARRY)), dtype=np.int64
        )
        starts = starts[starts < cut]
        ordinals = np.arange(self.seen, self.seen + starts.size)
        hit = np.isin(ordinals, self.wanted[self.next :])
        if not hit.any():
            return
        breaks = _break_offsets(buffer, cut)
        for ordinal, pos in zip(ordinals[hit].tolist(), starts[hit].tolist(), strict=True):
            before = int(np.searchsorted(breaks, pos))
            start = int(breaks[before - 1]) + 1 + self.offset if before else self.line_start
            self.found[ordinal] = (self.lines + before + 1, self.offset + pos - start + 1)
        self.next = int(np.searchsorted(self.wanted, ordinals[-1], side="right"))


def _line_breaks(buffer: bytes, cut: int) -> int:
    """LF, CRLF and lone CR each end a line (as XML parsers count them)."""
    lines = buffer.count(b"\n", 0, cut)
    if buffer.find(b"\r", 0, cut) >= 0:
        lines += buffer.count(b"\r", 0, cut) - buffer.count(b"\r\n", 0, cut)
    return lines


def _break_offsets(buffer: bytes, cut: int) -> np.ndarray:
    """Sorted offsets of the bytes that end a line (the LF of a CRLF)."""
    data = np.frombuffer(buffer, dtype=np.uint8, count=cut)
    if buffer.find(b"\r", 0, cut) < 0:
        return np.flatnonzero(data == 10)
    lf = data == 10
    cr = data == 13
    cr[:-1] &= ~lf[1:]  # a CR followed by LF is counted at the LF
    return np.flatnonzero(lf | cr)
