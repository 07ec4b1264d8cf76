"""The two entry points: ``validate`` a Dataset, ``validate_file`` a path.

Neither raises on bad data. Every check runs inside its own guard, so one
that trips over broken data becomes a ``check-failed`` issue and the others
still run. ``validate_file`` turns an unreadable input into a one-issue
report; it is the only place that touches ``mosy_sdmx.io``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import (
    Location,
    MosyError,
    ParseError,
)
from mosy_sdmx.structures.resolver import StructureArg, interpret_structure, resolve
from mosy_sdmx.structures.rules import ValidationRules, load_rules
from mosy_sdmx.validation.checks import all_checks
from mosy_sdmx.validation.context import SkipCheck, ValidationContext
from mosy_sdmx.validation.report import IssueCollector, Report

DEFAULT_MAX_EXAMPLES = 20

#: Where a reader or check bug that reached a last-resort catch-all is logged.
log = logging.getLogger(__name__)


def validate(
    dataset: Dataset,
    structure: StructureArg = None,
    provider: str | None = None,
    *,
    flow: str | None = None,
    previous: Dataset | None = None,
    rules: ValidationRules | str | Path | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    pick: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
    annotate: bool = False,
) -> Report:
    """Check a Dataset against its structure and the THB rules; never raises on bad data.

    Args:
        dataset: the observations, however they were read.
        structure: a StructureSet, a ComponentLayout, the path of a structure
            message, or a dataflow id of the built-in THB structures (the rule of
            ``mosy_sdmx.structures.resolver``); None uses the built-in structures.
            The dataflow is ``flow``, else the dataset's own (when the
            structures hold it; else their only one).
        provider: data provider id (defaults to ``dataset.provider``); enables
            the provider's constraints, country and data-source checks.
        flow: dataflow id within ``structure``.
        previous: previously stored data, for year-on-year plausibility.
        rules: ValidationRules or a rules.yaml path (default: the built-in one).
        max_examples: examples kept per issue code (counts stay exact).
        pick, skip: report only these codes / leave these codes out.
        annotate: keep each row's codes (``Report.row_codes``) for an annotated CSV.
    """
    provider = provider or dataset.provider
    collector = IssueCollector(max_examples=max_examples, pick=pick, skip=skip, keep_rows=annotate)
    try:
        structures, layout = resolve(structure, flow, data_flow=dataset.structure_id)
        if not isinstance(rules, ValidationRules):
            rules = load_rules(rules)
    except MosyError as exc:
        return error_report(exc, source=dataset.source, n_obs=len(dataset))
    ctx = ValidationContext(
        dataset=dataset,
        layout=layout,
        rules=rules,
        collector=collector,
        structures=structures,
        provider=provider,
        previous=previous,
    )
    outcome: dict[str, str] = {}
    for chk in all_checks():
        if not any(collector.wants(code) for code in chk.codes):
            outcome[chk.name] = "skipped: not picked"
        elif chk.thb_only and not ctx.is_thb:
            outcome[chk.name] = "not applicable"
        else:
            outcome[chk.name] = _run(chk, ctx)
    report = collector.report(len(dataset), outcome)
    report.layout = layout
    return report


def _run(chk, ctx: ValidationContext) -> str:
    try:
        chk(ctx)
    except SkipCheck as reason:
        return f"skipped: {reason}"
    except Exception as exc:
        log.error("validation check %s failed", chk.name, exc_info=True)
        ctx.collector.add(
            "check-failed",
            {"check": chk.name, "error": type(exc).__name__},
            Location(source=ctx.dataset.source),
        )
        return "failed"
    return "passed"


def error_report(exc: MosyError, *, source: str | None = None, n_obs: int = 0) -> Report:
    """A one-issue, unusable report for input that could not be read or used.

    The issue's code is the error's own (exceptions and issues share one vocabulary).
    """
    detail = exc.title + (f": {exc.detail}" if exc.detail else "")
    location = exc.location or Location(source=source)
    collector = IssueCollector()
    collector.add(exc.code, {"detail": detail}, location)
    return collector.report(n_obs, {}, unusable=True)


def validate_file(
    path: str | Path,
    structure: StructureArg = None,
    provider: str | None = None,
    *,
    flow: str | None = None,
    format: str | None = None,
    **options: Any,
) -> Report:
    """Read a data file and validate it; an unreadable file gives a one-issue report.

    ``options`` are those of :func:`validate` (previous, rules, max_examples, ...).
    """
    return read_and_validate(path, structure, provider, flow=flow, format=format, **options)[1]


def read_and_validate(
    path: str | Path,
    structure: StructureArg = None,
    provider: str | None = None,
    *,
    flow: str | None = None,
    format: str | None = None,
    **options: Any,
) -> tuple[Dataset | None, Report]:
    """Like :func:`validate_file`, also returning the Dataset (None if unreadable)."""
    from mosy_sdmx.io import read_data  # the one place validation touches io

    name = Path(path).name
    try:  # once, for reading and validating; a wrong type is the caller's TypeError
        structure, flow = interpret_structure(structure, flow)
    except MosyError as exc:
        return None, error_report(exc, source=name)
    try:
        dataset = read_data(path, structure, format, flow=flow)
    except MosyError as exc:
        return None, error_report(exc, source=name)
    except OSError as exc:
        error = ParseError("Cannot open the file", exc.strerror or "I/O error")
        return None, error_report(error, source=name)
    except Exception as exc:  # a reader bug must still give a report (and be logged)
        log.error("reading %s failed unexpectedly", name, exc_info=True)
        error = ParseError("The input could not be read", unexpected_error_text(exc))
        return None, error_report(error, source=name)
    report = validate(dataset, structure, provider, flow=flow, **options)
    if dataset.source_lines is None and dataset.row_offset is None:
        add_xml_lines(report, path, format)
    return dataset, report


#: Longest part of an unexpected exception's message shown in a report.
MAX_ERROR_TEXT = 160
_QUOTED = re.compile(r"b?'[^']*'|b?\"[^\"]*\"")
_UNSAFE = re.compile(r"[^\w .,:;()&#=+\-/<>\[\]']")


def unexpected_error_text(exc: BaseException) -> str:
    """What went wrong, for a report: the exception class and a sanitised message.

    A message can quote the input (``invalid literal ...: 'value'``), and an
    input can quote a local file an entity pulled in; so quoted text is
    replaced by an ellipsis, only the first line is kept, odd characters are
    dropped and the length is capped.
    """
    first = (str(exc).splitlines() or [""])[0]
    first = _QUOTED.sub("'...'", first)
    first = _UNSAFE.sub("", first).strip()
    if len(first) > MAX_ERROR_TEXT:
        first = first[:MAX_ERROR_TEXT].rstrip() + "..."
    name = type(exc).__name__
    return f"{name}: {first}" if first else name


def add_xml_lines(report: Report, source: str | Path | bytes, format: str | None = None) -> None:
    """Give the examples of an SDMX-ML input their line and column, in place.

    The readers keep no per-observation positions; the few example rows are
    found again by one byte scan of the file (stopping after the last one),
    together with the first occurrences that duplicate-observation issues name.
    Other formats, and inputs that cannot be read again, are left as they are.
    """
    rows = {i.row for i in report.issues if i.row is not None}
    rows |= {i.first_row for i in report.issues if i.first_row is not None and i.first is None}
    if not rows or not isinstance(source, (str, Path, bytes)):
        return
    from mosy_sdmx.formats import DataFormat
    from mosy_sdmx.io.sdmx_ml.locate import locate_observations
    from mosy_sdmx.io.source import detect_format, open_source

    try:
        if format is not None:
            fmt = DataFormat.parse(format)
        else:
            with open_source(source) as (_, name, head):
                fmt = detect_format(head, name)
        if not fmt.is_xml:
            return
        found = locate_observations(source, sorted(rows))
    except (MosyError, OSError):
        return
    issues = []
    for issue in report.issues:
        if issue.row in found:
            line, column = found[issue.row]
            issue = replace(
                issue, location=replace(issue.location, line=line, column=column, row=None)
            )
        if issue.first is None and issue.first_row in found:
            line, column = found[issue.first_row]
            issue = replace(issue, first=Location(line=line, column=column))
        issues.append(issue)
    report.issues = issues
