"""Reading the human-edited structure sources with line numbers for every error.

A statistician edits ``codelists/*.csv`` and ``dsd/*.yaml`` by hand, so every
problem must say which file and line to fix. YAML mappings and lists loaded
here remember the line they start on (and the line of each key); CSV rows are
returned with their physical line. Their shapes are declared and checked in
``_shapes``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mosy_sdmx.exceptions import Location, StructureError

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def display_name(path: Path) -> str:
    """``codelists/CL_SEX_THB.csv``: short, and free of this machine's paths."""
    return f"{path.parent.name}/{path.name}"


def fail(problem: str, source: str, line: int | None = None, **context: Any) -> StructureError:
    """The one error type for broken sources: names file, line and problem."""
    return StructureError(
        "Broken structure source",
        problem,
        context={k: v for k, v in context.items() if v is not None},
        location=Location(source=source, line=line),
    )


class LineDict(dict):
    """A YAML mapping that knows its first line and the line of each key."""

    line: int | None = None
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence that knows its first line and each element's line."""

    line: int | None = None
    item_lines: list[int]

    def line_at(self, index: int) -> int | None:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_text(path: Path, encoding: str, source: str) -> str:
    try:
        return path.read_text(encoding=encoding)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}", source) from None
    except UnicodeDecodeError:
        raise fail("the file is not UTF-8 text", source) from None


def read_yaml(path: Path) -> LineDict:
    """A YAML file whose top level is a mapping; syntax errors name their line."""
    source = display_name(path)
    text = _read_text(path, "utf-8", source)
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise fail(f"invalid YAML: {problem}", source, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {exc}", source) from None
    if not isinstance(doc, LineDict):
        raise fail("the file must hold a YAML mapping (key: value lines)", source, 1)
    return doc


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]


def read_csv(path: Path, required: tuple[str, ...]) -> tuple[list[str], Iterator[CsvRow]]:
    """Header and rows of a UTF-8 CSV; a missing required column names the header line."""
    source = display_name(path)
    text = _read_text(path, "utf-8-sig", source)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise fail("the file is empty; the first line must be the header", source, 1) from None
    except csv.Error as exc:
        raise fail(f"unreadable CSV: {exc}", source, 1) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise fail(
            f"missing column {', '.join(missing)} in the header "
            f"(columns: {', '.join(header) or 'none'})",
            source,
            1,
        )
    seen: set[str] = set()
    for col in header:
        if not col:
            raise fail("the header has an empty column name", source, 1)
        if col in seen:
            raise fail(f"column {col!r} appears twice in the header", source, 1)
        seen.add(col)
        if col.startswith(("name_", "description_")) and not _LANG.match(col.split("_", 1)[1]):
            raise fail(f"column {col!r}: the part after '_' must be a language code", source, 1)
    return header, _rows(reader, header, source)


def _rows(reader, header: list[str], source: str) -> Iterator[CsvRow]:
    width = len(header)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise fail(f"unreadable CSV: {exc}", source, reader.line_num) from None
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) > width:
            raise fail(f"{len(cells)} values but the header has {width} columns", source, line)
        cells = cells + [""] * (width - len(cells))
        yield CsvRow(line, {h: c.strip() for h, c in zip(header, cells, strict=True)})


def names(raw: Any) -> dict[str, str]:
    """A ``{lang: text}`` mapping from a YAML name whose shape was checked; a string is English."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"en": raw}
    return {str(k): str(v) for k, v in raw.items() if str(v).strip()}
