"""Dataflow-specific (structure-specific) XML schemas, as a REST /schema query returns.

Structure-specific SDMX-ML data validates only together with a schema derived
from its DSD: ``DataSetType``, ``SeriesType``, ``ObsType`` (and a type per
group) restrict the abstract types of the official SDMXDataStructureSpecific
schema, and every codelist becomes an enumerated simple type. The layout of
what goes where is the writers' own (``_write_plan``), so everything the
writers produce validates. Pure: bytes out, no file or network access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures.layout import (
    AttachmentLevel,
    Component,
    ComponentLayout,
    ValueKind,
    restrict_codes,
)
from mosy_sdmx.structures.structure_set import StructureSet

XS = "http://www.w3.org/2001/XMLSchema"
_NS = {
    "2.1": (ns.COMMON_21, ns.SS_21),
    "3.0": (ns.COMMON_30, ns.SS_30),
}
_BUILTIN = {
    ValueKind.STRING: "xs:string",
    ValueKind.NUMBER: "xs:double",
    ValueKind.INTEGER: "xs:integer",
    ValueKind.TIME: "common:ObservationalTimePeriodType",
}


@dataclass(frozen=True, slots=True)
class GroupDef:
    id: str
    dimensions: tuple[str, ...]
    attributes: tuple[str, ...]


def dataflow_schema(
    layout_or_structures: ComponentLayout | StructureSet,
    flow: str | None = None,
    version: str = "2.1",
    *,
    dimension_at_observation: str = "TIME_PERIOD",
    time_series: bool = False,
    schema_location: str = "",
    allowed: Mapping[str, frozenset[str]] | None = None,
    explicit_measures: bool = False,
) -> bytes:
    """The structure-specific XSD for a dataflow (or DSD) and dimension at observation.

    Args:
        layout_or_structures: a ComponentLayout, or a StructureSet in which
            ``flow`` (id or URN of a dataflow or DSD) is looked up; only a
            StructureSet knows the DSD's groups, which then get Group types.
        version: "2.1" or "3.0".
        dimension_at_observation: TIME_PERIOD, another dimension, or AllDimensions.
        time_series: 2.1 only: the schema of StructureSpecificTimeSeriesData
            (types restrict the TimeSeries* base types; TIME_PERIOD at observation).
        schema_location: prefix for the official schemas' locations in the
            imports (e.g. a URL ending in ``/``); the importer usually has them.
        allowed: codes per component that constraints allow (a dataflow's or a
            provision agreement's); the enumerations list only those.
        explicit_measures: SDMX-ML 2.1 with an SDMX 2.1 MeasureDimension at
            observation level only (elsewhere it changes nothing, as SDMX says):
            ``ObsType`` becomes abstract and each measure gets a type of its own,
            named by its id, which observations name with ``xsi:type``.
    """
    from mosy_sdmx.io.sdmx_ml._write_envelope import (
        check_dimension_at_observation,
        structure_ref,
    )
    from mosy_sdmx.io.sdmx_ml._write_plan import plan

    if version not in _NS:
        raise StructureError("Unknown SDMX-ML version", f"{version!r} is not 2.1 or 3.0")
    groups: list[GroupDef] = []
    if isinstance(layout_or_structures, StructureSet):
        layout = layout_or_structures.layout(flow)
        groups = _groups(layout_or_structures, layout)
    else:
        layout = layout_or_structures
    if allowed:
        layout = restrict_codes(layout, allowed)
    check_dimension_at_observation(layout, dimension_at_observation)
    if time_series and (version != "2.1" or dimension_at_observation != layout.time_dimension):
        raise StructureError(
            "No time-series schema",
            "time-series structure-specific schemas exist for SDMX-ML 2.1 with the time "
            "dimension at observation only",
        )
    target = structure_ref(layout).namespace(dimension_at_observation)
    common_ns, ss_ns = _NS[version]
    builder = _Builder(layout, version, target, common_ns, ss_ns, schema_location, time_series)
    builder.explicit = (
        explicit_measures
        and version == "2.1"
        and layout.measure_dimension is not None
        and dimension_at_observation == layout.measure_dimension
    )
    builder.build(plan(layout, dimension_at_observation), groups)
    return etree.tostring(builder.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _groups(structures: StructureSet, layout: ComponentLayout) -> list[GroupDef]:
    """The DSD's groups and the group attributes that attach to each."""
    try:
        dsd = structures.dsd(layout.dsd_urn or layout.dsd_id)
    except Exception:
        return []
    out = []
    for gid, group in getattr(dsd, "group_dimensions", {}).items():
        dims = tuple(d.id for d in group.components)
        attrs = tuple(
            a
            for a in layout.attributes
            if layout.components[a].level is AttachmentLevel.GROUP
            and set(layout.components[a].related_dimensions) == set(dims)
        )
        out.append(GroupDef(gid, tuple(d for d in layout.dimensions if d in dims), attrs))
    return out


class _Builder:
    def __init__(
        self,
        layout: ComponentLayout,
        version: str,
        target: str,
        common_ns: str,
        ss_ns: str,
        location: str,
        time_series: bool = False,
    ) -> None:
        self.layout = layout
        self.time_series = time_series
        prefix = "dsd:TimeSeries" if time_series else "dsd:"
        self.bases = {
            "DataSetType": f"{prefix}DataSetType",
            "SeriesType": "dsd:TimeSeriesType" if time_series else "dsd:SeriesType",
            "ObsType": f"{prefix}ObsType",
        }
        self.version = version
        nsmap = {None: target, "xs": XS, "common": common_ns, "dsd": ss_ns}
        self.root = etree.Element(
            f"{{{XS}}}schema",
            nsmap=nsmap,
            targetNamespace=target,
            elementFormDefault="qualified",
            attributeFormDefault="unqualified",
        )
        self.el(
            "import", self.root, namespace=common_ns, schemaLocation=f"{location}SDMXCommon.xsd"
        )
        self.el(
            "import",
            self.root,
            namespace=ss_ns,
            schemaLocation=f"{location}SDMXDataStructureSpecific.xsd",
        )
        self.reserved = {"DataSetType", "SeriesType", "ObsType", "GroupType"}
        self.type_of: dict[str, str] = {}
        #: Explicit measures: a type per measure of the measure dimension at observation.
        self.explicit = False

    @staticmethod
    def el(tag: str, parent: etree._Element, **attrs: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{XS}}}{tag}", attrs)

    # -- simple types ------------------------------------------------------
    def simple_types(self, group_ids: list[str]) -> None:
        self.reserved.update(group_ids)
        by_codes: dict[tuple[str, frozenset[str]], str] = {}
        for cid in [*self.layout.key_columns(), *self.layout.measures, *self.layout.attributes]:
            comp = self.layout.components[cid]
            self.type_of[cid] = self._simple_type(comp, by_codes)

    def _name(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.reserved:
            n += 1
            name = f"{wanted}.{n}"
        self.reserved.add(name)
        return name

    def _simple_type(self, comp: Component, by_codes: dict) -> str:
        if comp.kind is ValueKind.CODED and comp.codes is not None:
            key = (comp.codelist or comp.id, comp.codes)
            if key not in by_codes:
                name = self._name(comp.codelist or f"{comp.id}Type")
                st = self.el("simpleType", self.root, name=name)
                restriction = self.el("restriction", st, base="xs:string")
                for code in sorted(comp.codes):
                    self.el("enumeration", restriction, value=code)
                by_codes[key] = name
            return by_codes[key]
        if comp.id == self.layout.time_dimension:
            return "common:ObservationalTimePeriodType"
        base = _BUILTIN.get(comp.kind, "xs:string")
        if comp.max_length and base == "xs:string":
            name = self._name(f"{comp.id}Type")
            st = self.el("simpleType", self.root, name=name)
            restriction = self.el("restriction", st, base="xs:string")
            self.el("maxLength", restriction, value=str(comp.max_length))
            return name
        return base

    # -- complex types -----------------------------------------------------
    def _complex(self, name: str, base: str, abstract: bool = False) -> etree._Element:
        attrs = {"name": name}
        if abstract:
            attrs["abstract"] = "true"
        ct = self.el("complexType", self.root, **attrs)
        content = self.el("complexContent", ct)
        return self.el("restriction", content, base=base)

    def _annotations(self, parent: etree._Element) -> etree._Element:
        seq = self.el("sequence", parent)
        self.el("element", seq, ref="common:Annotations", minOccurs="0")
        return seq

    def _attributes(self, restriction, required=(), optional=(), prohibited=()) -> None:
        for cid in required:
            self.el("attribute", restriction, name=cid, type=self.type_of[cid], use="required")
        for cid in optional:
            self.el("attribute", restriction, name=cid, type=self.type_of[cid], use="optional")
        for cid in prohibited:
            self.el("attribute", restriction, name=cid, use="prohibited")

    def _prohibit_base(self, present: set[str], *names: str) -> list[str]:
        """Base-type attributes this level does not use."""
        ryd = "REPORTING_YEAR_START_DAY"
        extra = [ryd] if self.version == "2.1" and ryd not in present else []
        return [n for n in names if n not in present] + extra

    def build(self, where, groups: list[GroupDef]) -> None:
        self.simple_types([g.id for g in groups])
        time = self.layout.time_dimension or "TIME_PERIOD"
        self._dataset(where, groups)
        if groups:
            group_base = self._complex("GroupType", "dsd:GroupType", abstract=True)
            self._annotations(group_base)
            self.el("attribute", group_base, name="type", type="common:IDType", use="optional")
            self.el("anyAttribute", group_base, namespace="##local")
            for group in groups:
                restriction = self._complex(group.id, "GroupType")
                self._annotations(restriction)
                self.el(
                    "attribute",
                    restriction,
                    name="type",
                    type="common:IDType",
                    use="optional",
                    fixed=group.id,
                )
                present = {*group.dimensions, *group.attributes}
                self._attributes(
                    restriction,
                    group.dimensions,
                    group.attributes,
                    self._prohibit_base(present),
                )
        if not where.flat:
            restriction = self._complex("SeriesType", self.bases["SeriesType"])
            seq = self._annotations(restriction)
            self.el(
                "element", seq, name="Obs", type="ObsType", form="unqualified",
                minOccurs="0", maxOccurs="unbounded",
            )  # fmt: skip
            present = {*where.series_dimensions, *where.series_attributes}
            self._attributes(
                restriction,
                where.series_dimensions,
                where.series_attributes,
                self._prohibit_base(present, time),
            )
        restriction = self._complex("ObsType", self.bases["ObsType"], abstract=self.explicit)
        self._annotations(restriction)
        obs_values = (*where.measures, *where.obs_attributes)
        present = {*where.obs_dimensions, *obs_values}
        prohibited = self._prohibit_base(present, time)
        if self.version == "2.1" and "OBS_VALUE" not in present:
            prohibited.append("OBS_VALUE")
        if self.time_series:
            prohibited.append("type")
        if self.explicit:
            self._measure_types(restriction, where, obs_values, prohibited)
            return
        self._attributes(restriction, where.obs_dimensions, obs_values, prohibited)

    def _measure_types(self, restriction, where, obs_values, prohibited) -> None:
        """Explicit measures (SDMXDataStructureSpecificBase.xsd, ObsType): the measure
        is the observation's type, fixed in ``type``; the dimension's own attribute
        is prohibited, as the type says it."""
        dimension = self.layout.measure_dimension
        self.el("attribute", restriction, name="type", type="common:IDType", use="optional")
        self._attributes(restriction, (), obs_values, [*prohibited, dimension])
        for measure in sorted(self.layout.components[dimension].codes or ()):
            if measure in self.reserved:
                raise StructureError(
                    "Measure named like a schema type",
                    f"measure {measure!r} of {dimension} clashes with a type of the schema",
                )
            self.reserved.add(measure)
            derived = self._complex(measure, "ObsType")
            self._annotations(derived)
            self.el(
                "attribute", derived, name="type", type="common:IDType", use="optional",
                fixed=measure,
            )  # fmt: skip

    def _dataset(self, where, groups: list[GroupDef]) -> None:
        self.el("element", self.root, name="DataSet", type="DataSetType")
        restriction = self._complex("DataSetType", self.bases["DataSetType"])
        seq = self._annotations(restriction)
        self.el(
            "element", seq, name="DataProvider", type="common:DataProviderReferenceType",
            form="unqualified", minOccurs="0",
        )  # fmt: skip
        child = ("Obs", "ObsType") if where.flat else ("Series", "SeriesType")
        if self.version == "2.1":
            if groups:
                self.el(
                    "element", seq, name="Group", type="GroupType", form="unqualified",
                    minOccurs="0", maxOccurs="unbounded",
                )  # fmt: skip
            choice = self.el("choice", seq, minOccurs="0")
            self.el(
                "element", choice, name=child[0], type=child[1], form="unqualified",
                maxOccurs="unbounded",
            )  # fmt: skip
        else:
            choice = self.el("choice", seq, minOccurs="0", maxOccurs="unbounded")
            if groups:
                self.el("element", choice, name="Group", type="GroupType", form="unqualified")
            self.el("element", choice, name=child[0], type=child[1], form="unqualified")
        present = set(where.dataset_attributes)
        self._attributes(restriction, (), where.dataset_attributes, self._prohibit_base(present))
