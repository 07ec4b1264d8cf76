"""Workbooks as a partner fills them in, for the Excel template and reader tests."""

from __future__ import annotations

import io

import openpyxl


def load_workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def header_letters(sheet) -> dict[str, str]:
    """Component id -> column letter of the data sheet."""
    return {c.value: c.column_letter for c in sheet[1] if c.value}


def fill_template(template: bytes, rows: list[dict], edit=None) -> bytes:
    """The template with ``rows`` (component id -> value) typed in from row 2; then ``edit``."""
    workbook = load_workbook(template)
    sheet = workbook["Data"]
    letters = header_letters(sheet)
    for number, row in enumerate(rows, start=2):
        for cid, value in row.items():
            sheet[f"{letters[cid]}{number}"] = value
    if edit is not None:
        edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
