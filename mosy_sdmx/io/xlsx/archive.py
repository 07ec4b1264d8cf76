"""Vetting a workbook archive before any sheet of it is parsed.

The workbook readers (calamine, and openpyxl with the standard library's
expat, which accepts a DTD and expands internal entities, "billion laughs")
are not our hardened parser. So every member is streamed
once, bounded, through ``safe_xml``'s DTD guard first: a workbook that
declares a DTD or entity anywhere is refused like any other XML input, and
members that would unpack absurdly (zip bombs) are refused before they are
inflated. Excel writes every part as UTF-8; a part in another encoding could
hide a DOCTYPE from a byte scan, so it is refused too. The same pass reads how
far each part's cells reach (``extent``): a sheet reader allocates the whole
rectangle its cells span, so one beyond the limits (``mosy_sdmx.limits``) is
refused before any sheet reader sees the workbook.

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
from mosy_sdmx.io.xlsx.extent import OverlongTag, SheetExtent
from mosy_sdmx.limits import Limits, get_limits
from mosy_sdmx.safe_xml import DoctypeGuard, feed_stream, parse_bytes

#: Area (cells) of a sheet beyond which ``max_sheet_sparseness`` applies.
SPARSE_FLOOR = 1_000_000
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
    limits = get_limits()
    try:
        with zipfile.ZipFile(handle) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            _check_sizes(members, source, limits)
            for info in members:
                _scan_member(archive, info, source, limits)
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


def _check_sizes(members: list[zipfile.ZipInfo], source: str, limits: Limits) -> None:
    total = 0
    ratio = limits.max_ratio
    for info in members:
        total += info.file_size
        where = Location(source=f"{source}!{info.filename}")
        packed = max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and info.file_size > ratio * packed:
            raise ParseError(
                "Suspicious workbook part",
                f"{info.filename} unpacks {info.file_size // packed}-fold (limit {ratio})",
                location=where,
                context={"limit": ratio},
            )
        if total > limits.max_unpacked_bytes:
            raise ParseError(
                "Workbook too large",
                f"it unpacks to more than {limits.max_unpacked_bytes} bytes",
                location=Location(source=source),
                context={"limit": limits.max_unpacked_bytes},
            )


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, limits: Limits
) -> None:
    # ZipExtFile stops at the declared size, which _check_sizes has bounded.
    with archive.open(info) as member:
        head = member.read(256)
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and not head.startswith(
            _WIDE_STARTS
        ):
            return  # not XML (an image, a binary part): no reader parses it
        _check_encoding(head, info.filename, source)
        guard = DoctypeGuard(_Replay(head, member), source)
        extent = SheetExtent()
        try:
            while chunk := guard.read(SCAN_CHUNK):
                extent.feed(chunk)
            extent.close()
            _check_extent(extent, info.filename, source, limits)
        except OverlongTag:
            exc = ParseError(
                "Unreadable workbook part",
                "an element tag runs longer than any spreadsheet writes",
                location=Location(source=source),
            )
            raise in_part(exc, archive, info.filename, source) from None
        except ParseError as exc:
            raise in_part(exc, archive, info.filename, source) from None


def _check_extent(extent: SheetExtent, name: str, source: str, limits: Limits) -> None:
    """Refuse a part whose cells reach past the row, column or area limits."""
    rows, cols = extent.max_row, extent.max_col
    problem = None
    if rows > limits.max_sheet_rows:
        problem = f"a cell or row names row {_number(rows)}", "max_sheet_rows"
    elif cols > limits.max_sheet_columns:
        problem = f"a cell names column {_number(cols)}", "max_sheet_columns"
    elif rows * cols > limits.max_sheet_cells:
        problem = f"its cells span {rows} rows by {cols} columns", "max_sheet_cells"
    elif rows * cols > SPARSE_FLOOR and rows * cols > limits.max_sheet_sparseness * extent.cells:
        problem = (
            f"its {extent.cells} cells span {rows} rows by {cols} columns",
            "max_sheet_sparseness",
        )
    if problem is None:
        return
    detail, limit = problem
    raise ParseError(
        "Workbook sheet too large",
        f"{detail}, beyond the limit of {getattr(limits, limit)} ({limit}); a template holds "
        "a few thousand rows and a few dozen columns: send bulk data as SDMX-CSV or SDMX-ML",
        location=Location(source=source),
        context={"limit": limit, "value": getattr(limits, limit)},
    )


def _number(value: int) -> str:
    return str(value) if value < 1 << 40 else "beyond any sheet"


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
