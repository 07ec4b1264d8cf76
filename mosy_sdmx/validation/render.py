"""Reports for people: Rich text, standalone HTML, and an annotated SDMX-CSV.

JSON is ``Report.to_json()``; its schema ships as ``resources/report.schema.json``.
"""

from __future__ import annotations

import html
import io
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
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, highlight=False, color_system=None)
    s = report.stats
    verdict = "VALID" if report.valid else ("UNUSABLE INPUT" if report.unusable else "INVALID")
    console.print(
        f"{verdict}: {s['observations']} observations, {s['errors']} errors, "
        f"{s['warnings']} warnings",
        markup=False,
    )
    if s["counts"]:
        table = Table("code", "severity", "count", "meaning", title="Issues by code")
        for code, n in s["counts"].items():
            t = ISSUE_TYPES[code]
            table.add_row(code, str(t.severity), str(n), t.title)
        console.print(table)
    for issue in report.issues:
        where = _location_text(issue.location.to_dict())
        console.print(f"{issue.severity} {issue.code}: {issue.message}", markup=False)
        if where:
            console.print(f"    at {where}", markup=False)
    if report.truncated:
        console.print("(only the first examples of each code are shown; counts are exact)")
    return buffer.getvalue()


def render_html(report: Report, *, title: str = "Validation report") -> str:
    """A standalone HTML page (no scripts, every value escaped)."""
    e = html.escape
    s = report.stats
    verdict = "valid" if report.valid else "invalid"
    rows = "".join(
        f"<tr><td><code>{e(c)}</code></td><td>{e(str(ISSUE_TYPES[c].severity))}</td>"
        f"<td>{n}</td><td>{e(ISSUE_TYPES[c].title)}</td><td>{e(ISSUE_TYPES[c].fix)}</td></tr>"
        for c, n in s["counts"].items()
    )
    examples = "".join(
        f"<tr class='{e(str(i.severity))}'><td><code>{e(i.code)}</code></td>"
        f"<td>{e(str(i.severity))}</td><td>{e(i.message)}</td>"
        f"<td>{e(_location_text(i.location.to_dict()))}</td></tr>"
        for i in report.issues
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.error td:nth-child(2){{color:#b00}}
.warning td:nth-child(2){{color:#a60}}</style></head><body>
<h1>{e(title)}</h1>
<p class="verdict {verdict}"><strong>{verdict.upper()}</strong>: {s["observations"]} observations,
{s["errors"]} errors, {s["warnings"]} warnings.</p>
<h2>Issues by code</h2>
<table><tr><th>Code</th><th>Severity</th><th>Count</th><th>Meaning</th><th>How to fix</th></tr>
{rows}</table>
<h2>Examples</h2>
<table><tr><th>Code</th><th>Severity</th><th>Message</th><th>Location</th></tr>
{examples}</table>
{
        "<p>Only the first examples of each code are listed; counts are exact.</p>"
        if report.truncated
        else ""
    }
</body></html>
"""


def annotated_csv(dataset: Dataset, report: Report, structure_ref: str | None = None) -> str:
    """SDMX-CSV 1.0 of the observations plus a column with each row's issue codes.

    Needs a report made with ``validate(..., annotate=True)``.
    """
    if report.row_codes is None:
        raise ValueError("validate(..., annotate=True) is needed for an annotated CSV")
    frame = dataset.data.copy()
    for attr, value in dataset.attributes.items():
        if attr not in frame.columns:
            frame[attr] = value
    ref = structure_ref or _dataflow_ref(dataset)
    frame.insert(0, "DATAFLOW", ref)
    frame[ISSUES_COLUMN] = report.row_codes.to_numpy()
    out = io.StringIO()
    frame.to_csv(out, index=False, float_format="%.15g", lineterminator="\n")
    return out.getvalue()


def _dataflow_ref(dataset: Dataset) -> str:
    urn = dataset.structure_urn or ""
    if "=" in urn:
        return urn.rsplit("=", 1)[-1]  # AGENCY:ID(VERSION)
    return dataset.structure_id or ""


__all__ = ["ISSUES_COLUMN", "annotated_csv", "render_html", "render_text", "report_schema"]
