"""Validation of SDMX datasets: ``validate(dataset, structure)`` -> ``Report``.

Generic checks apply to any DSD (components, codelists, constraints, keys,
periods, measure, mandatory attributes); the THB checks read their rules from
``dsd/rules.yaml``. Issue codes are listed in ``issues.py`` and documented in
``docs/validation.md``. This package never imports ``mosy_sdmx.io`` at import
time, so any Dataset can be validated however it was read.
"""

from __future__ import annotations

from mosy_sdmx.validation.api import validate, validate_file
from mosy_sdmx.validation.issues import ISSUE_TYPES, IssueType, Severity
from mosy_sdmx.validation.report import Issue, Report

__all__ = [
    "ISSUE_TYPES",
    "Issue",
    "IssueType",
    "Report",
    "Severity",
    "validate",
    "validate_file",
]
