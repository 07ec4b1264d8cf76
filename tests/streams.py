"""Inputs shaped like the ones partners send: forward-only streams and zip archives."""

from __future__ import annotations

import io
import zipfile


class OneWay(io.RawIOBase):
    """A stream that can only be read forwards (a socket, a pipe)."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip archive (deflated) holding ``members``, name -> content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
