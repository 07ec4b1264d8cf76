"""``dsd/``: the concept scheme and one YAML file per DSD with its dataflows.

Builds sdmx1 v2.1 model objects: ConceptScheme, DataStructureDefinition (with
explicit descriptor ids, which the XSD needs), DataflowDefinition and one
ContentConstraint per dataflow holding its allowed codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sdmx.urn
from sdmx.model import common, v21
from sdmx.model.common import FacetValueType, UsageStatus

from mosy_sdmx.structures._codelists import source_annotation
from mosy_sdmx.structures._selection import resolve_selection
from mosy_sdmx.structures._shapes import check_shape
from mosy_sdmx.structures._source_files import (
    LineDict,
    LineList,
    display_name,
    fail,
    names,
    read_yaml,
)

VERSION = "1.0.0"
CONCEPTS_FILE = "concepts.yaml"

#: Dataflow annotations other modules read (registry, disclosure control).
ANN_PUBLIC = "PUBLIC"
ANN_DERIVED_FROM = "DERIVED_FROM"
ANN_DISCLOSURE_RULE = "DISCLOSURE_RULE"
ANN_DEFAULT_CONF_STATUS = "DEFAULT_CONF_STATUS"

_MEASURE_TYPES = {
    "integer": FacetValueType.integer,
    "decimal": FacetValueType.decimal,
    "double": FacetValueType.double,
    "string": FacetValueType.string,
}
_USAGE = {"mandatory": UsageStatus.mandatory, "conditional": UsageStatus.conditional}


#: sdmx1 names URN classes after its Python classes; SDMX names these two otherwise.
_URN_CLASS = {
    v21.DataflowDefinition: "Dataflow",
    v21.DataStructureDefinition: "DataStructure",
}


def _finish(obj: common.MaintainableArtefact) -> common.MaintainableArtefact:
    """Set the standard URN, which sdmx1 leaves unset (and misnames for two classes)."""
    klass = _URN_CLASS.get(type(obj))
    obj.urn = sdmx.urn.make(obj, **({"klass": klass} if klass else {}))
    return obj


def load_concepts(folder: Path, mosy: common.Agency) -> common.ConceptScheme:
    path = folder / CONCEPTS_FILE
    source = display_name(path)
    if not path.is_file():
        raise fail(f"the concept scheme file {CONCEPTS_FILE} is missing", source)
    doc = read_yaml(path)
    check_shape(doc, "concepts", source)
    scheme_id = doc["id"]
    scheme = common.ConceptScheme(
        id=scheme_id,
        name=names(doc["name"]),
        version=str(doc.get("version", VERSION)),
        maintainer=mosy,
        is_final=True,
        is_external_reference=False,
    )
    _finish(scheme)
    entries: LineList = doc["concepts"]
    first: dict[str, int | None] = {}
    for i, entry in enumerate(entries):
        line = entries.line_at(i)
        cid = entry["id"]
        if cid in first:
            raise fail(f"duplicate concept {cid!r} (first on line {first[cid]})", source, line)
        first[cid] = line
        annotations = []
        if entry.get("source"):
            annotations.append(source_annotation(f"{entry['source']} cross-domain concept {cid}"))
        concept = common.Concept(
            id=cid,
            name=names(entry["name"]),
            annotations=annotations,
        )
        scheme.append(concept)
        concept.urn = sdmx.urn.make(concept, scheme)
    return scheme


@dataclass(slots=True)
class FlowInfo:
    """What the loader learnt about a dataflow beyond the sdmx1 object."""

    flow: v21.DataflowDefinition
    public: bool
    allowed: dict[str, frozenset[str]]


class _DsdBuilder:
    def __init__(
        self,
        path: Path,
        codelists: dict[str, common.Codelist],
        concepts: common.ConceptScheme,
        mosy: common.Agency,
    ) -> None:
        self.path = path
        self.source = display_name(path)
        self.codelists = codelists
        self.concepts = concepts
        self.mosy = mosy

    # -- helpers -----------------------------------------------------------
    def _concept(self, entry: dict, cid: str, line: int | None) -> common.Concept:
        ref = str(entry.get("concept", cid))
        if ref not in self.concepts.items:
            raise fail(
                f"component {cid}: concept {ref!r} is not in {CONCEPTS_FILE}",
                self.source,
                line,
                concept=ref,
            )
        return self.concepts.items[ref]

    def _codelist(self, ref: Any, cid: str, line: int | None) -> common.Codelist:
        if str(ref) not in self.codelists:
            raise fail(
                f"component {cid}: unknown codelist {ref!r}",
                self.source,
                line,
                codelist=str(ref),
            )
        return self.codelists[str(ref)]

    # -- DSD ---------------------------------------------------------------
    def build(self) -> tuple[v21.DataStructureDefinition, list[FlowInfo]]:
        doc = read_yaml(self.path)
        src = self.source
        check_shape(doc, "dsd", src)
        dsd_id = doc["id"]
        if dsd_id != self.path.stem:
            raise fail(
                f"the DSD id {dsd_id!r} must match the file name {self.path.stem!r}",
                src,
                doc.line_of("id"),
            )
        dsd = v21.DataStructureDefinition(
            id=dsd_id,
            name=names(doc["name"]),
            description=names(doc.get("description")) or None,
            version=str(doc.get("version", VERSION)),
            maintainer=self.mosy,
            is_final=True,
            is_external_reference=False,
            dimensions=v21.DimensionDescriptor(id="DimensionDescriptor"),
            attributes=v21.AttributeDescriptor(id="AttributeDescriptor"),
            measures=v21.MeasureDescriptor(id="MeasureDescriptor"),
        )
        _finish(dsd)
        seen: dict[str, int | None] = {}

        def unique(cid: str, line: int | None) -> None:
            if cid in seen:
                raise fail(
                    f"component {cid!r} defined twice (first on line {seen[cid]})", src, line
                )
            seen[cid] = line

        dims: LineList = doc["dimensions"]
        for i, entry in enumerate(dims):
            line = dims.line_at(i)
            cid = entry["id"]
            unique(cid, line)
            dsd.dimensions.append(
                v21.Dimension(
                    id=cid,
                    concept_identity=self._concept(entry, cid, line),
                    local_representation=common.Representation(
                        enumerated=self._codelist(entry["codelist"], cid, line)
                    ),
                    order=i + 1,
                )
            )
        time_id = doc.get("time_dimension", "TIME_PERIOD")
        time_line = doc.line_of("time_dimension")
        unique(time_id, time_line)
        dsd.dimensions.append(
            common.TimeDimension(
                id=time_id,
                concept_identity=self._concept({}, time_id, time_line),
                local_representation=common.Representation(
                    non_enumerated=[common.Facet(value_type=FacetValueType.observationalTimePeriod)]
                ),
                order=len(dims) + 1,
            )
        )
        self._measure(doc, dsd, unique)
        series_dims = [d for d in dsd.dimensions.components if d.id != time_id]
        attrs: LineList = doc.get("attributes") or LineList()
        for i, entry in enumerate(attrs):
            dsd.attributes.append(self._attribute(entry, attrs.line_at(i), series_dims, unique))
        entries: LineList = doc["dataflows"]
        flows = [self._dataflow(dsd, doc, e, entries.line_at(i)) for i, e in enumerate(entries)]
        return dsd, flows

    def _measure(self, doc: LineDict, dsd, unique) -> None:
        raw = doc.get("measure") or {"id": "OBS_VALUE"}
        line = doc.line_of("measure")
        cid = raw.get("id", "OBS_VALUE")
        unique(cid, line)
        kind = raw.get("type", "integer")
        dsd.measures.append(
            v21.PrimaryMeasure(
                id=cid,
                concept_identity=self._concept(raw, cid, line),
                local_representation=common.Representation(
                    non_enumerated=[common.Facet(value_type=_MEASURE_TYPES[kind])]
                ),
            )
        )

    def _attribute(self, entry: Any, line: int | None, series_dims, unique) -> v21.DataAttribute:
        cid = entry["id"]
        unique(cid, line)
        if "codelist" in entry:
            rep = common.Representation(enumerated=self._codelist(entry["codelist"], cid, line))
        else:
            rep = common.Representation(
                non_enumerated=[
                    common.Facet(
                        type=common.FacetType(max_length=entry["text"]),
                        value_type=FacetValueType.string,
                    )
                ]
            )
        attachment = entry["attachment"]
        usage = entry.get("usage", "conditional")
        if attachment == "observation":
            related: common.AttributeRelationship = v21.PrimaryMeasureRelationship()
        elif attachment == "series":
            related = common.DimensionRelationship(dimensions=list(series_dims))
        else:
            related = v21.NoSpecifiedRelationship()
        concept = self._concept(entry, cid, line)
        if attachment == "dataset" and "codelist" in entry and concept.core_representation is None:
            # sdmx1 resolves values on a DataSet element through the concept's core
            # representation and fails without one; these concepts (UNIT_MULT,
            # DECIMALS) take the same codelist wherever they are used.
            concept.core_representation = rep
        return v21.DataAttribute(
            id=cid,
            concept_identity=concept,
            local_representation=rep,
            related_to=related,
            usage_status=_USAGE[usage],
        )

    # -- dataflows -----------------------------------------------------------
    def _dataflow(self, dsd, doc: LineDict, entry: LineDict, line: int | None) -> FlowInfo:
        fid = entry["id"]
        public = entry.get("public", False)
        annotations = [v21.Annotation(id=ANN_PUBLIC, title=str(public).lower())]
        if entry.get("derived_from"):
            annotations.append(
                v21.Annotation(id=ANN_DERIVED_FROM, title=str(entry["derived_from"]))
            )
        if entry.get("disclosure_rule"):
            annotations.append(
                v21.Annotation(id=ANN_DISCLOSURE_RULE, text={"en": str(entry["disclosure_rule"])})
            )
        if entry.get("default_conf_status"):
            annotations.append(
                v21.Annotation(id=ANN_DEFAULT_CONF_STATUS, title=str(entry["default_conf_status"]))
            )
        flow = v21.DataflowDefinition(
            id=fid,
            name=names(entry["name"]),
            description=names(entry.get("description")) or None,
            version=str(entry.get("version", VERSION)),
            maintainer=self.mosy,
            is_final=True,
            is_external_reference=False,
            structure=dsd,
            annotations=annotations,
        )
        _finish(flow)
        allowed = self._allowed(dsd, doc, entry, fid, public)
        return FlowInfo(flow, public, allowed)

    def _allowed(self, dsd, doc: LineDict, entry: LineDict, fid: str, public: bool):
        defaults = doc.get("dataflow_defaults") or LineDict()
        keys = ("all", "public" if public else "restricted")
        layers = [defaults[key] for key in keys if defaults.get(key) is not None]
        if entry.get("constraints") is not None:
            layers.append(entry["constraints"])
        components = {c.id: c for c in dsd.dimensions.components + dsd.attributes.components}
        merged: dict[str, tuple[Any, int | None]] = {}
        for layer in layers:
            for cid, raw in layer.items():
                merged[str(cid)] = (raw, layer.line_of(cid))
        allowed: dict[str, frozenset[str]] = {}
        for cid, (raw, line) in merged.items():
            if cid not in components:
                raise fail(
                    f"dataflow {fid}: constraint on {cid!r}, which is not a component of {dsd.id}",
                    self.source,
                    line,
                    component=cid,
                )
            rep = components[cid].local_representation
            codes = resolve_selection(
                raw,
                rep.enumerated if rep is not None else None,
                self.codelists,
                f"dataflow {fid}, {cid}",
                self.source,
                line,
            )
            allowed[cid] = frozenset(codes)
        return allowed


def load_dsds(
    folder: Path,
    codelists: dict[str, common.Codelist],
    concepts: common.ConceptScheme,
    mosy: common.Agency,
) -> tuple[list[v21.DataStructureDefinition], list[FlowInfo]]:
    """Every ``DSD_*.yaml`` of the folder, in file-name order."""
    dsds, flows = [], []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("DSD_*.yaml")):
        dsd, dsd_flows = _DsdBuilder(path, codelists, concepts, mosy).build()
        for info in dsd_flows:
            fid = info.flow.id
            if fid in seen:
                raise fail(
                    f"dataflow {fid} is also defined in {seen[fid]}",
                    display_name(path),
                    _flow_line(path, fid),
                )
            seen[fid] = display_name(path)
        dsds.append(dsd)
        flows.extend(dsd_flows)
    if not dsds:
        raise fail("no DSD_*.yaml file found", f"{folder.name}/")
    return dsds, flows


def _flow_line(path: Path, fid: str) -> int | None:
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if fid in text and "id:" in text:
            return n
    return None


def constraint_for(
    cc_id: str,
    attached_to: common.ConstrainableArtefact,
    components: dict[str, common.Component],
    allowed: dict[str, frozenset[str]],
    order: dict[str, list[str]],
    mosy: common.Agency,
    name: str,
) -> v21.ContentConstraint:
    """An 'allowed' ContentConstraint with one CubeRegion over ``allowed``."""
    members = {}
    # Key order (dimensions, then attributes): the XSD wants KeyValue before Attribute.
    for cid, comp in components.items():
        if cid not in allowed:
            continue
        codes = allowed[cid]
        ordered = [c for c in order.get(cid, sorted(codes)) if c in codes]
        members[comp] = v21.MemberSelection(
            values_for=comp, values=[v21.MemberValue(value=c) for c in ordered]
        )
    cc = v21.ContentConstraint(
        id=cc_id,
        name={"en": name},
        version=VERSION,
        maintainer=mosy,
        is_final=True,
        is_external_reference=False,
        role=common.ConstraintRole(role=common.ConstraintRoleType.allowable),
        content={attached_to},
        data_content_region=[common.CubeRegion(included=True, member=members)] if members else [],
    )
    return _finish(cc)
