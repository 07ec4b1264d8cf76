"""Which artefact refers to which: the reference graph of a StructureSet.

SDMX REST's ``references`` parameter (children, descendants, parents,
parentsandsiblings, ancestors, all, or a type) and a registry's integrity
rule ("an upload must not leave a reference dangling") both need the same
graph: for each maintainable artefact, the maintainables it refers to. This
module derives it from sdmx1's model objects once, with both directions.

An artefact is named by an ``ArtefactRef``: the REST resource type (SDMX 3.0
names: ``datastructure``, ``dataconstraint``...), agency, id and version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sdmx.model import common
from sdmx.urn import URN

from mosy_sdmx.structures._export_common import MAINTAINABLES, agency_of, kind_of, version_of

#: Serializer kind (``_export_common``) -> REST resource type.
REST_TYPES = {
    "agency_scheme": "agencyscheme",
    "data_provider_scheme": "dataproviderscheme",
    "data_consumer_scheme": "dataconsumerscheme",
    "category_scheme": "categoryscheme",
    "codelist": "codelist",
    "concept_scheme": "conceptscheme",
    "data_structure": "datastructure",
    "dataflow": "dataflow",
    "categorisation": "categorisation",
    "provision_agreement": "provisionagreement",
    "data_constraint": "dataconstraint",
}


#: REST type -> (URN package, SDMX 3.0 class).
URN_CLASSES = {
    REST_TYPES[kind]: (package, cls)
    for kind, package, cls in {entry for entry in MAINTAINABLES.values()}
}


@dataclass(frozen=True, order=True, slots=True)
class ArtefactRef:
    """The identity of a maintainable artefact, as a REST query names it."""

    type: str
    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.type}={self.agency}:{self.id}({self.version})"

    @property
    def urn(self) -> str:
        """The SDMX 3.0 URN (``...registry.DataConstraint=...`` for constraints)."""
        package, cls = URN_CLASSES[self.type]
        return str(
            URN(package=package, klass=cls, agency=self.agency, id=self.id, version=self.version)
        )


def rest_type(artefact: Any) -> str | None:
    """The REST resource type of an sdmx1 maintainable (None for other objects)."""
    entry = MAINTAINABLES.get(type(artefact))
    return REST_TYPES[entry[0]] if entry else None


def ref_of(artefact: Any) -> ArtefactRef:
    kind = rest_type(artefact)
    if kind is None:
        raise TypeError(f"{type(artefact).__name__} is not a maintainable artefact")
    return ArtefactRef(kind, agency_of(artefact), artefact.id, version_of(artefact))


def _scheme_of(item: Any) -> Any | None:
    try:
        scheme = item.get_scheme()
    except AttributeError:
        return None
    return scheme if rest_type(scheme) else None


def _enumerations(representation: Any) -> Iterator[Any]:
    enumerated = getattr(representation, "enumerated", None) if representation else None
    if enumerated is not None and rest_type(enumerated):
        yield enumerated


def direct_references(artefact: Any) -> Iterator[Any]:
    """The maintainables (sdmx1 objects, possibly stubs) that ``artefact`` refers to."""
    if isinstance(artefact, common.BaseDataflow):
        if artefact.structure is not None:
            yield artefact.structure
    elif isinstance(artefact, common.BaseDataStructureDefinition):
        for component_list in (
            artefact.dimensions,
            artefact.attributes,
            artefact.measures,
        ):
            for component in component_list.components:
                scheme = (
                    _scheme_of(component.concept_identity) if component.concept_identity else None
                )
                if scheme is not None:
                    yield scheme
                yield from _enumerations(component.local_representation)
    elif isinstance(artefact, common.ConceptScheme):
        for concept in artefact:
            yield from _enumerations(getattr(concept, "core_representation", None))
    elif isinstance(artefact, common.ProvisionAgreement):
        if artefact.structure_usage is not None:
            yield artefact.structure_usage
        if artefact.data_provider is not None:
            scheme = _scheme_of(artefact.data_provider)
            if scheme is not None:
                yield scheme
    elif kind_of(artefact) == "data_constraint":
        for target in getattr(artefact, "content", ()) or ():
            if rest_type(target):
                yield target
            else:
                scheme = _scheme_of(target)
                if scheme is not None:
                    yield scheme
    elif isinstance(artefact, common.Categorisation):
        if artefact.artefact is not None and rest_type(artefact.artefact):
            yield artefact.artefact
        if artefact.category is not None:
            scheme = _scheme_of(artefact.category)
            if scheme is not None:
                yield scheme
    elif isinstance(artefact, common.Codelist):
        extends = getattr(artefact, "extends", None) or []
        for extension in extends:
            target = getattr(extension, "extends", None)
            if target is not None and rest_type(target):
                yield target


def item_references(artefact: Any) -> Iterator[tuple[Any, str]]:
    """(scheme, item id) of each item ``artefact`` refers to: the category of a
    categorisation, the data provider of an agreement or a constraint, the
    concepts of a data structure."""
    items: list[Any] = []
    if isinstance(artefact, common.Categorisation):
        items.append(artefact.category)
    elif isinstance(artefact, common.ProvisionAgreement):
        items.append(artefact.data_provider)
    elif kind_of(artefact) == "data_constraint":
        items.extend(t for t in getattr(artefact, "content", ()) or () if not rest_type(t))
    elif isinstance(artefact, common.BaseDataStructureDefinition):
        for component_list in (artefact.dimensions, artefact.attributes, artefact.measures):
            items.extend(c.concept_identity for c in component_list.components)
    for item in items:
        scheme = _scheme_of(item) if item is not None else None
        if scheme is not None and item.id:
            yield scheme, item.id


def describe_item(scheme: ArtefactRef, item_id: str) -> str:
    """ "category 07 of categoryscheme=ECB:MOBILE_NAVI(1.0)", for error messages."""
    word = {
        "categoryscheme": "category",
        "dataproviderscheme": "data provider",
        "conceptscheme": "concept",
        "codelist": "code",
    }.get(scheme.type, "item")
    return f"{word} {item_id} of {scheme}"


@dataclass
class ReferenceGraph:
    """Artefacts by identity, with the references between them in both directions."""

    artefacts: dict[ArtefactRef, Any] = field(default_factory=dict)
    children: dict[ArtefactRef, set[ArtefactRef]] = field(default_factory=dict)
    parents: dict[ArtefactRef, set[ArtefactRef]] = field(default_factory=dict)
    #: References to artefacts the set does not hold: referrer -> missing targets.
    missing: dict[ArtefactRef, set[ArtefactRef]] = field(default_factory=dict)
    #: Items referred to: referrer -> {scheme: item ids} (to say exactly what is missing).
    item_refs: dict[ArtefactRef, dict[ArtefactRef, set[str]]] = field(default_factory=dict)
    #: Items missing from schemes the set holds: referrer -> {scheme: item ids}.
    missing_items: dict[ArtefactRef, dict[ArtefactRef, set[str]]] = field(default_factory=dict)
    #: Agency id -> the agency scheme holding it; artefacts whose agency none holds.
    agency_schemes: dict[str, ArtefactRef] = field(default_factory=dict)
    unmaintained: dict[ArtefactRef, str] = field(default_factory=dict)

    @classmethod
    def build(cls, artefacts: Iterable[Any]) -> ReferenceGraph:
        graph = cls()
        held = [a for a in artefacts if rest_type(a) and not _is_stub(a)]
        for artefact in held:
            graph.artefacts[ref_of(artefact)] = artefact
        agencies = graph.agency_schemes = _agency_schemes(held)
        for artefact in held:
            source = ref_of(artefact)
            targets = {ref_of(t) for t in direct_references(artefact)}
            maintainer = agencies.get(agency_of(artefact))
            if maintainer is None:
                graph.unmaintained[source] = agency_of(artefact)
            elif maintainer != source:
                targets.add(maintainer)
            targets.discard(source)
            for target in targets:
                if target not in graph.artefacts:
                    graph.missing.setdefault(source, set()).add(target)
                    continue
                graph.children.setdefault(source, set()).add(target)
                graph.parents.setdefault(target, set()).add(source)
            for scheme, item_id in item_references(artefact):
                target = ref_of(scheme)
                graph.item_refs.setdefault(source, {}).setdefault(target, set()).add(item_id)
                held = graph.artefacts.get(target)
                if held is not None and item_id not in _item_ids(held):
                    graph.missing_items.setdefault(source, {}).setdefault(target, set()).add(
                        item_id
                    )
        return graph

    def what_is_missing(self, source: ArtefactRef, targets: Iterable[ArtefactRef]) -> list[str]:
        """Each missing target of ``source`` in words, with the items referred to in it."""
        out = []
        for target in sorted(targets):
            items = sorted(self.item_refs.get(source, {}).get(target, ()))
            if items and target.type != "conceptscheme":
                out.extend(describe_item(target, item) for item in items)
            else:
                out.append(str(target))
        return out

    def descendants(self, ref: ArtefactRef) -> set[ArtefactRef]:
        return _closure(ref, self.children)

    def ancestors(self, ref: ArtefactRef) -> set[ArtefactRef]:
        return _closure(ref, self.parents)


def _closure(start: ArtefactRef, edges: dict[ArtefactRef, set[ArtefactRef]]) -> set[ArtefactRef]:
    seen: set[ArtefactRef] = set()
    todo = list(edges.get(start, ()))
    while todo:
        ref = todo.pop()
        if ref in seen or ref == start:
            continue
        seen.add(ref)
        todo.extend(edges.get(ref, ()))
    return seen


def _item_ids(scheme: Any) -> set[str]:
    ids: set[str] = set()
    todo = list(getattr(scheme, "items", {}).values())
    while todo:  # nested items (categories) too, whether or not sdmx1 lists them flat
        item = todo.pop()
        ids.add(item.id)
        todo.extend(getattr(item, "child", []) or [])
    return ids


def _is_stub(artefact: Any) -> bool:
    return bool(getattr(artefact, "is_external_reference", False))


def _agency_schemes(artefacts: list[Any]) -> dict[str, ArtefactRef]:
    """Agency id -> the agency scheme that holds it (AgencyScheme is every artefact's child)."""
    out: dict[str, ArtefactRef] = {}
    for artefact in artefacts:
        if rest_type(artefact) == "agencyscheme":
            for agency in artefact:
                out.setdefault(agency.id, ref_of(artefact))
    return out
