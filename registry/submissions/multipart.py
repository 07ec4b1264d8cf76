"""A multipart/form-data submission parsed as it arrives: the file straight to disk.

Starlette's form parser spools a file part to a temporary file, one
threadpool round trip per network chunk, and ``receiving`` then copies and
hashes it: two passes over the upload (0.6 s for 108 MB). Here the bytes
of the ``file`` part go from the request stream into the ``receiving`` sink
(counted, limited, hashed, written) as the parser finds them, in one pass;
the text fields are kept in memory, each under ``MAX_FIELD_BYTES``.

Limits are Starlette's as ``POST /api/submissions`` used them: one file,
at most ``max_fields`` text fields. A body that is not well-formed
multipart is a ``FormError`` (the caller's 400).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from registry.submissions.receiving import Received, _Sink

#: Bytes a text field may hold (Starlette's default part limit).
MAX_FIELD_BYTES = 1 << 20


class FormError(Exception):
    """The body is not a multipart form this endpoint takes; the message says why."""


@dataclass
class Form:
    """The text fields of a form, and its file on disk (None: no part named ``file``)."""

    fields: dict[str, str] = field(default_factory=dict)
    upload: Received | None = None


@dataclass
class _Part:
    name: str | None = None
    filename: str | None = None
    media_type: str | None = None
    text: bytearray | None = None
    sink: _Sink | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


class _Parser:
    """python-multipart's callbacks, writing the file part into a sink as it comes."""

    def __init__(self, folder: Path, limit_bytes: int, max_fields: int, file_field: str) -> None:
        self.folder, self.limit = folder, limit_bytes
        self.max_fields, self.file_field = max_fields, file_field
        self.form = Form()
        self.part = _Part()
        self.files = self.fields = 0
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.sinks: list[_Sink] = []

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers.append((bytes(self.header_name).lower(), bytes(self.header_value)))
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        headers = dict(self.part.headers)
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise FormError('a part has no Content-Disposition "name"')
        self.part.name = _text(options[b"name"])
        if b"filename" in options:
            self.files += 1
            if self.files > 1:
                raise FormError("too many files: send one file per submission")
            self.part.filename = _text(options[b"filename"])
            media = headers.get(b"content-type")
            self.part.media_type = _text(media) if media else None
            if self.part.name == self.file_field:
                self.part.sink = _Sink(self.folder, self.limit)
                self.sinks.append(self.part.sink)
        else:
            self.fields += 1
            if self.fields > self.max_fields:
                raise FormError(f"too many fields: at most {self.max_fields}")
            self.part.text = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.sink is not None:
            self.part.sink.write(data[start:end])
        elif self.part.text is not None:
            if len(self.part.text) + end - start > MAX_FIELD_BYTES:
                raise FormError(f"field {self.part.name!r} is over {MAX_FIELD_BYTES >> 10} KiB")
            self.part.text += data[start:end]
        # a file under another name is not kept

    def on_part_end(self) -> None:
        part = self.part
        if part.text is not None and part.name is not None:
            self.form.fields.setdefault(part.name, _text(bytes(part.text)))
        elif part.sink is not None:
            self.form.upload = part.sink.received(part.filename, part.media_type)

    def discard(self) -> None:
        for sink in self.sinks:
            sink.discard()


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


async def receive_form(
    chunks: AsyncIterator[bytes],
    content_type: str,
    *,
    limit_bytes: int,
    folder: Path,
    max_fields: int = 10,
    file_field: str = "file",
) -> Form:
    """Parse a multipart body from ``chunks``; its ``file_field`` part is written to a new
    file in ``folder`` as it arrives (``receiving``: 413 past the limit, 400 if empty).

    FormError if the body is not a well-formed multipart form within the limits;
    nothing is left on disk then, nor when anything else goes wrong.
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise FormError("the Content-Type has no multipart boundary")
    state = _Parser(folder, limit_bytes, max_fields, file_field)
    try:
        parser = MultipartParser(boundary, state.callbacks())
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        state.discard()
        raise FormError(f"malformed multipart data ({exc})") from None
    except BaseException:
        state.discard()
        raise
    if state.form.upload is None:
        state.discard()  # a file part cut off before its end
    return state.form
