"""Additive groups declared in ``dsd/rules.yaml``: which breakdowns add up.

The validator checks them (totals equal the sum of their parts) and disclosure
control protects them (no suppressed cell derivable by subtraction), so both
read the one declaration here rather than hard-coding THB dataflows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from mosy_sdmx.exceptions import Location, StructureError
from mosy_sdmx.structures.resources import builtin_dir

Relation = Literal["equal", "at_most"]


@dataclass(frozen=True, slots=True)
class AdditiveGroup:
    """``total`` equals (or at most equals) the sum of ``parts`` along ``dimension``."""

    dimension: str
    total: str
    parts: tuple[str, ...]
    relation: Relation = "equal"
    #: Optional: relation chosen by a series attribute's value, e.g. EXPLOIT_RULE.
    relation_attribute: str | None = None
    relation_by_value: dict[str, Relation] = field(default_factory=dict)

    def relation_for(self, attribute_value: str | None) -> Relation:
        if self.relation_attribute is None or attribute_value is None:
            return self.relation
        return self.relation_by_value.get(attribute_value, self.relation)


def _parse_group(raw: dict[str, Any], index: int, source: str) -> AdditiveGroup:
    where = Location(source=source, xpath=f"additivity[{index}]")
    try:
        dimension, total, parts = raw["dimension"], raw["total"], raw["parts"]
    except (KeyError, TypeError) as exc:
        raise StructureError(
            "Broken rules file", f"additivity entry {index + 1} lacks {exc}", location=where
        ) from None
    if not isinstance(parts, list) or not parts:
        raise StructureError(
            "Broken rules file",
            f"additivity entry {index + 1}: 'parts' must be a list",
            location=where,
        )
    relation = raw.get("relation", "equal")
    by_attr = raw.get("relation_by_attribute")
    attr, by_value = None, {}
    if by_attr:
        attr = by_attr["attribute"]
        by_value = {str(k): v for k, v in by_attr.get("values", {}).items()}
        relation = by_attr.get("default", relation)
    for rel in (relation, *by_value.values()):
        if rel not in ("equal", "at_most"):
            raise StructureError(
                "Broken rules file",
                f"additivity entry {index + 1}: relation {rel!r} is not 'equal' or 'at_most'",
                location=where,
            )
    return AdditiveGroup(
        str(dimension), str(total), tuple(str(p) for p in parts), relation, attr, by_value
    )


def load_additive_groups(path: str | Path | None = None) -> tuple[AdditiveGroup, ...]:
    """Read the additivity section of a rules file (default: the built-in one)."""
    if path is None:
        return _builtin_groups()
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StructureError(
            "Broken rules file",
            str(getattr(exc, "problem", exc)),
            location=Location(source=str(path), line=mark.line + 1 if mark else None),
        ) from None
    return tuple(_parse_group(g, i, str(path)) for i, g in enumerate(doc.get("additivity", [])))


@lru_cache(maxsize=1)
def _builtin_groups() -> tuple[AdditiveGroup, ...]:
    return load_additive_groups(builtin_dir("dsd") / "rules.yaml")


def groups_for(dimensions: tuple[str, ...] | list[str], groups=None) -> list[AdditiveGroup]:
    """The groups that apply to a DSD with these dimensions."""
    groups = _builtin_groups() if groups is None else groups
    return [g for g in groups if g.dimension in dimensions]
