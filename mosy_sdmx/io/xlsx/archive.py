"""Vetting a workbook archive before any sheet of it is parsed.

The workbook readers (calamine, and openpyxl with the standard library's
expat, which accepts a DTD and expands internal entities, "billion laughs")
are not our hardened parser. So every member is streamed
once, bounded, through ``safe_xml``'s DTD guard first: a workbook that
declares a DTD or entity anywhere is refused like any other XML input, and
members that would unpack absurdly (zip bombs) are refused before they are
inflated. Excel writes every part as UTF-8; a part in another encoding could
hide a DOCTYPE from a byte scan, so it is refused too.

Well-formedness is left to the workbook reader on the happy path (a second
full parse would cost ~5 s per GB); when it fails, ``diagnose`` parses the parts
again with the hardened parser to say which sheet is broken and where.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from typing import BinaryIO

from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.source import MAX_DECOMPRESSED, MAX_RATIO, RATIO_FLOOR
from mosy_sdmx.safe_xml import DoctypeGuard, feed_stream, parse_bytes

#: Bytes inflated at a time while scanning a member.
SCAN_CHUNK = 1 << 20
#: Encodings whose ASCII characters are single ASCII bytes (a byte scan sees a DOCTYPE).
ASCII_SAFE = {
    "utf-8",
    "utf8",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
    "latin1",
    "windows-1252",
    "cp1252",
}

_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def check_archive(handle: BinaryIO, source: str) -> None:
    """Refuse a workbook with a DTD, a non-UTF-8 part or a bomb-like member.

    ``handle`` must be seekable; it is left at its start for the workbook reader.
    """
    start = handle.tell()
    try:
        with zipfile.ZipFile(handle) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            _check_sizes(members, source)
            for info in members:
                _scan_member(archive, info, source)
    except ParseError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        raise ParseError(
            "Not a readable Excel workbook",
            f"{type(exc).__name__}: {str(exc)[:200]}",
            location=Location(source=source),
        ) from None
    finally:
        handle.seek(start)


def _check_sizes(members: list[zipfile.ZipInfo], source: str) -> None:
    total = 0
    for info in members:
        total += info.file_size
        where = Location(source=f"{source}!{info.filename}")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ParseError(
                "Suspicious workbook part",
                f"{info.filename} unpacks {info.file_size // max(info.compress_size, 1)}-fold "
                f"(limit {MAX_RATIO})",
                location=where,
                context={"limit": MAX_RATIO},
            )
        if total > MAX_DECOMPRESSED:
            raise ParseError(
                "Workbook too large",
                f"it unpacks to more than {MAX_DECOMPRESSED} bytes",
                location=Location(source=source),
                context={"limit": MAX_DECOMPRESSED},
            )


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    # ZipExtFile stops at the declared size, which _check_sizes has bounded.
    with archive.open(info) as member:
        head = member.read(256)
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and not head.startswith(
            _WIDE_STARTS
        ):
            return  # not XML (an image, a binary part): no reader parses it
        _check_encoding(head, info.filename, source)
        guard = DoctypeGuard(_Replay(head, member), source)
        try:
            while guard.read(SCAN_CHUNK):
                pass
        except ParseError as exc:
            raise in_part(exc, archive, info.filename, source) from None


def in_part(exc: ParseError, archive: zipfile.ZipFile, name: str, source: str) -> ParseError:
    """``exc`` about one archive member, placed on its sheet when the member is one."""
    try:
        title = sheet_titles(archive, source).get(name)
    except (ParseError, KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        title = None  # the workbook part itself is broken or hostile
    return ParseError(
        exc.title,
        f"{exc.detail} (workbook part {name})",
        location=Location(source=source, sheet=title),
        context=exc.context,
    )


def _check_encoding(head: bytes, name: str, source: str) -> None:
    wide = head.startswith(_WIDE_STARTS) or b"\x00" in head[:4]
    text = head.lstrip(b"\xef\xbb\xbf")
    declared = _ENCODING.match(text)
    label = declared.group(1).decode("ascii", "replace").lower() if declared else "utf-8"
    # A declaration longer than the head could hide its encoding from this check.
    endless = text.lstrip().startswith(b"<?xml") and b"?>" not in text
    if wide or endless or label not in ASCII_SAFE:
        raise ParseError(
            "Refused XML input",
            f"workbook part {name} is not UTF-8 encoded; Excel writes UTF-8 only",
            location=Location(source=f"{source}!{name}"),
            context={"reason": "encoding-refused"},
        )


class _Replay:
    """The already read head of a member, then the rest of it."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.read(size)


def diagnose(handle: BinaryIO, source: str) -> ParseError | None:
    """The first XML part the hardened parser cannot read, as a ParseError naming its sheet.

    Called only after the workbook reader failed; None when every part parses (the
    failure was not about XML) or the archive cannot be reopened.
    """
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    head = member.read(256)
                    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                        continue
                    try:
                        feed_stream(_Replay(head, member), _Nothing(), source_name=source)
                    except ParseError as exc:
                        where = exc.location
                        if where is not None and where.line is not None:
                            exc = ParseError(
                                exc.title,
                                f"{exc.detail} at line {where.line}, column {where.column}",
                                context=exc.context,
                            )
                        return in_part(exc, archive, info.filename, source)
    except (
        ParseError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        return None
    return None


def sheet_titles(archive: zipfile.ZipFile, source: str) -> dict[str, str]:
    """Archive member name -> sheet title, from the workbook part and its relationships."""
    rels = parse_bytes(archive.read("xl/_rels/workbook.xml.rels"), source).getroot()
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter("{*}Relationship")}
    book = parse_bytes(archive.read("xl/workbook.xml"), source).getroot()
    out: dict[str, str] = {}
    for sheet in book.iter("{*}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        out[posixpath.normpath(path)] = sheet.get("name", "")
    return out


class _Nothing:
    """A parser target that keeps nothing: only well-formedness is wanted."""

    def close(self) -> None:
        return None
