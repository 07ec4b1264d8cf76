"""The rows of a CSV file a validation report points at, with the cells it names.

A person fixing a file wants to see the offending rows as they wrote them:
``csv_excerpt`` reads the file's records once, up to the last row an issue
names, and keeps the header and those rows, each with the columns its issues
point at (their component) and the worst severity among them. It works from
a report or its JSON form (``Report.to_dict()``), so a stored report renders
the same way as a fresh one. Rows are counted as the readers count them: the
header is row 1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mosy_sdmx.validation.report import Report

_WORSE = {"error": 2, "warning": 1}


@dataclass
class ExcerptRow:
    number: int
    cells: list[str]
    #: Columns an issue of this row names (its component).
    marked: set[str] = field(default_factory=set)
    severity: str = "warning"
    codes: list[str] = field(default_factory=list)


@dataclass
class Excerpt:
    columns: list[str]
    rows: list[ExcerptRow]


def _issues(report: Report | dict[str, Any]) -> list[dict[str, Any]]:
    return report.to_dict()["issues"] if isinstance(report, Report) else report.get("issues", [])


def csv_excerpt(
    report: Report | dict[str, Any], lines: Iterable[str], *, limit: int = 50
) -> Excerpt | None:
    """The header and the rows (at most ``limit``) the report's issues name; None if none do.

    Args:
        report: a report, or its ``to_dict()`` form.
        lines: the CSV file's text, line by line (a file opened in text mode).
        limit: the most rows kept (the first ones the issues name).
    """
    wanted: dict[int, ExcerptRow] = {}
    for issue in _issues(report):
        location = issue.get("location") or {}
        number = location.get("row")
        if not isinstance(number, int) or number < 2 or location.get("sheet") is not None:
            continue
        if number not in wanted:
            if len(wanted) >= limit:
                continue
            wanted[number] = ExcerptRow(number, [])
        row = wanted[number]
        component = issue.get("component") or location.get("component")
        if component:
            row.marked.add(str(component))
        severity = str(issue.get("severity", "warning"))
        if _WORSE.get(severity, 0) > _WORSE.get(row.severity, 0):
            row.severity = severity
        if issue.get("code") not in row.codes:
            row.codes.append(str(issue.get("code")))
    if not wanted:
        return None
    last = max(wanted)
    columns: list[str] = []
    for index, record in enumerate(csv.reader(lines)):
        number = index + 1
        if number == 1:
            columns = record
        elif number in wanted:
            wanted[number].cells = record
        if number >= last:
            break
    rows = [wanted[n] for n in sorted(wanted) if wanted[n].cells]
    if not columns or not rows:
        return None
    width = len(columns)
    for row in rows:  # a short or long record still lines up with the header
        row.cells = (row.cells + [""] * width)[:width] if len(row.cells) < width else row.cells
    return Excerpt(columns, rows)
