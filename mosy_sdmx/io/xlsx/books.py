"""Reading a workbook's cell values, row by row: calamine, or openpyxl as reference.

The reader needs three things of a workbook: its sheet names, and a sheet's
values from some row on, as tuples starting at column A, empty cells None.
calamine (Rust) does that about ten times quicker than openpyxl's read-only
mode, which scans each sheet once just to size it; openpyxl stays as the
reference the tests compare calamine with, and writes the templates.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook


class Book(Protocol):
    sheet_names: list[str]

    def rows(self, title: str, first_row: int = 1, max_col: int | None = None) -> Iterator[tuple]:
        """Values of sheet ``title`` from Excel row ``first_row`` on (none for a chart sheet)."""
        ...

    def close(self) -> None: ...


class CalamineBook:
    def __init__(self, handle: BinaryIO) -> None:
        handle.seek(0)
        self._book = CalamineWorkbook.from_filelike(handle)
        self.sheet_names = list(self._book.sheet_names)
        kinds = {m.name: str(m.typ) for m in self._book.sheets_metadata}
        self._worksheets = {n for n in self.sheet_names if kinds.get(n, "").endswith("WorkSheet")}

    def rows(self, title: str, first_row: int = 1, max_col: int | None = None) -> Iterator[tuple]:
        if title not in self._worksheets:
            return
        sheet = self._book.get_sheet_by_name(title)
        # From A1 whatever the used range (documented; iter_rows is not, across versions).
        cells = sheet.to_python(skip_empty_area=False)
        for row in cells[first_row - 1 :]:
            values = tuple(None if v == "" else v for v in row[:max_col])
            yield values

    def close(self) -> None:
        self._book.close()


class OpenpyxlBook:
    def __init__(self, handle: BinaryIO) -> None:
        handle.seek(0)
        self._book = load_workbook(handle, read_only=True, data_only=True)
        self.sheet_names = list(self._book.sheetnames)

    def rows(self, title: str, first_row: int = 1, max_col: int | None = None) -> Iterator[tuple]:
        sheet: Any = self._book[title]
        if not hasattr(sheet, "iter_rows"):
            return  # a chart sheet
        yield from sheet.iter_rows(min_row=first_row, max_col=max_col, values_only=True)

    def close(self) -> None:
        self._book.close()


#: The implementation ``open_book`` uses.
BOOK = CalamineBook


def open_book(handle: BinaryIO) -> Book:
    return BOOK(handle)
