"""Errors that mean "could not proceed".

Findings about the data (an unknown code, a bad period) are *issues* collected
in a validation report and never raised. Exceptions are for input that cannot
be read or used at all. The tree, named by what the caller should do next::

    MosyError
    ├── ParseError              malformed or hostile input; carries a Location
    ├── UnsupportedFormatError  the format is unknown or cannot be sniffed
    ├── StructureError          a structure source (codelists/, dsd/, --structure) is broken
    ├── StructureNotFoundError  a dataflow, DSD or codelist id/URN is not known
    └── InvalidQueryError       an SDMX REST query breaks the grammar (mosy_sdmx.rest)
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
    the registry, which turns them into its error envelope.
    """

    code = "mosy-error"

    def __init__(
        self,
        title: str,
        detail: str = "",
        *,
        context: dict[str, Any] | None = None,
        location: Location | None = None,
    ) -> None:
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

    code = "parse-error"


class UnsupportedFormatError(MosyError):
    """The format named is unknown, or the content matches no known format."""

    code = "unsupported-format"


class StructureError(MosyError):
    """A structure source (codelist CSV, DSD YAML, structure message) is broken."""

    code = "structure-error"


class StructureNotFoundError(MosyError):
    """A dataflow, DSD, codelist or provider asked for is not in the structures."""

    code = "structure-not-found"


class InvalidQueryError(MosyError):
    """A query (an SDMX REST path or parameter) breaks the query grammar."""

    code = "invalid-query"
