"""A flat, fast summary of a data structure for readers, writers and checks.

sdmx1's model objects are rich but slow to walk per observation; a
ComponentLayout is built once per dataflow and holds just what the hot paths
need: component ids in key order, attachment levels and allowed codes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sdmx.model import common, v21, v30
from sdmx.model.common import FacetValueType
from sdmx.urn import URN

from mosy_sdmx.exceptions import StructureError

#: Attribute relationships (sdmx1's SDMX 2.1 and 3.0 classes) meaning "attached to
#: the dataset" and "attached to each observation".
DATASET_RELATIONSHIPS = (v21.NoSpecifiedRelationship, v30.DataflowRelationship)
OBSERVATION_RELATIONSHIPS = (
    v21.PrimaryMeasureRelationship,
    v30.ObservationRelationship,
    v30.MeasureRelationship,
)


class AttachmentLevel(StrEnum):
    """Where an attribute's value is attached: data set, group, series or observation."""

    DATASET = "dataset"
    GROUP = "group"
    SERIES = "series"
    OBSERVATION = "observation"


class ValueKind(StrEnum):
    """How a non-coded component's values are typed, coarsely."""

    CODED = "coded"
    NUMBER = "number"
    INTEGER = "integer"
    STRING = "string"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class Component:
    """One dimension, attribute or measure of a layout, with what its values may be."""

    id: str
    kind: ValueKind
    codelist: str | None = None
    codes: frozenset[str] | None = None
    mandatory: bool = False
    level: AttachmentLevel | None = None  # attributes only
    related_dimensions: tuple[str, ...] = ()  # group attributes: the group's dimensions
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class ComponentLayout:
    """Components of one DSD (optionally seen through a dataflow).

    ``dimensions`` excludes the time dimension and follows the DSD's key
    order. ``structure_urn`` is the dataflow URN when built for a dataflow.
    ``measure_dimension`` is the SDMX 2.1 MeasureDimension, if the DSD has one
    (structure-specific data with explicit measures names its values by type).
    ``guessed_dimensions`` lists dimensions that a layout described from a
    message, not a DSD, could only guess (structure-specific data does not
    tell a series' dimensions from its attributes).
    """

    dsd_urn: str
    dsd_id: str
    agency: str
    version: str
    dimensions: tuple[str, ...]
    time_dimension: str | None
    measures: tuple[str, ...]
    attributes: tuple[str, ...]
    components: dict[str, Component] = field(repr=False)
    structure_urn: str = ""
    flow_id: str | None = None
    measure_dimension: str | None = None
    guessed_dimensions: tuple[str, ...] = ()

    @property
    def primary_measure(self) -> str:
        return self.measures[0] if self.measures else "OBS_VALUE"

    def key_columns(self) -> list[str]:
        """Dimension columns then the time dimension: what identifies an observation."""
        cols = list(self.dimensions)
        if self.time_dimension:
            cols.append(self.time_dimension)
        return cols

    def attributes_at(self, level: AttachmentLevel) -> list[str]:
        return [a for a in self.attributes if self.components[a].level is level]

    def all_columns(self) -> list[str]:
        """Every column a full observation frame may hold, in canonical order."""
        return (
            self.key_columns()
            + list(self.measures)
            + [
                a
                for a in self.attributes
                if self.components[a].level is not AttachmentLevel.DATASET
            ]
        )

    def codes(self, component_id: str) -> frozenset[str] | None:
        comp = self.components.get(component_id)
        return comp.codes if comp else None


_NUMERIC = {
    FacetValueType.double,
    FacetValueType.float,
    FacetValueType.decimal,
    FacetValueType.incremental,
}
_INTEGER = {
    FacetValueType.integer,
    FacetValueType.long,
    FacetValueType.short,
    FacetValueType.count,
    FacetValueType.bigInteger,
    FacetValueType.inclusiveValueRange,
    FacetValueType.exclusiveValueRange,
}


def _representation(component) -> tuple[ValueKind, str | None, frozenset[str] | None, int | None]:
    rep = getattr(component, "local_representation", None)
    if rep is None and getattr(component, "concept_identity", None) is not None:
        rep = getattr(component.concept_identity, "core_representation", None)
    if rep is not None and rep.enumerated is not None:
        cl = rep.enumerated
        return ValueKind.CODED, cl.id, frozenset(code.id for code in cl), None
    kind, max_length = ValueKind.STRING, None
    for facet in getattr(rep, "non_enumerated", []) or []:
        vt = facet.value_type
        if vt in _NUMERIC:
            kind = ValueKind.NUMBER
        elif vt in _INTEGER:
            kind = ValueKind.INTEGER
        elif vt is not None and (
            "period" in vt.name.lower()
            or vt.name.startswith(("gregorian", "reporting"))
            or vt is FacetValueType.dateTime
        ):
            kind = ValueKind.TIME
        if facet.type is not None and facet.type.max_length:
            max_length = int(facet.type.max_length)
    return kind, None, None, max_length


def _attachment(
    attr, dimension_ids: list[str], time_id: str | None
) -> tuple[AttachmentLevel, tuple[str, ...]]:
    rel = attr.related_to
    if rel is None or isinstance(rel, DATASET_RELATIONSHIPS):
        return AttachmentLevel.DATASET, ()
    if isinstance(rel, OBSERVATION_RELATIONSHIPS):
        return AttachmentLevel.OBSERVATION, ()
    if isinstance(rel, common.GroupRelationship):
        group = getattr(rel, "group_key", None)
        dims = tuple(d.id for d in getattr(group, "components", []) or [])
        return AttachmentLevel.GROUP, dims
    dims = tuple(d.id for d in getattr(rel, "dimensions", []) or [])
    if time_id and time_id in dims:
        return AttachmentLevel.OBSERVATION, ()
    if getattr(rel, "group_key", None) is not None:
        return AttachmentLevel.GROUP, tuple(d.id for d in rel.group_key.components)
    if set(dims) >= set(dimension_ids):
        return AttachmentLevel.SERIES, dims
    return AttachmentLevel.GROUP, dims


def _component_kind(comp: object) -> str:
    """What a component is, in SDMX words (messages never show sdmx1's class names)."""
    if isinstance(comp, common.TimeDimension):
        return "the time dimension"
    if isinstance(comp, v21.MeasureDimension):
        return "a measure dimension"
    if isinstance(comp, common.DimensionComponent):
        return "a dimension"
    if isinstance(comp, common.DataAttribute):
        return "an attribute"
    if isinstance(comp, common.Component):
        return "a measure"
    return "no component"


def check_components(dsd: common.BaseDataStructureDefinition) -> None:
    """Refuse a DSD whose components a reader could not use, naming the component.

    sdmx1 builds what a structure message says: a component listed where it does
    not belong, or two components with one id (which sdmx1 resolves to one
    object), would only fail later, when data is read.
    """
    seen: dict[str, str] = {}
    lists = (
        ("dimension", dsd.dimensions.components, common.DimensionComponent),
        ("measure", dsd.measures.components, common.Component),
        ("attribute", dsd.attributes.components, common.DataAttribute),
    )
    for role, members, expected in lists:
        for comp in members:
            ident = getattr(comp, "id", None)
            problem = None
            if not isinstance(ident, str) or not ident:
                problem = f"a {role} has no id"
            elif not isinstance(comp, expected) or (
                role == "measure"
                and isinstance(comp, (common.DimensionComponent, common.DataAttribute))
            ):
                problem = f"{ident} is listed as a {role} but is {_component_kind(comp)}"
            elif ident in seen:
                problem = f"{ident} is both a {seen[ident]} and a {role}"
            if problem:
                raise StructureError(
                    "Unusable data structure",
                    f"{dsd.id}: {problem}",
                    context={"structure": dsd.id, "component": ident},
                )
            seen[ident] = role


def restrict_codes(
    layout: ComponentLayout, allowed: Mapping[str, frozenset[str]]
) -> ComponentLayout:
    """The layout with each coded component narrowed to the codes ``allowed`` (constraints).

    Components ``allowed`` does not name keep their codes; codes a constraint
    allows but the codelist lacks are not added.
    """
    components = dict(layout.components)
    for component_id, codes in allowed.items():
        component = components.get(component_id)
        if component is not None and component.codes:
            narrowed = frozenset(c for c in component.codes if c in codes)
            components[component_id] = dataclasses.replace(component, codes=narrowed)
    return dataclasses.replace(layout, components=components)


def build_layout(dsd: common.BaseDataStructureDefinition, dataflow=None) -> ComponentLayout:
    """Summarise an sdmx1 DSD; a dataflow, when given, names the structure URN."""
    check_components(dsd)
    components: dict[str, Component] = {}
    dimensions: list[str] = []
    time_dimension = None
    measure_dimension = None
    for dim in dsd.dimensions.components:
        kind, cl, codes, max_len = _representation(dim)
        if isinstance(dim, common.TimeDimension):
            time_dimension = dim.id
            kind = ValueKind.TIME
        else:
            dimensions.append(dim.id)
            if isinstance(dim, v21.MeasureDimension):
                measure_dimension = dim.id
        components[dim.id] = Component(dim.id, kind, cl, codes, True, None, (), max_len)
    measures: list[str] = []
    for measure in dsd.measures.components:
        kind, cl, codes, max_len = _representation(measure)
        if kind is ValueKind.STRING and not cl:
            # SDMX 2.1 primary measures are numeric unless a DSD says otherwise.
            rep = getattr(measure, "local_representation", None)
            if not getattr(rep, "non_enumerated", None):
                kind = ValueKind.NUMBER
        measures.append(measure.id)
        components[measure.id] = Component(measure.id, kind, cl, codes, False, None, (), max_len)
    attributes: list[str] = []
    for attr in dsd.attributes.components:
        kind, cl, codes, max_len = _representation(attr)
        level, related = _attachment(attr, dimensions, time_dimension)
        status = getattr(attr, "usage_status", None)
        mandatory = status is not None and status.name == "mandatory"
        attributes.append(attr.id)
        components[attr.id] = Component(
            attr.id, kind, cl, codes, mandatory, level, related, max_len
        )
    structure_urn = dsd.urn or ""
    flow_id = None
    if dataflow is not None:
        structure_urn = dataflow.urn or structure_urn
        flow_id = dataflow.id
    return ComponentLayout(
        dsd_urn=dsd.urn or "",
        dsd_id=dsd.id,
        agency=dsd.maintainer.id if dsd.maintainer else "",
        version=str(dsd.version) if dsd.version else "1.0",
        dimensions=tuple(dimensions),
        time_dimension=time_dimension,
        measures=tuple(measures),
        attributes=tuple(attributes),
        components=components,
        structure_urn=structure_urn,
        flow_id=flow_id,
        measure_dimension=measure_dimension,
    )


def described_layout(
    *,
    structure_urn: str | None,
    dimensions: list[str],
    time_dimension: str | None,
    measures: list[str],
    attributes: dict[str, AttachmentLevel],
    related: dict[str, tuple[str, ...]] | None = None,
    numeric_measures: set[str] | None = None,
    guessed_dimensions: tuple[str, ...] = (),
) -> ComponentLayout:
    """A ComponentLayout of what a self-describing message declares, without a DSD.

    Generic SDMX-ML and SDMX-JSON say which values are dimensions, measures
    and attributes (and at which level), so their data can be written again
    without the structure. Codes are not known (``codes`` is None: any code);
    the DSD's identity is taken from the message's structure reference.
    """
    related = related or {}
    numeric = numeric_measures if numeric_measures is not None else set(measures)
    components: dict[str, Component] = {}
    for dim in dimensions:
        components[dim] = Component(dim, ValueKind.CODED, mandatory=True)
    if time_dimension:
        components[time_dimension] = Component(time_dimension, ValueKind.TIME, mandatory=True)
    for measure in measures:
        kind = ValueKind.NUMBER if measure in numeric else ValueKind.STRING
        components[measure] = Component(measure, kind)
    for attr, level in attributes.items():
        components[attr] = Component(
            attr, ValueKind.CODED, level=level, related_dimensions=related.get(attr, ())
        )
    agency, dsd_id, version = _identity(structure_urn)
    return ComponentLayout(
        dsd_urn="",
        dsd_id=dsd_id,
        agency=agency,
        version=version,
        dimensions=tuple(d for d in dimensions if d != time_dimension),
        time_dimension=time_dimension,
        measures=tuple(measures),
        attributes=tuple(attributes),
        components=components,
        structure_urn=structure_urn or "",
        guessed_dimensions=guessed_dimensions,
    )


def _identity(urn: str | None) -> tuple[str, str, str]:
    """(agency, id, version) of a structure URN; placeholders without one."""
    try:
        parsed = URN(urn or "")
    except ValueError:
        return "", "", "1.0"
    return parsed.agency, parsed.id, str(parsed.version or "1.0")
