"""The structure browser: dataflows → data structure → concepts and codelists.

Every artefact page shows its names in every language held and links to the
artefact's SDMX REST URLs in each format (``links.structure_links``). Search
(``?q=``) runs the library's ``mosy_sdmx.structures.search`` over ids and
names of artefacts and their items.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sdmx.model.common import TimeDimension
from starlette.responses import Response

from mosy_sdmx.structures.references import ArtefactRef, ref_of
from mosy_sdmx.structures.search import search
from registry.deps import StructuresDep
from registry.errors import ApiError
from registry.portal.identity import identify
from registry.portal.links import artefact_path, structure_links
from registry.portal.rendering import language, localised, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

#: Sections of the index page, in order: (REST type, heading).
SECTIONS = (
    ("dataflow", "Dataflows"),
    ("datastructure", "Data structures"),
    ("codelist", "Codelists"),
    ("conceptscheme", "Concept schemes"),
    ("dataproviderscheme", "Data providers"),
    ("agencyscheme", "Agencies"),
    ("categoryscheme", "Category schemes"),
    ("provisionagreement", "Provision agreements"),
    ("dataconstraint", "Constraints"),
    ("categorisation", "Categorisations"),
)
TYPE_NAMES = dict(SECTIONS)
MAX_QUERY = 200


def _languages(artefact, items=()) -> list[str]:
    """Languages the artefact's (and its items') names are held in, English first."""
    held = set(getattr(artefact.name, "localizations", {}) or {})
    for item in items:
        held |= set(getattr(item.name, "localizations", {}) or {})
    return sorted(held, key=lambda tag: (tag != "en", tag))


@router.get("/structures")
def structure_index(request: Request, view: StructuresDep, q: str = "") -> Response:
    lang = language(request)
    q = q.strip()[:MAX_QUERY]
    sections: dict[str, list[dict]] = {kind: [] for kind, _ in SECTIONS}
    for artefact in view.structures.artefacts():
        try:
            ref = ref_of(artefact)
        except TypeError:
            continue
        sections.setdefault(ref.type, []).append(
            {"ref": ref, "name": localised(artefact.name, lang), "path": artefact_path(ref)}
        )
    matches = []
    if q:
        for match in search(view.structures, q):
            page = artefact_path(match.ref)
            matches.append(
                {
                    "ref": match.ref,
                    "item": match.item,
                    "name": match.names.get(lang) or match.names.get("en") or "",
                    "other_names": {k: v for k, v in match.names.items() if k != lang},
                    "path": page + (f"#item-{match.item}" if match.item else ""),
                    "kind": TYPE_NAMES.get(match.ref.type, match.ref.type),
                }
            )
    groups = [
        (kind, TYPE_NAMES.get(kind, kind), sorted(entries, key=lambda e: e["ref"]))
        for kind, entries in sections.items()
        if entries and kind in TYPE_NAMES
    ]
    return render(
        request,
        "structures.html",
        {"q": q, "matches": matches, "groups": groups, "searched": bool(q)},
    )


@router.get("/structures/{kind}/{agency}/{artefact_id}/{version}")
def artefact_page(
    request: Request, view: StructuresDep, kind: str, agency: str, artefact_id: str, version: str
) -> Response:
    ref = ArtefactRef(kind, agency, artefact_id, version)
    artefact = _find(view, ref)
    lang = language(request)
    context: dict = {
        "ref": ref,
        "kind": TYPE_NAMES.get(kind, kind).rstrip("s"),
        "artefact": artefact,
        "name": localised(artefact.name, lang) or artefact.id,
        "names": _all_names(artefact),
        "description": localised(getattr(artefact, "description", None), lang),
        "links": structure_links(ref),
        "is_final": getattr(artefact, "is_final", None),
    }
    if kind == "dataflow":
        context.update(_dataflow(view, artefact, lang))
    elif kind == "datastructure":
        context["components"] = _components(artefact, lang)
    items = getattr(artefact, "items", None)
    if isinstance(items, dict):
        values = list(items.values())
        context["item_languages"] = _languages(artefact, values)
        context["items"] = [
            {
                "id": item.id,
                "names": _all_names(item),
                "parent": _parent(item),
                "description": localised(getattr(item, "description", None), lang),
            }
            for item in values
        ]
    return render(request, "artefact.html", context)


def _find(view, ref: ArtefactRef):
    for artefact in view.structures.artefacts():
        try:
            if ref_of(artefact) == ref:
                return artefact
        except TypeError:
            continue
    raise ApiError(
        404,
        "No such structure",
        f"the registry holds no {ref.type} {ref.agency}:{ref.id}({ref.version}); "
        "search the structures or browse them from /structures",
    )


def _all_names(artefact) -> dict[str, str]:
    values = getattr(getattr(artefact, "name", None), "localizations", None) or {}
    return dict(sorted(values.items(), key=lambda kv: (kv[0] != "en", kv[0])))


def _parent(item) -> str | None:
    parent = getattr(item, "parent", None)
    return parent.id if parent is not None and hasattr(parent, "parent") else None


def _dataflow(view, flow, lang: str) -> dict:
    structures = view.structures
    dsd = flow.structure
    return {
        "public": structures.is_public(flow.id),
        "dsd": {
            "ref": ref_of(dsd),
            "path": artefact_path(ref_of(dsd)),
            "name": localised(dsd.name, lang) or dsd.id,
        }
        if dsd is not None
        else None,
    }


def _components(dsd, lang: str) -> list[dict]:
    rows = []
    for role, group in (
        ("Dimension", dsd.dimensions),
        ("Measure", dsd.measures),
        ("Attribute", dsd.attributes),
    ):
        for component in group.components:
            concept = component.concept_identity
            representation = component.local_representation
            codelist = getattr(representation, "enumerated", None) if representation else None
            kind = "Time dimension" if isinstance(component, TimeDimension) else role
            usage = getattr(component, "usage_status", None)
            rows.append(
                {
                    "id": component.id,
                    "role": kind,
                    "concept": localised(concept.name, lang) if concept is not None else "",
                    "codelist": ref_of(codelist) if codelist is not None else None,
                    "codelist_path": artefact_path(ref_of(codelist))
                    if codelist is not None
                    else None,
                    "usage": usage.name if usage is not None else "",
                }
            )
    return rows
