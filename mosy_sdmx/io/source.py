"""Opening inputs: paths, bytes or binary streams; gzip and zip transparently."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.formats import DataFormat, sniff_data_format

Source = str | Path | bytes | IO[bytes]

#: Bytes looked at to sniff a format.
SNIFF_BYTES = 64 * 1024
#: Largest uncompressed member accepted from a zip archive (zip bombs).
MAX_ZIP_MEMBER = 8 * 1024**3


class _PeekableStream(io.RawIOBase):
    """A read-only stream whose first bytes were already read for sniffing."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


@contextmanager
def open_source(source: Source) -> Iterator[tuple[BinaryIO, str, bytes]]:
    """Yield (binary stream, display name, first bytes) for any input.

    Gzip is unwrapped on the fly; a zip archive (not an Excel workbook) must
    hold exactly one data file, which is streamed out of it.
    """
    name = "<bytes>"
    close: list[IO[bytes]] = []
    if isinstance(source, (str, Path)):
        name = str(source)
        raw: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed below
        close.append(raw)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        raw = io.BytesIO(bytes(source))
    else:
        raw = source
        name = getattr(source, "name", "<stream>")
        if not isinstance(name, str):
            name = "<stream>"
    try:
        stream: IO[bytes] = raw
        head = stream.read(SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=_PeekableStream(head, raw), mode="rb")  # type: ignore[arg-type]
            try:
                head = stream.read(SNIFF_BYTES)
            except (OSError, EOFError) as exc:
                raise ParseError(
                    "Broken gzip input", str(exc), location=Location(source=name)
                ) from None
        if head[:4] == b"PK\x03\x04":
            member = _single_zip_member(stream, head, name)
            if member is not None:
                stream, head = member
                close.append(stream)
        yield io.BufferedReader(_PeekableStream(head, stream)), name, head  # type: ignore[misc]
    finally:
        for handle in close:
            handle.close()


def _single_zip_member(stream: IO[bytes], head: bytes, name: str):
    data = head + stream.read()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ParseError("Broken zip archive", str(exc), location=Location(source=name)) from None
    names = [n for n in archive.namelist() if not n.endswith("/")]
    if any(n.startswith("xl/") for n in names) or "[Content_Types].xml" in names:
        # An Excel workbook: the xlsx reader takes the whole archive. The stream
        # was read to the end above, so hand back what follows the head.
        return io.BytesIO(data[len(head) :]), head
    if len(names) != 1:
        raise ParseError(
            "Zip archive must hold one data file",
            f"found {len(names)} files: {', '.join(names[:5])}",
            location=Location(source=name),
        )
    info = archive.getinfo(names[0])
    if info.file_size > MAX_ZIP_MEMBER:
        raise ParseError(
            "Zip member too large",
            f"{names[0]} unpacks to {info.file_size} bytes (limit {MAX_ZIP_MEMBER})",
            location=Location(source=name),
        )
    member = archive.open(names[0])
    return member, member.read(SNIFF_BYTES)


def detect_format(head: bytes, name: str) -> DataFormat:
    """Sniff the format; an empty input is a ParseError, not a format error."""
    if not head.strip():
        raise ParseError("Empty input", "the file holds no data", location=Location(source=name))
    return sniff_data_format(head)
