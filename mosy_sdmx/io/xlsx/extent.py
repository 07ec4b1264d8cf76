"""How far a worksheet part reaches, read from its bytes before any sheet reader sees it.

A sheet reader allocates the whole rectangle from A1 to the furthest cell a
part names: one cell at ``XFD1048576`` in an 8 KB workbook asks calamine for
about 512 GB, and the process aborts. So every XML part of a workbook is
scanned here first, chunk by chunk, for its ``<dimension ref>`` and the ``r``
reference of every ``<c>`` element (a ``<row>`` alone allocates nothing), and
the furthest row, the furthest column, the area they span and how many cells
fill it are checked against the limits.

The quick way reads the references with numpy, for parts where every cell
and row tag starts with its ``r`` attribute (Excel, LibreOffice and openpyxl
write them so). Anything else (prefixed elements, ``r`` elsewhere in the tag,
cells without a reference) takes a slower regex walk that bounds the
positions of unreferenced cells and rows as a reader would count them:
one after the previous.
"""

from __future__ import annotations

import re

import numpy as np

#: Longest start or end tag accepted in a workbook part (Excel's are under 200 bytes).
MAX_TAG_BYTES = 64 * 1024

_LT, _GT, _QUOTE = ord("<"), ord(">"), ord('"')
_CELL_TAG = int.from_bytes(b"<c", "little")
_ROW_TAG = int.from_bytes(b"<r", "little")
_IS_SEPARATOR = np.zeros(256, dtype=bool)
_IS_SEPARATOR[[ord(c) for c in " \t\r\n/>"]] = True
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_CELL_OR_ROW = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\s/>])([^>]*)")
_REF_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_REF = re.compile(rb"^\$?([A-Za-z]*)\$?(\d*)$")
_PREFIXED = re.compile(rb"<[\w.-]+:(?:c|row)[\s/>]")
#: Column letters, row digits and closing quote read per reference on the quick way.
_POSITIONS = np.arange(13)


def column_number(letters: bytes) -> int:
    """``A`` -> 1, ``XFD`` -> 16384; case-insensitive."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


class SheetExtent:
    """The furthest row and column a part's cells and dimension name, fed chunk by chunk."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self._carry = b""
        self._row = 0  # where the irregular walk stands (a cell may leave out its reference)
        self._col = 0

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk
        cut = data.rfind(b"<")
        if cut < 0:
            self._carry = b""
            return
        self._scan(data[:cut])
        tail = data[cut:]
        end = tail.find(b">")
        if end >= 0:
            tail = tail[: end + 1]  # the tag ended; the text after it holds no tag
        elif len(tail) > MAX_TAG_BYTES:
            if not tail.startswith((b"<!", b"<?")):
                raise OverlongTag()
            tail = tail[:2]  # a long comment or CDATA section: no cell in it counts
        self._carry = tail

    def close(self) -> None:
        self._scan(self._carry)
        self._carry = b""

    # -- scanning -----------------------------------------------------------------------
    def _scan(self, data: bytes) -> None:
        if not data:
            return
        if b"dimension" in data:
            for match in _DIMENSION.finditer(data):
                for ref in match.group(1).split(b":"):
                    self._note(*_parse_ref(ref))
        if not self._quick(data):
            self._walk(data)

    def _note(self, col: int, row: int) -> None:
        self.max_col = max(self.max_col, col)
        self.max_row = max(self.max_row, row)

    def _quick(self, data: bytes) -> bool:
        """Read every cell and row reference with numpy; False when the part is irregular.

        Tags are found as two-byte words (``<c``, ``<r``) in both alignments of
        the bytes, not through an array of every ``<`` position; only the
        references that can hold the furthest column or row become numbers.
        """
        if b":" in data and (b":c" in data or b":row" in data) and _PREFIXED.search(data):
            return False
        arr = np.frombuffer(data + b"\0" * 24, dtype=np.uint8)
        cells = _pairs(data, _CELL_TAG)
        cells = cells[_IS_SEPARATOR[arr[cells + 2]]]
        rows = _pairs(data, _ROW_TAG)
        rows = rows[
            (arr[rows + 2] == ord("o")) & (arr[rows + 3] == ord("w")) & _IS_SEPARATOR[arr[rows + 4]]
        ]
        cell_refs = cells + 3  # '<c r="'
        row_refs = rows + 5  # '<row r="'
        for starts in (cell_refs, row_refs):
            if (
                len(starts)
                and not (
                    (arr[starts - 1] == ord(" "))
                    & (arr[starts] == ord("r"))
                    & (arr[starts + 1] == ord("="))
                    & (arr[starts + 2] == _QUOTE)
                ).all()
            ):
                return False
        last_cell = last_row = -1
        if len(cell_refs):
            found = _refs(arr, cell_refs + 3)
            if found is None:
                return False
            col, row, last_col, last_cell_row = found
            self._note(col, row)
            self.cells += len(cell_refs)
            last_cell = int(cell_refs[-1])
        if len(row_refs):
            found = _refs(arr, row_refs + 3)
            if found is None or found[0]:
                return False
            last_row = int(row_refs[-1])
        # Where a reader would stand, for a cell without a reference in a later chunk.
        if last_row > last_cell:
            self._row, self._col = found[3], 0  # type: ignore[index]
        elif last_cell >= 0:
            self._row, self._col = last_cell_row, last_col
        return True

    def _walk(self, data: bytes) -> None:
        """Every ``<c>`` and ``<row>`` tag in turn; unreferenced ones count on from the last."""
        row, col = self._row, self._col
        for match in _CELL_OR_ROW.finditer(data):
            ref = _REF_ATTRIBUTE.search(match.group(2))
            if match.group(1) == b"row":
                row = _parse_ref(ref.group(1))[1] if ref else row + 1
                col = 0
                continue
            if ref:
                col, cell_row = _parse_ref(ref.group(1))
                row = cell_row or row
            else:
                col += 1
            self._note(col, row)
            self.cells += 1
        self._row, self._col = row, col


class OverlongTag(ValueError):
    """A tag in a workbook part runs longer than MAX_TAG_BYTES."""


def _parse_ref(ref: bytes) -> tuple[int, int]:
    """``XFD1048576`` -> (16384, 1048576); anything unreadable counts as far away."""
    match = _REF.match(ref.strip())
    if match is None:
        return 1 << 62, 1 << 62
    letters, digits = match.groups()
    if len(letters) > 6 or len(digits) > 12:
        return 1 << 62, 1 << 62
    return column_number(letters), int(digits) if digits else 0


def _pairs(data: bytes, word: int) -> np.ndarray:
    """Sorted positions where the two bytes of ``word`` (little-endian) start."""
    found = []
    for shift in (0, 1):
        words = np.frombuffer(data, dtype="<u2", offset=shift, count=(len(data) - shift) // 2)
        found.append(np.flatnonzero(words == word) * 2 + shift)
    return np.sort(np.concatenate(found), kind="stable")


def _refs(arr: np.ndarray, starts: np.ndarray) -> tuple[int, int, int, int] | None:
    """(furthest column, furthest row, last column, last row) of the references
    starting at ``starts``, vectorised.

    None when a reference is not up to 3 letters, up to 9 digits and a quote.
    The furthest column has the most letters, the furthest row the most
    digits: only the references of that length are converted.
    """
    window = arr[starts[:, None] + _POSITIONS]
    upper = (window - np.uint8(ord("A"))) < 26  # uint8 arithmetic wraps: one test per byte
    digit = (window - np.uint8(ord("0"))) < 10
    n_letters = np.argmin(upper, axis=1)  # first non-letter (0 when all are letters)
    past = ~digit & (n_letters[:, None] <= _POSITIONS)
    end = np.argmax(past, axis=1)
    rows = np.arange(len(starts))
    if not (
        (n_letters <= 3).all()
        and (end - n_letters <= 9).all()
        and (window[rows, end] == _QUOTE).all()
        and past[rows, end].all()
    ):
        return None
    n_digits = end - n_letters
    col = _furthest(window, n_letters, np.zeros_like(n_letters), 26, ord("A") - 1)
    row = _furthest(window, n_digits, n_letters, 10, ord("0"))
    last = len(starts) - 1
    last_col = _number_at(window[last], 0, int(n_letters[last]), 26, ord("A") - 1)
    last_row = _number_at(window[last], int(n_letters[last]), int(n_digits[last]), 10, ord("0"))
    return col, row, last_col, last_row


def _furthest(
    window: np.ndarray, length: np.ndarray, offset: np.ndarray, base: int, zero: int
) -> int:
    """Largest number among the fields (``offset``, ``length``) of the greatest length.

    Fields of one length compare as their bytes do; the few distinct offsets
    (where the digits start after 1 to 3 letters) are taken one slice each.
    """
    longest = int(length.max())
    if longest == 0:
        return 0
    weights = base ** np.arange(longest - 1, -1, -1, dtype=np.int64)
    best = 0
    widest = length == longest
    for start in range(4):  # digits start after 0 to 3 letters
        rows = widest & (offset == start)
        if not rows.any():
            continue
        field = (
            window[:, start : start + longest] if rows.all() else window[rows, start:][:, :longest]
        )
        top = field.max(axis=0) if longest == 1 else field[_lexmax(field)]
        best = max(best, int((top.astype(np.int64) - zero) @ weights))
    return best


def _lexmax(field: np.ndarray) -> int:
    """Row of the byte-wise greatest row of ``field`` (rows of equal width)."""
    rows = np.arange(len(field))
    for k in range(field.shape[1]):
        column = field[rows, k]
        rows = rows[column == column.max()]
        if len(rows) == 1:
            break
    return int(rows[0])


def _number_at(window: np.ndarray, offset: int, length: int, base: int, zero: int) -> int:
    number = 0
    for value in window[offset : offset + length].tolist():
        number = number * base + value - zero
    return number
