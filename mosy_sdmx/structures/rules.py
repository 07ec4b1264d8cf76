"""The THB rules declared in ``dsd/rules.yaml``, beside the DSDs.

Additive groups (which breakdowns add up) are read by the validator (totals
equal the sum of their parts) and by disclosure control (no suppressed cell
derivable by subtraction). ``load_rules`` adds the validator's other sections:
conditional attributes, attribute coherence, allowed data sources per provider
type, plausibility thresholds. Nothing THB-specific is hard-coded in Python.
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
    doc = read_settings_yaml(path, "Broken rules file")
    return tuple(_parse_group(g, i, str(path)) for i, g in enumerate(doc.get("additivity", [])))


@lru_cache(maxsize=1)
def _builtin_groups() -> tuple[AdditiveGroup, ...]:
    return load_additive_groups(builtin_dir("dsd") / "rules.yaml")


@dataclass(frozen=True, slots=True)
class ConditionalAttribute:
    """``attribute`` is required where ``when`` holds and ``unless`` does not."""

    attribute: str
    when: dict[str, frozenset[str]] = field(default_factory=dict)
    unless: dict[str, frozenset[str]] = field(default_factory=dict)
    dsds: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CoherenceRule:
    """Where ``when`` holds, attributes take only ``require`` codes and no ``forbid`` codes."""

    id: str
    when: dict[str, frozenset[str]] = field(default_factory=dict)
    require: dict[str, frozenset[str]] = field(default_factory=dict)
    forbid: dict[str, frozenset[str]] = field(default_factory=dict)
    flows: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderedPair:
    """On one key and period, the value at ``lower`` should not exceed ``upper``."""

    dimension: str
    lower: str
    upper: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ImplausibleCombination:
    when: dict[str, frozenset[str]]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ValidationRules:
    """Everything ``rules.yaml`` declares, typed; see the file for meanings."""

    additivity: tuple[AdditiveGroup, ...] = ()
    additivity_same_attributes: tuple[str, ...] = ()
    missing_status_attribute: str = "OBS_STATUS"
    missing_status_codes: frozenset[str] = frozenset()
    count_unit_attribute: str | None = None
    count_units: frozenset[str] = frozenset()
    count_agencies: frozenset[str] = frozenset()
    min_year: int | None = None
    no_future: bool = False
    time_agencies: frozenset[str] = frozenset()
    thb_agencies: frozenset[str] = frozenset()
    code_aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    conditional_attributes: tuple[ConditionalAttribute, ...] = ()
    attribute_coherence: tuple[CoherenceRule, ...] = ()
    data_source_by_provider_type: dict[str, frozenset[str]] = field(default_factory=dict)
    ordered: tuple[OrderedPair, ...] = ()
    yoy_relative: float | None = None
    yoy_absolute: float | None = None
    consolidated_dimension: str | None = None
    consolidated_code: str | None = None
    implausible: tuple[ImplausibleCombination, ...] = ()


def _codes_map(raw: Any, what: str, source: str) -> dict[str, frozenset[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StructureError(
            "Broken rules file",
            f"{what} must map components to code lists",
            location=Location(source=source),
        )
    out = {}
    for comp, codes in raw.items():
        codes = codes if isinstance(codes, list) else [codes]
        out[str(comp)] = frozenset(str(c) for c in codes)
    return out


def _strs(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(str(x) for x in (raw if isinstance(raw, list) else [raw]))


def parse_rules(doc: dict[str, Any], source: str = "rules.yaml") -> ValidationRules:
    """Build ValidationRules from a parsed rules document (all sections optional)."""
    try:
        raw_groups = doc.get("additivity") or []
        groups = tuple(_parse_group(g, i, source) for i, g in enumerate(raw_groups))
        missing = doc.get("missing_value_status") or {}
        counts = doc.get("counts") or {}
        time = doc.get("time_period") or {}
        plaus = doc.get("plausibility") or {}
        yoy = plaus.get("year_on_year") or {}
        cons = plaus.get("consolidated") or {}
        conditional = tuple(
            ConditionalAttribute(
                attribute=str(c["attribute"]),
                when=_codes_map(c.get("when"), "when", source),
                unless=_codes_map(c.get("unless"), "unless", source),
                dsds=_strs(c.get("dsds")),
                flows=_strs(c.get("flows")),
                reason=str(c.get("reason", "")),
            )
            for c in doc.get("conditional_attributes") or []
        )
        coherence = tuple(
            CoherenceRule(
                id=str(c["id"]),
                when=_codes_map(c.get("when"), "when", source),
                require=_codes_map(c.get("require"), "require", source),
                forbid=_codes_map(c.get("forbid"), "forbid", source),
                flows=_strs(c.get("flows")),
                reason=str(c.get("reason", "")),
            )
            for c in doc.get("attribute_coherence") or []
        )
        ordered = tuple(
            OrderedPair(
                str(o["dimension"]), str(o["lower"]), str(o["upper"]), str(o.get("reason", ""))
            )
            for o in plaus.get("ordered") or []
        )
        implausible = tuple(
            ImplausibleCombination(_codes_map(c["when"], "when", source), str(c.get("reason", "")))
            for c in plaus.get("implausible_combinations") or []
        )
        return ValidationRules(
            additivity=groups,
            additivity_same_attributes=_strs(doc.get("additivity_same_attributes")),
            missing_status_attribute=str(missing.get("attribute", "OBS_STATUS")),
            missing_status_codes=frozenset(_strs(missing.get("codes"))),
            count_unit_attribute=counts.get("unit_attribute"),
            count_units=frozenset(_strs(counts.get("units"))),
            count_agencies=frozenset(_strs(counts.get("agencies"))),
            min_year=int(time["min_year"]) if time.get("min_year") is not None else None,
            no_future=bool(time.get("no_future", False)),
            time_agencies=frozenset(_strs(time.get("agencies"))),
            thb_agencies=frozenset(_strs(doc.get("thb_agencies"))),
            code_aliases={
                str(k): {str(a): str(b) for a, b in (v or {}).items()}
                for k, v in (doc.get("code_aliases") or {}).items()
            },
            conditional_attributes=conditional,
            attribute_coherence=coherence,
            data_source_by_provider_type={
                str(k): frozenset(_strs(v))
                for k, v in (doc.get("data_source_by_provider_type") or {}).items()
            },
            ordered=ordered,
            yoy_relative=float(yoy["relative"]) if "relative" in yoy else None,
            yoy_absolute=float(yoy["absolute"]) if "absolute" in yoy else None,
            consolidated_dimension=cons.get("dimension"),
            consolidated_code=cons.get("code"),
            implausible=implausible,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StructureError(
            "Broken rules file", f"{type(exc).__name__}: {exc}", location=Location(source=source)
        ) from None


def read_settings_yaml(path: Path, title: str) -> dict[str, Any]:
    """A YAML settings file (rules, disclosure) as a mapping.

    Broken YAML, or a document that is not a mapping, is a StructureError
    titled ``title`` that names the file and, where YAML knows it, the line.
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StructureError(
            title,
            str(getattr(exc, "problem", exc)),
            location=Location(source=str(path), line=mark.line + 1 if mark else None),
        ) from None
    if not isinstance(doc, dict):
        raise StructureError(
            title, "the file must hold a mapping of sections", location=Location(source=str(path))
        )
    return doc


def load_rules(path: str | Path | None = None) -> ValidationRules:
    """Every section of a rules file (default: the built-in ``dsd/rules.yaml``)."""
    if path is None:
        return _builtin_rules()
    path = Path(path)
    return parse_rules(read_settings_yaml(path, "Broken rules file"), path.name)


@lru_cache(maxsize=1)
def _builtin_rules() -> ValidationRules:
    return load_rules(builtin_dir("dsd") / "rules.yaml")


def groups_for(dimensions: tuple[str, ...] | list[str], groups=None) -> list[AdditiveGroup]:
    """The groups that apply to a DSD with these dimensions."""
    groups = _builtin_groups() if groups is None else groups
    return [g for g in groups if g.dimension in dimensions]
