"""Reports for people: Rich text, standalone HTML, and an annotated SDMX-CSV.

JSON is ``Report.to_json()``; its schema ships as ``resources/report.schema.json``.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from typing import Any

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.validation.issues import ISSUE_TYPES
from mosy_sdmx.validation.report import Report

ISSUES_COLUMN = "VALIDATION_ISSUES"


def report_schema() -> dict[str, Any]:
    """The JSON Schema every ``Report.to_dict()`` validates against."""
    import json

    text = resources.files("mosy_sdmx").joinpath("resources/report.schema.json").read_text("utf-8")
    return json.loads(text)


def _location_text(loc: dict[str, Any]) -> str:
    order = (
        "source",
        "sheet",
        "cell",
        "line",
        "column",
        "row",
        "component",
        "series_key",
        "period",
    )
    names = {"series_key": "series"}
    return ", ".join(
        f"{names.get(k, k)} {loc[k]}" if k != "source" else str(loc[k]) for k in order if k in loc
    )


def render_text(report: Report, *, width: int = 110) -> str:
    """A Rich rendering: verdict, counts per code, then the examples."""
    return render_text_of(report.to_dict(), unusable=report.unusable, width=width)


def render_text_of(report: dict[str, Any], *, unusable: bool = False, width: int = 110) -> str:
    """``render_text`` of a report as JSON (``Report.to_dict()``; a registry's 422 body)."""
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None)
    s = report["stats"]
    verdict = "VALID" if report["valid"] else ("UNUSABLE INPUT" if unusable else "INVALID")
    console.print(
        f"{verdict}: {s['observations']} observations, {s['errors']} errors, "
        f"{s['warnings']} warnings",
        markup=False,
    )
    if s.get("counts"):
        table = Table("code", "severity", "count", "meaning", title="Issues by code")
        for code, n in s["counts"].items():
            t = ISSUE_TYPES.get(code)
            severity = str(t.severity) if t else "?"
            table.add_row(code, severity, str(n), t.title if t else "")
        console.print(table)
    for issue in report.get("issues", []):
        where = _location_text(issue.get("location", {}))
        console.print(f"{issue['severity']} {issue['code']}: {issue['message']}", markup=False)
        if where:
            console.print(f"    at {where}", markup=False)
    if report.get("truncated"):
        console.print("(only the first examples of each code are shown; counts are exact)")
    return buffer.getvalue()


def render_html(report: Report, *, title: str = "Validation report") -> str:
    """A standalone HTML page (no scripts), from a Jinja2 template that escapes every value."""
    page = _templates().get_template("report.html.j2")
    return page.render(
        title=title,
        verdict="valid" if report.valid else "invalid",
        stats=report.stats,
        codes=[
            {"code": code, "count": n, "type": ISSUE_TYPES[code]}
            for code, n in report.stats["counts"].items()
        ],
        issues=[
            {
                "code": i.code,
                "severity": str(i.severity),
                "message": i.message,
                "where": _location_text(i.location.to_dict()),
            }
            for i in report.issues
        ],
        truncated=report.truncated,
    )


@cache
def _templates():
    from jinja2 import Environment, PackageLoader

    return Environment(
        loader=PackageLoader("mosy_sdmx", "resources/templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )


def annotated_csv(dataset: Dataset, report: Report) -> str:
    """SDMX-CSV 1.0 of the observations, by the library's writer, plus each row's issue codes.

    The columns are the components of the layout the report was made against,
    then any other column of the data, then ``VALIDATION_ISSUES`` (codes joined
    by ``;``). Needs a report made with ``validate(..., annotate=True)``.
    """
    from mosy_sdmx.io import write_data  # validation touches io only to write its outputs

    if report.row_codes is None or report.layout is None:
        raise ValueError("validate(..., annotate=True) is needed for an annotated CSV")
    layout = report.layout
    known = set(layout.components) | set(layout.key_columns())
    extra = {c: dataset.data[c] for c in dataset.data.columns if c not in known}
    extra[ISSUES_COLUMN] = report.row_codes
    data = write_data(dataset, None, "sdmx-csv-1.0", layout, extra_columns=extra)
    return data.decode("utf-8")


__all__ = ["ISSUES_COLUMN", "annotated_csv", "render_html", "render_text", "report_schema"]
