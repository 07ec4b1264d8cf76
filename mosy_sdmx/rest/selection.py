"""Which artefacts a structure query returns, and how much of each.

``select_structures`` applies a ``StructureQuery`` to a StructureSet's
reference graph: the artefacts matched (types, agencies, ids, version
selectors, items), the references asked for (children, descendants,
parents, parentsandsiblings, ancestors, all, or one type), and the detail of
each (full, stub, complete stub, partial item scheme). ``export_selection``
writes the result in a structure format. No I/O, no web.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sdmx.model import common

from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import StructureFormat
from mosy_sdmx.rest.query import StructureQuery
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.structures.references import ArtefactRef, ReferenceGraph, rest_type

Key = tuple[str, str, str, str]


@dataclass
class Selection:
    """The artefacts to return: matched ones first, then references; stubs and partials."""

    matched: list[ArtefactRef] = field(default_factory=list)
    referenced: list[ArtefactRef] = field(default_factory=list)
    stubs: dict[Key, str] = field(default_factory=dict)
    partial: dict[Key, frozenset[str]] = field(default_factory=dict)

    @property
    def refs(self) -> list[ArtefactRef]:
        return self.matched + [r for r in self.referenced if r not in set(self.matched)]


def _key(ref: ArtefactRef) -> Key:
    return (ref.type, ref.agency, ref.id, ref.version)


def match(graph: ReferenceGraph, query: StructureQuery) -> list[ArtefactRef]:
    """Artefacts matching the query's type, agencies, ids and versions (sorted)."""
    versions: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for ref in graph.artefacts:
        if query.type != "*" and ref.type != query.type:
            continue
        if query.agencies and ref.agency not in query.agencies:
            continue
        if query.ids and ref.id not in query.ids:
            continue
        versions[(ref.type, ref.agency, ref.id)].append(ref.version)
    found: set[ArtefactRef] = set()
    for (kind, agency, artefact_id), held in versions.items():
        for selector in query.versions:
            found.update(ArtefactRef(kind, agency, artefact_id, v) for v in selector.select(held))
    return sorted(found)


def select_structures(
    structures: StructureSet,
    graph: ReferenceGraph,
    query: StructureQuery,
    *,
    keep: Callable[[ArtefactRef], bool] | None = None,
) -> Selection:
    """Apply ``query``; StructureNotFoundError if nothing matches.

    ``keep`` filters the matched artefacts further (the registry's
    ``updatedAfter``); an empty result after it is an empty selection.
    """
    matched = match(graph, query)
    if not matched:
        raise StructureNotFoundError(
            "No such structure",
            f"no {_what(query)} matches {query.render()}",
            context={"query": query.render()},
        )
    selection = Selection()
    if query.items:
        for ref in matched:
            held = _item_paths(graph.artefacts[ref])
            wanted = frozenset(p for p in held if _wanted(p, query.items))
            if wanted:
                selection.matched.append(ref)
                selection.partial[_key(ref)] = wanted
        if not selection.matched:
            raise StructureNotFoundError(
                "No such item",
                f"none of {', '.join(query.items)} is in the matching {query.type}",
                context={"items": list(query.items)},
            )
    else:
        selection.matched = matched
    if keep is not None:
        selection.matched = [r for r in selection.matched if keep(r)]
        if not selection.matched:
            return selection
    selection.referenced = sorted(_references(graph, selection.matched, query.references))
    _apply_detail(structures, graph, query, selection)
    return selection


def _what(query: StructureQuery) -> str:
    return "artefact" if query.type == "*" else query.type


def _references(
    graph: ReferenceGraph, matched: list[ArtefactRef], references: Iterable[str]
) -> set[ArtefactRef]:
    out: set[ArtefactRef] = set()
    for ref in matched:
        parents = graph.parents.get(ref, set())
        children = graph.children.get(ref, set())
        for kind in references:
            if kind == "children":
                out |= children
            elif kind == "descendants":
                out |= graph.descendants(ref)
            elif kind == "parents":
                out |= parents
            elif kind == "parentsandsiblings":
                out |= parents
                for parent in parents:
                    out |= graph.children.get(parent, set())
            elif kind == "ancestors":
                out |= graph.ancestors(ref)
            elif kind == "all":
                out |= parents | graph.descendants(ref)
                for parent in parents:
                    out |= graph.children.get(parent, set())
            else:  # a structure type: related artefacts of that type, up or down
                related = graph.descendants(ref) | graph.ancestors(ref)
                out |= {r for r in related if r.type == kind}
    return out - set(matched)


def _apply_detail(
    structures: StructureSet, graph: ReferenceGraph, query: StructureQuery, selection: Selection
) -> None:
    detail = query.detail
    if detail in ("allstubs", "allcompletestubs"):
        kind = "completestub" if detail == "allcompletestubs" else "stub"
        for ref in selection.refs:
            selection.stubs[_key(ref)] = kind
        selection.partial.clear()
    elif detail in ("referencestubs", "referencecompletestubs"):
        kind = "completestub" if detail == "referencecompletestubs" else "stub"
        for ref in selection.referenced:
            selection.stubs[_key(ref)] = kind
    elif detail == "referencepartial":
        used = _items_used(structures, graph, selection.matched)
        for ref in selection.referenced:
            if ref in used and _item_paths(graph.artefacts[ref]):
                selection.partial[_key(ref)] = frozenset(used[ref])


def _items_used(
    structures: StructureSet, graph: ReferenceGraph, matched: list[ArtefactRef]
) -> dict[ArtefactRef, set[str]]:
    """Items of referenced schemes that the matched artefacts use.

    Concepts of the DSDs' components; codes of their codelists, narrowed to
    the codes a dataflow's constraints allow; agencies maintaining what is
    returned; data providers of provision agreements and constraints.
    """
    used: dict[ArtefactRef, set[str]] = defaultdict(set)
    refs = {r: graph.artefacts[r] for r in graph.artefacts}

    def scheme_ref(item: Any) -> ArtefactRef | None:
        try:
            scheme = item.get_scheme()
        except AttributeError:
            return None
        if scheme is None or not rest_type(scheme):
            return None
        from mosy_sdmx.structures.references import ref_of

        ref = ref_of(scheme)
        return ref if ref in refs else None

    for ref in matched:
        artefact = graph.artefacts[ref]
        allowed: dict[str, frozenset[str]] = {}
        dsds = []
        if ref.type == "dataflow":
            if artefact.structure is not None:
                dsds.append(artefact.structure)
            try:
                allowed = structures.allowed_codes(ref.id)
            except Exception:  # a foreign flow without constraints
                allowed = {}
        elif ref.type == "datastructure":
            dsds.append(artefact)
        for dsd in dsds:
            dsd = structures.data_structures.get(dsd.id, dsd)
            for component in _components(dsd):
                concept = getattr(component, "concept_identity", None)
                concept_scheme = scheme_ref(concept) if concept is not None else None
                if concept_scheme is not None:
                    used[concept_scheme].add(concept.id)
                representation = getattr(component, "local_representation", None)
                codelist = getattr(representation, "enumerated", None) if representation else None
                if codelist is not None and rest_type(codelist):
                    from mosy_sdmx.structures.references import ref_of

                    cl_ref = ref_of(codelist)
                    codes = allowed.get(component.id)
                    held = set(_item_paths(refs.get(cl_ref, codelist)))
                    used[cl_ref].update(codes & held if codes is not None else held)
        if ref.type == "provisionagreement" and artefact.data_provider is not None:
            provider_scheme = scheme_ref(artefact.data_provider)
            if provider_scheme is not None:
                used[provider_scheme].add(artefact.data_provider.id)
        used_agency = ref.agency
        for scheme_ref_, scheme in refs.items():
            if scheme_ref_.type == "agencyscheme" and used_agency in _item_paths(scheme):
                used[scheme_ref_].add(used_agency)
    return used


def _components(dsd: Any) -> list[Any]:
    out = []
    for component_list in (dsd.dimensions, dsd.attributes, dsd.measures):
        out.extend(component_list.components)
    return out


def _item_paths(artefact: Any) -> list[str]:
    """Ids of a scheme's items; nested items (categories) as dotted paths."""
    items = getattr(artefact, "items", None)
    if not items:
        return []
    out = []
    for item in items.values():
        parts = [item.id]
        parent = getattr(item, "parent", None)
        # Only categories nest (their id path names them); codes have a flat id.
        while parent is not None and type(parent) is type(item) and _nested(item):
            parts.append(parent.id)
            parent = getattr(parent, "parent", None)
        out.append(".".join(reversed(parts)))
    return out


def _nested(item: Any) -> bool:
    return isinstance(item, common.Category)


def select_schema(
    structures: StructureSet,
    graph: ReferenceGraph,
    target: ArtefactRef,
    *,
    flow: str | None = None,
    provider: str | None = None,
) -> Selection:
    """What a schema query answers in a structure format (REST 2.x ``/schema``).

    The DSD in full, its concept schemes and codelists (codes narrowed to what
    the dataflow's, and the provision agreement's provider's, constraints
    allow), and those constraints themselves, as pysdmx's schema reader and
    FMR expect.
    """
    from mosy_sdmx.structures.references import ref_of

    artefact = graph.artefacts[target]
    if target.type == "datastructure":
        dsd = artefact
    else:
        flow_artefact = graph.artefacts[target] if target.type == "dataflow" else None
        if flow_artefact is None:
            flow_artefact = artefact.structure_usage
        dsd = flow_artefact.structure
    dsd_ref = ref_of(dsd)
    if dsd_ref not in graph.artefacts:
        raise StructureNotFoundError("No data structure", f"{target} refers to no DSD held here")
    dsd = graph.artefacts[dsd_ref]
    selection = Selection(matched=[dsd_ref])
    children = graph.children.get(dsd_ref, set())
    selection.referenced = sorted(r for r in children if r.type in ("conceptscheme", "codelist"))
    allowed = structures.allowed_codes(flow, provider) if flow else {}
    constrained = {dsd_ref, target} | (
        {r for r in graph.parents.get(target, set())} if flow else set()
    )
    constraints = {
        r
        for source in constrained
        for r in graph.parents.get(source, set())
        if r.type == "dataconstraint"
    }
    if provider is not None:
        constraints = {
            r
            for r in constraints
            if not any(t.type == "provisionagreement" for t in graph.children.get(r, set()))
            or target in graph.children.get(r, set())
        }
    selection.referenced += sorted(constraints)
    for component in _components(dsd):
        representation = getattr(component, "local_representation", None)
        codelist = getattr(representation, "enumerated", None) if representation else None
        if codelist is None or component.id not in allowed or not rest_type(codelist):
            continue
        cl_ref = ref_of(codelist)
        held = set(_item_paths(graph.artefacts.get(cl_ref, codelist)))
        key = _key(cl_ref)
        kept = selection.partial.get(key, frozenset()) | (held & allowed[component.id])
        selection.partial[key] = frozenset(kept)
    return selection


def _wanted(path: str, items: tuple[str, ...]) -> bool:
    """A requested item (``A.B``), or an ancestor on the way to one (returned too)."""
    return any(path == item or item.startswith(path + ".") for item in items)


def export_selection(
    structures: StructureSet,
    graph: ReferenceGraph,
    selection: Selection,
    format: StructureFormat | str,
) -> bytes:
    """The selection as one structure message in ``format``."""
    from mosy_sdmx.structures.export import export_artefacts

    artefacts = [graph.artefacts[ref] for ref in selection.refs]
    return export_artefacts(
        artefacts,
        format,
        stubs=selection.stubs,
        partial=selection.partial,
        message=structures.message,
    )
