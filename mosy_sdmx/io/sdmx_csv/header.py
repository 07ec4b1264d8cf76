"""The SDMX-CSV header row: version, separator and what each column holds.

SDMX-CSV 1.0 starts with ``DATAFLOW``, 2.0 with ``STRUCTURE`` (optionally
``STRUCTURE[;]`` naming a sub-field separator); the character right after that
term is the field separator. Column headers may carry labels (``DIM_1: Name``,
``labels=both``) or be followed by a name column (``labels=name``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from mosy_sdmx.exceptions import Location, ParseError

#: Columns of SDMX-CSV 2.0 that are not components.
SPECIAL_20 = ("STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "SERIES_KEY", "OBS_KEY")

_FIRST = re.compile(r'^\s*"?(STRUCTURE|DATAFLOW)(\[[^\]]*\])?"?(.)?', re.IGNORECASE)
_BRACKETS = re.compile(r"\[[^\]]*\]$")


@dataclass(slots=True)
class Column:
    """One column of the file: its raw header, component id and role."""

    header: str
    id: str
    role: str  # "structure", "structure_id", "structure_name", "action", "key", "component", "name"
    label: str | None = None
    name_of: str | None = None  # labels=name: the component this name column describes
    #: A multi-valued (``[]``) or multilingual (``[en;fr]``) column: the bracket content.
    brackets: str | None = None


@dataclass(slots=True)
class CsvHeader:
    version: str  # "1.0" or "2.0"
    delimiter: str
    subfield: str | None
    columns: list[Column] = field(default_factory=list)

    @property
    def component_ids(self) -> list[str]:
        return [c.id for c in self.columns if c.role == "component"]

    @property
    def has_labels(self) -> bool:
        return any(c.label for c in self.columns if c.role == "component") or any(
            c.role == "name" for c in self.columns
        )

    def internal_names(self) -> list[str]:
        """Unique column names handed to the CSV parser."""
        names = []
        for index, col in enumerate(self.columns):
            if col.role == "name":
                names.append(f"\x00name:{col.name_of}:{index}")
            elif col.role == "key":  # SERIES_KEY and OBS_KEY share the role
                names.append(f"\x00key:{index}")
            elif col.role in ("component", "custom"):
                names.append(col.id)
            else:
                names.append(f"\x00{col.role}")
        return names


def split_label(text: str) -> tuple[str, str | None]:
    """``"A: Value A"`` -> (``"A"``, ``"Value A"``); the id never holds ``": "``."""
    ident, sep, label = text.partition(": ")
    return (ident, label) if sep else (text, None)


def parse_header(line: str, source: str | None) -> CsvHeader:
    """Parse the first line (BOM and line end already removed)."""
    where = Location(source=source, line=1, row=None)
    match = _FIRST.match(line)
    if match is None:
        raise ParseError(
            "Not SDMX-CSV",
            "the first column header must be DATAFLOW (SDMX-CSV 1.0) or STRUCTURE (2.0)",
            location=where,
        )
    term, brackets, delimiter = match.groups()
    version = "2.0" if term.upper() == "STRUCTURE" else "1.0"
    if delimiter is None:
        delimiter = ","
    if delimiter.isalnum() or delimiter in "_ ":
        raise ParseError(
            "Not SDMX-CSV", f"no field separator after {term} in the header", location=where
        )
    if not delimiter.isascii() or delimiter in '"\r\n\x00':
        raise ParseError(
            "Not SDMX-CSV",
            f"{delimiter!r} after {term} cannot separate fields (an ASCII character such as "
            "',' or ';' can)",
            location=where,
        )
    subfield = brackets[1:-1] or None if brackets else None
    fields = next(csv.reader([line], delimiter=delimiter, strict=False))
    header = CsvHeader(version, delimiter, subfield)
    with_names = version == "2.0" and any(f.strip() == "STRUCTURE_NAME" for f in fields)
    previous_component: str | None = None
    seen: dict[str, int] = {}
    for index, raw in enumerate(fields):
        text = raw.strip()
        if index == 0:
            header.columns.append(Column(raw, "STRUCTURE", "structure"))
            if version == "1.0":
                header.columns[-1].role = "structure_id"
            continue
        if version == "2.0" and text in SPECIAL_20:
            role = {"SERIES_KEY": "key", "OBS_KEY": "key"}.get(text, text.lower())
            if text in seen or text == "STRUCTURE":
                raise ParseError(
                    "Duplicate column",
                    f"{text} appears more than once (again in column {index + 1})",
                    location=Location(source=source, line=1, column=index + 1),
                )
            seen[text] = index
            header.columns.append(Column(raw, text, role))
            continue
        if with_names and previous_component is not None:
            header.columns.append(Column(raw, raw, "name", name_of=previous_component))
            previous_component = None
            continue
        ident, label = split_label(text)
        found = _BRACKETS.search(ident)
        ident = _BRACKETS.sub("", ident).strip()
        if not ident:
            raise ParseError(
                "Empty column header",
                f"column {index + 1} of the header has no component id",
                location=Location(source=source, line=1, column=index + 1),
            )
        if ident in seen:
            raise ParseError(
                "Duplicate column",
                f"{ident} appears in columns {seen[ident] + 1} and {index + 1}",
                location=Location(source=source, line=1, column=index + 1, component=ident),
            )
        seen[ident] = index
        brackets = found.group(0)[1:-1] if found else None
        header.columns.append(Column(raw, ident, "component", label, brackets=brackets))
        previous_component = ident
    return header
