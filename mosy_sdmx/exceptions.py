"""Errors that mean "could not proceed".

Findings about the data (an unknown code, a bad period) are *issues* collected
in a validation report and never raised. Exceptions are for input that cannot
be read or used at all. The tree, named by what the caller should do next, with
each class's issue code (``docs/validation.md``)::

    MosyError                   unreadable-input
    ├── ParseError              unreadable-input (refused-input: DTD, entities)
    │                           malformed or hostile input; carries a Location
    ├── UnsupportedFormatError  unsupported-format
    │                           the format or an option is unknown, or cannot be sniffed
    ├── StructureError          broken-structure
    │   │                       a structure source (codelists/, dsd/, --structure) is broken
    │   ├── MissingReferenceError   broken-structure
    │   └── UnsupportedStructureError  unsupported-structure
    │                           valid SDMX not implemented here (codelist extensions)
    ├── StructureNotFoundError  unknown-structure
    │                           a dataflow, DSD or codelist id/URN is not known
    ├── DatasetError            unusable-dataset (missing-measure, missing-dimension, ...)
    │   │                       a Dataset lacks what an operation needs
    │   └── ProtectionError     protection-incomplete
    │                           a hidden cell would stay derivable; carries the audit
    └── InvalidQueryError       invalid-query
                                an SDMX REST query breaks the grammar (mosy_sdmx.rest)

Exceptions and validation issues share one vocabulary: ``error.code`` is the
issue code a report gives the error (``validate_file`` turns an error into a
one-issue report with it). A raise site can name a more precise code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input a problem sits; only the fields that apply are set.

    Lines, columns and rows are 1-based. ``row`` counts data rows of a CSV or a
    sheet (the header is row 1 in a sheet, as Excel shows it).
    """

    source: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    sheet: str | None = None
    cell: str | None = None
    component: str | None = None
    series_key: str | None = None
    period: str | None = None
    xpath: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.component:
            parts.append(f"component {self.component}")
        if self.series_key:
            parts.append(f"series {self.series_key}")
        if self.period:
            parts.append(f"period {self.period}")
        return ", ".join(parts)


class MosyError(Exception):
    """Base of every error the library raises on purpose.

    ``title`` is a short, stable summary; ``detail`` explains this occurrence;
    ``context`` holds machine-readable facts (ids, limits) for callers such as
    the registry, which turns them into its error envelope; ``code`` is the
    kebab-case issue code (the class's own unless the raise site names one).
    """

    code = "unreadable-input"

    def __init__(
        self,
        title: str,
        detail: str = "",
        *,
        context: dict[str, Any] | None = None,
        location: Location | None = None,
        code: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.title = title
        self.detail = detail
        self.context = dict(context or {})
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.title
        if self.detail:
            text += f": {self.detail}"
        if self.location is not None and str(self.location):
            text += f" ({self.location})"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "title": self.title, "detail": self.detail}
        if self.location is not None:
            out["location"] = self.location.to_dict()
        if self.context:
            out["context"] = self.context
        return out


class ParseError(MosyError):
    """Input is malformed, truncated, hostile or does not fit its structure."""

    code = "unreadable-input"


class UnsupportedFormatError(MosyError):
    """The format (or a format's option) named is unknown, or the content matches none."""

    code = "unsupported-format"


class StructureError(MosyError):
    """A structure source (codelist CSV, DSD YAML, structure message) is broken."""

    code = "broken-structure"


class MissingReferenceError(StructureError):
    """A structure message refers to an item that a scheme it holds does not hold
    (a registry answers 409: a missing reference)."""


class UnsupportedStructureError(StructureError):
    """A valid SDMX construct this library does not implement (an SDMX 3.0 codelist
    extension): a registry answers 501, not 400, as the sender did nothing wrong."""

    code = "unsupported-structure"


class StructureNotFoundError(MosyError):
    """A dataflow, DSD, codelist or provider asked for is not in the structures."""

    code = "unknown-structure"


class DatasetError(MosyError):
    """A Dataset lacks what an operation needs (a measure to protect, a dimension to write)."""

    code = "unusable-dataset"


class InvalidQueryError(MosyError):
    """A query (an SDMX REST path or parameter) breaks the query grammar."""

    code = "invalid-query"


class ProtectionError(DatasetError):
    """Some hidden cell would stay derivable from what would be published.

    Nothing is published; ``audit`` lists every cell, the residual ones with
    their risk, for the data owner.
    """

    code = "protection-incomplete"

    def __init__(self, title: str, detail: str = "", *, audit: Any = None, **kwargs: Any) -> None:
        super().__init__(title, detail, **kwargs)
        self.audit = audit
