"""Opening inputs: paths, bytes or binary streams; gzip and zip transparently.

The stream handed to a reader starts at the first byte of the (decompressed)
content and is seekable whenever the input allows it, so readers can take a
second look (e.g. to find the row of a CSV error). A seekable zip archive is
read in place, never copied into memory; a non-seekable one is spooled to a
temporary file. Decompression is capped against bombs (``mosy_sdmx.limits``:
``max_unpacked_bytes``, ``max_ratio``), and whatever a broken wrapper raises
(a bad CRC, a wrong size, an impossible offset) is a ParseError.
"""

from __future__ import annotations

import gzip
import io
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.formats import DataFormat, sniff_data_format, xml_prolog_incomplete
from mosy_sdmx.limits import get_limits

Source = str | Path | bytes | IO[bytes]

#: Bytes looked at to sniff a format.
SNIFF_BYTES = 64 * 1024
#: Most bytes read to find an XML root element behind a long prolog.
MAX_SNIFF_BYTES = 4 * 1024 * 1024
#: Bytes of a non-seekable zip archive kept in memory before spilling to disk.
SPOOL_MEMORY = 64 * 1024**2

#: What a broken gzip or zip wrapper raises while it is read (BadGzipFile is an OSError).
WRAPPER_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile)

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


class ChainedStream(io.RawIOBase):
    """A read-only stream of bytes already read (for sniffing) followed by the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if len(self._head):
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class _Capped(io.RawIOBase):
    """Fails with a ParseError once more than ``limit`` bytes were read (bombs)."""

    def __init__(
        self,
        inner: IO[bytes],
        limit: int,
        name: str,
        seekable: bool,
        packed: _Counted | None = None,
    ) -> None:
        self._inner = inner
        self._limit = limit
        self._name = name
        self._count = 0
        self._seekable = seekable
        self._packed = packed
        limits = get_limits()
        self._ratio, self._floor = limits.max_ratio, limits.ratio_floor

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:  # seeking back in gzip or zip means reading it again
            self._count = self._inner.seek(offset, whence)
        except WRAPPER_ERRORS as exc:
            raise ParseError(
                "Broken compressed input",
                f"{type(exc).__name__}: {str(exc)[:200]}",
                location=Location(source=self._name),
            ) from None
        return self._count

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except WRAPPER_ERRORS as exc:
            raise ParseError(
                "Broken compressed input",
                f"{type(exc).__name__}: {str(exc)[:200]}",
                location=Location(source=self._name),
            ) from None
        n = len(data)
        self._count += n
        if self._count > self._limit:
            raise ParseError(
                "Input too large",
                f"it unpacks to more than {self._limit} bytes",
                location=Location(source=self._name),
                context={"limit": self._limit},
            )
        packed = self._packed.count if self._packed is not None else 0
        if (
            self._packed is not None
            and self._count > self._floor
            and self._count > self._ratio * max(packed, 1)
        ):
            raise ParseError(
                "Suspicious compressed input",
                f"it unpacks more than {self._ratio}-fold (a decompression bomb?)",
                location=Location(source=self._name),
                context={"ratio_limit": self._ratio},
            )
        buffer[:n] = data
        return n


def _peek(stream: IO[bytes], size: int = SNIFF_BYTES) -> tuple[bytes, IO[bytes]]:
    """The first bytes and a stream still starting at them."""
    if stream.seekable():
        start = stream.tell()
        head = _read_up_to(stream, size)
        stream.seek(start)
        if start:
            return head, _Offset(stream, start)
        return head, stream
    head = _read_up_to(stream, size)
    return head, io.BufferedReader(ChainedStream(head, stream))  # type: ignore[arg-type]


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes unless the input ends first (raw streams may return less)."""
    parts, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


class _Counted(io.RawIOBase):
    """Counts the compressed bytes a decompressor has consumed (for ratio checks)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = self._inner.seek(offset, whence)
        self.count = position
        return position

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class _Offset(io.RawIOBase):
    """A seekable stream seen from a start offset (a stream handed in mid-way)."""

    def __init__(self, inner: IO[bytes], start: int) -> None:
        self._inner = inner
        self._start = start

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset += self._start
        return self._inner.seek(offset, whence) - self._start

    def tell(self) -> int:
        return self._inner.tell() - self._start

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_source(
    source: Source, *, max_bytes: int | None = None
) -> Iterator[tuple[BinaryIO, str, bytes]]:
    """Yield (binary stream, display name, first bytes) for any input.

    Gzip is unwrapped on the fly; a zip archive that is not an Excel workbook
    must hold exactly one data file, which is streamed out of it. ``max_bytes``
    defaults to the ``max_unpacked_bytes`` limit.
    """
    if max_bytes is None:
        max_bytes = get_limits().max_unpacked_bytes
    with ExitStack() as stack:
        name = "<bytes>"
        if isinstance(source, (str, Path)):
            name = str(source)
            try:
                raw: IO[bytes] = stack.enter_context(open(source, "rb"))
            except OSError as exc:
                raise ParseError(
                    "Cannot open input", exc.strerror or str(exc), location=Location(source=name)
                ) from None
        elif isinstance(source, (bytes, bytearray, memoryview)):
            raw = io.BytesIO(bytes(source))
        else:
            raw = source
            given = getattr(source, "name", None)
            name = given if isinstance(given, str) else "<stream>"
        head, stream = _peek(raw)
        if head[:2] == _GZIP_MAGIC:
            packed = _Counted(stream)
            gz = stack.enter_context(gzip.GzipFile(fileobj=packed, mode="rb"))  # type: ignore[arg-type]
            capped = _Capped(gz, max_bytes, name, seekable=stream.seekable(), packed=packed)
            head, stream = _peek(io.BufferedReader(capped))
        if head[:4] == _ZIP_MAGIC:
            head, stream = _open_zip(stream, name, stack, max_bytes)
        if xml_prolog_incomplete(head):
            # A long leading comment or DOCTYPE: look further for the root element.
            head, stream = _peek(stream, MAX_SNIFF_BYTES)
        yield stream, name, head  # type: ignore[misc]


def _open_zip(
    stream: IO[bytes], name: str, stack: ExitStack, max_bytes: int
) -> tuple[bytes, IO[bytes]]:
    try:
        return _open_zip_member(stream, name, stack, max_bytes)
    except (*WRAPPER_ERRORS, ValueError, NotImplementedError, RuntimeError) as exc:
        # Offsets and sizes come from the archive: a broken one fails in seek or read.
        raise ParseError(
            "Broken zip archive",
            f"{type(exc).__name__}: {str(exc)[:200]}",
            location=Location(source=name),
        ) from None


def _open_zip_member(
    stream: IO[bytes], name: str, stack: ExitStack, max_bytes: int
) -> tuple[bytes, IO[bytes]]:
    if not stream.seekable():
        spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY))  # noqa: SIM115
        while chunk := stream.read(1024 * 1024):
            spool.write(chunk)
        spool.seek(0)
        stream = spool  # type: ignore[assignment]
    start = stream.tell()
    archive = stack.enter_context(zipfile.ZipFile(stream))
    names = [n for n in archive.namelist() if not n.endswith("/")]
    if any(n.startswith("xl/") for n in names) or "[Content_Types].xml" in names:
        # An Excel workbook: the xlsx reader takes the whole archive.
        stream.seek(start)
        return stream.read(SNIFF_BYTES), _rewound(stream, start)
    if len(names) != 1:
        raise ParseError(
            "Zip archive must hold one data file",
            f"found {len(names)} files: {', '.join(names[:5])}",
            location=Location(source=name),
        )
    info = archive.getinfo(names[0])
    where = Location(source=f"{name}!{names[0]}")
    if info.file_size > max_bytes:
        raise ParseError(
            "Zip member too large",
            f"{names[0]} unpacks to {info.file_size} bytes (limit {max_bytes})",
            location=where,
            context={"limit": max_bytes},
        )
    limits = get_limits()
    ratio = limits.max_ratio
    if info.file_size > limits.ratio_floor and info.file_size > ratio * max(info.compress_size, 1):
        raise ParseError(
            "Suspicious zip member",
            f"{names[0]} unpacks {info.file_size // max(info.compress_size, 1)}-fold "
            f"(limit {ratio})",
            location=where,
        )
    try:
        member = stack.enter_context(archive.open(info))
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        raise ParseError("Unreadable zip member", str(exc), location=where) from None
    # ZipExtFile never yields more than the declared size; the cap guards the rest.
    capped = _Capped(member, max_bytes, where.source or name, seekable=member.seekable())
    return _peek(io.BufferedReader(capped))


def _rewound(stream: IO[bytes], start: int) -> IO[bytes]:
    stream.seek(start)
    return stream if start == 0 else _Offset(stream, start)


def detect_format(head: bytes, name: str) -> DataFormat:
    """Sniff the format; an empty input is a ParseError, not a format error."""
    if not head.lstrip(b"\xef\xbb\xbf").strip():
        raise ParseError("Empty input", "the file holds no data", location=Location(source=name))
    return sniff_data_format(head, name)
