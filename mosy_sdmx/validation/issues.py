"""Every issue the validator can report: stable code, severity, message template.

Codes are kebab-case and never change meaning once published: partners'
scripts and the registry key on them. Each type carries a ``fix`` hint, and
``docs/validation.md`` documents the same table (a test keeps them in step).
Templates are ``str.format`` strings over the fields a check supplies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Whether an issue rejects a submission or is only shown to its provider."""

    ERROR = "error"  # the submission is rejected
    WARNING = "warning"  # stored and shown to the provider


@dataclass(frozen=True, slots=True)
class IssueType:
    """One issue code of the vocabulary: its severity, title, message template and fix."""

    code: str
    severity: Severity
    title: str
    template: str
    fix: str

    def render(self, fields: dict) -> str:
        """The message for one occurrence; a missing field never breaks a report."""
        try:
            return self.template.format(**fields)
        except (KeyError, IndexError, ValueError):
            return self.title


E, W = Severity.ERROR, Severity.WARNING

_TYPES = (
    # -- input and structure ---------------------------------------------
    IssueType(
        "unreadable-input",
        E,
        "Input cannot be read",
        "The input cannot be read: {detail}",
        "Check that the file is a complete SDMX-ML, SDMX-CSV, SDMX-JSON or Excel message.",
    ),
    IssueType(
        "refused-input",
        E,
        "Input refused",
        "The input was refused: {detail}",
        "Remove the DOCTYPE/ENTITY declarations; SDMX messages never need them.",
    ),
    IssueType(
        "unsupported-format",
        E,
        "Unsupported format",
        "The format is not supported: {detail}",
        "Send SDMX-ML 2.1/3.0, SDMX-CSV 1.0/2.0, SDMX-JSON or the Excel template.",
    ),
    IssueType(
        "unknown-structure",
        E,
        "Unknown structure",
        "The data refers to a structure that is not known: {detail}",
        "Name an existing dataflow (--flow) or pass its structure (--structure).",
    ),
    IssueType(
        "broken-structure",
        E,
        "Broken structure",
        "The structure cannot be used: {detail}",
        "Fix the structure message or rules file named in the message.",
    ),
    IssueType(
        "unsupported-structure",
        E,
        "Structure not supported",
        "The structure uses what is not implemented here: {detail}",
        "Send the artefact resolved (a codelist with every code it takes over).",
    ),
    IssueType(
        "unusable-dataset",
        E,
        "Dataset cannot be used",
        "The dataset cannot be used: {detail}",
        "Give the dataset the components its structure requires (measure, dimensions).",
    ),
    IssueType(
        "protection-incomplete",
        E,
        "Disclosure control incomplete",
        "Not published: {detail}",
        "Read the audit's residual cells (RISK column): hide or aggregate them, or publish "
        "less detail.",
    ),
    IssueType(
        "invalid-query",
        E,
        "Invalid query",
        "The query is not valid: {detail}",
        "Write the query as the SDMX REST specification defines it (path and parameters).",
    ),
    IssueType(
        "unknown-provider",
        E,
        "Unknown data provider",
        "Data provider {provider!r} is not in the data provider scheme.",
        "Use your provider id, e.g. PT_NREM.",
    ),
    IssueType(
        "check-failed",
        E,
        "Check could not run",
        "The check {check!r} stopped unexpectedly ({error}); its rules were not verified.",
        "Report this to the registry team with the file; other checks still ran.",
    ),
    IssueType(
        "missing-dimension",
        E,
        "Dimension missing",
        "Dimension {component} is missing; every observation needs it.",
        "Add the dimension (column or key part) with a code for every observation.",
    ),
    IssueType(
        "missing-measure",
        E,
        "Measure missing",
        "Measure {component} is missing.",
        "Add the measure column with the observed values.",
    ),
    IssueType(
        "unknown-component",
        E,
        "Unknown component",
        "Column {component} is not a component of {dsd}.",
        "Remove the column or rename it to a component of the structure.",
    ),
    IssueType(
        "missing-dimension-value",
        E,
        "Empty dimension value",
        "{component} is empty; every observation needs a code.",
        "Fill in the dimension's code for this observation.",
    ),
    IssueType(
        "missing-attribute",
        E,
        "Mandatory attribute missing",
        "Mandatory attribute {component} is not given.",
        "Provide the attribute (as a column or a dataset-level attribute).",
    ),
    IssueType(
        "missing-attribute-value",
        E,
        "Mandatory attribute empty",
        "Mandatory attribute {component} is empty.",
        "Fill in the attribute for this observation.",
    ),
    IssueType(
        "unknown-code",
        E,
        "Code not in codelist",
        "{component} code {value!r} is not in codelist {codelist}.{suggestion}",
        "Use a code of the codelist (see `mosy structures`); the message may suggest one.",
    ),
    IssueType(
        "code-not-allowed",
        E,
        "Code not allowed in dataflow",
        "{component} code {value!r} is in the codelist but not allowed in dataflow {flow}.",
        "Use only the codes the dataflow's content constraint allows.",
    ),
    IssueType(
        "code-not-allowed-for-provider",
        E,
        "Code not allowed for provider",
        "{component} code {value!r} is not allowed for data provider {provider}.",
        "Report only what your provision agreement covers.",
    ),
    IssueType(
        "flow-not-allowed-for-provider",
        E,
        "Dataflow not agreed with provider",
        "Data provider {provider} has no provision agreement for dataflow {flow}.",
        "Submit to a dataflow your provider reports, or ask for a provision agreement.",
    ),
    IssueType(
        "value-too-long",
        E,
        "Value too long",
        "{component} is {length} characters long; at most {max_length} are allowed.",
        "Shorten the text.",
    ),
    IssueType(
        "duplicate-observation",
        E,
        "Duplicate observation",
        "Series {series_key} has more than one value for {period} (first at {first}).",
        "Keep one value per series and period; remove or merge the others.",
    ),
    IssueType(
        "bad-time-period",
        E,
        "Time period does not match frequency",
        "TIME_PERIOD {value!r} is not a valid period for FREQ {freq} (expected {expected}).",
        "Write the period as its frequency requires: 2023, 2023-S1, 2023-Q1, 2023-01.",
    ),
    IssueType(
        "period-out-of-range",
        E,
        "Time period out of range",
        "TIME_PERIOD {value!r} is outside the accepted years {min_year}-{max_year}.",
        "Report years from the first reporting year (2008 for THB) up to the current year.",
    ),
    IssueType(
        "non-numeric-value",
        E,
        "Value is not a number",
        "{component} {value!r} is not a number.",
        "Write the value as a plain number (no thousands separators or units).",
    ),
    IssueType(
        "negative-count",
        E,
        "Negative count",
        "{component} {value} is negative; counts of persons or cases cannot be.",
        "Correct the value; write 0 for a known zero.",
    ),
    IssueType(
        "non-integer-count",
        E,
        "Count is not a whole number",
        "{component} {value} is not a whole number; counts are integers.",
        "Report whole persons or cases; rates are computed by the registry.",
    ),
    IssueType(
        "missing-value-without-status",
        E,
        "Empty value without missing-value status",
        "{component} is empty but OBS_STATUS is {status}; an empty value needs OBS_STATUS "
        "{allowed}.",
        "Give the value, or set OBS_STATUS to M (missing), L (not collected) or O.",
    ),
    IssueType(
        "value-with-missing-status",
        W,
        "Value with missing-value status",
        "{component} is {value} although OBS_STATUS {status} says it is missing.",
        "Remove the value or correct OBS_STATUS.",
    ),
    IssueType(
        "conditional-attribute-missing",
        E,
        "Conditional attribute missing",
        "{component} is required here: {reason}.",
        "Fill in the attribute for the observations named.",
    ),
    IssueType(
        "incoherent-attributes",
        E,
        "Incoherent attributes",
        "{component} {value!r} is not allowed here: {reason}.",
        "Make the attributes consistent with each other.",
    ),
    IssueType(
        "ref-area-not-provider-country",
        E,
        "REF_AREA outside provider's country",
        "REF_AREA {value!r} is not the country of data provider {provider} ({country}).",
        "Report only your own country's figures, or ask for a provision agreement.",
    ),
    IssueType(
        "data-source-not-allowed",
        E,
        "DATA_SOURCE not allowed for provider type",
        "DATA_SOURCE {value!r} is not allowed for a provider of type {provider_type} "
        "(allowed: {allowed}).",
        "Use the data source that matches your organisation.",
    ),
    IssueType(
        "total-not-sum-of-parts",
        E,
        "Total is not the sum of its parts",
        "{dimension} total {total} = {total_value:g} but {parts} add up to {parts_value:g} "
        "(series {series_key}, {period}).",
        "Correct the total or the parts so that the breakdown adds up.",
    ),
    IssueType(
        "total-exceeds-parts",
        E,
        "Total exceeds its parts",
        "{dimension} total {total} = {total_value:g} exceeds the sum of {parts} = "
        "{parts_value:g} (series {series_key}, {period}).",
        "With overlapping categories the total may be below, never above, their sum.",
    ),
    IssueType(
        "part-exceeds-total",
        E,
        "Part exceeds its total",
        "{dimension} {part} = {part_value:g} exceeds total {total} = {total_value:g} "
        "(series {series_key}, {period}).",
        "A part of a breakdown can never be larger than its total.",
    ),
    IssueType(
        "implausible-order",
        W,
        "Implausible order of values",
        "{dimension} {lower} = {lower_value:g} exceeds {upper} = {upper_value:g}: {reason} "
        "(series {series_key}, {period}).",
        "Check both figures; confirm them in COMMENT_OBS if they are right.",
    ),
    IssueType(
        "large-change",
        W,
        "Large change against previous year",
        "Value {value:g} changed by {change:+.0%} from {previous:g} in {previous_period} "
        "(series {series_key}).",
        "Check the figure; explain a real change in COMMENT_OBS.",
    ),
    IssueType(
        "consolidated-below-source",
        W,
        "Consolidated figure below a single source",
        "The consolidated {code} figure {value:g} is lower than source {source} = "
        "{source_value:g} (series {series_key}, {period}).",
        "The national consolidated figure should cover every source; check it.",
    ),
    IssueType(
        "implausible-combination",
        W,
        "Implausible combination of codes",
        "{reason} (series {series_key}, {period}).",
        "Check the codes; confirm them in COMMENT_OBS if they are right.",
    ),
)

ISSUE_TYPES: dict[str, IssueType] = {t.code: t for t in _TYPES}


def issue_type(code: str) -> IssueType:
    return ISSUE_TYPES[code]
