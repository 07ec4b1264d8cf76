"""Stubs and partial item schemes, cut from a full structure message.

SDMX REST's ``detail`` asks for some artefacts as stubs (identification and
name), complete stubs (plus description and annotations) or partial item
schemes (only some items, ``isPartial="true"``). The serializers write every
artefact in full; this module then trims the artefacts named, in the
message's tree (SDMX-ML 2.1 and 3.0 alike) or its JSON (SDMX-JSON 2.0), so
that the three formats cannot disagree on what a stub holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

#: Container element / JSON collection -> REST type, for every format we write.
_XML_TYPES = {
    "AgencyScheme": "agencyscheme",
    "DataProviderScheme": "dataproviderscheme",
    "DataConsumerScheme": "dataconsumerscheme",
    "CategoryScheme": "categoryscheme",
    "Codelist": "codelist",
    "ConceptScheme": "conceptscheme",
    "DataStructure": "datastructure",
    "Dataflow": "dataflow",
    "Categorisation": "categorisation",
    "ProvisionAgreement": "provisionagreement",
    "ContentConstraint": "dataconstraint",
    "DataConstraint": "dataconstraint",
}
_JSON_TYPES = {
    "agencySchemes": ("agencyscheme", "agencies"),
    "dataProviderSchemes": ("dataproviderscheme", "dataProviders"),
    "dataConsumerSchemes": ("dataconsumerscheme", "dataConsumers"),
    "categorySchemes": ("categoryscheme", "categories"),
    "codelists": ("codelist", "codes"),
    "conceptSchemes": ("conceptscheme", "concepts"),
    "dataStructures": ("datastructure", None),
    "dataflows": ("dataflow", None),
    "categorisations": ("categorisation", None),
    "provisionAgreements": ("provisionagreement", None),
    "dataConstraints": ("dataconstraint", None),
}
_STUB_KEEP = {"Name"}
_COMPLETE_KEEP = {"Name", "Description", "Annotations"}
#: References the official schemas require even of a stub (SDMX-ML 2.1 and 3.0).
_STUB_REQUIRED = {
    "ProvisionAgreement": {"StructureUsage", "Dataflow", "DataProvider"},
    "Categorisation": {"Source", "Target"},
}
_JSON_ID = ("id", "agencyID", "version", "urn", "uri", "isExternalReference")
_JSON_STUB = (*_JSON_ID, "name", "names")
_JSON_COMPLETE = (*_JSON_STUB, "description", "descriptions", "annotations")

Key = tuple[str, str, str, str]


def trim_xml(
    message: bytes, stubs: Mapping[Key, str], partial: Mapping[Key, frozenset[str]]
) -> bytes:
    """Cut stubs and partial item schemes out of an SDMX-ML structure message."""
    if not stubs and not partial:
        return message
    root = etree.fromstring(message, etree.XMLParser(resolve_entities=False, no_network=True))
    # Message > Structures > container > artefact: artefacts sit at depth 3.
    artefacts = [
        element
        for structures in root
        if isinstance(structures.tag, str) and etree.QName(structures).localname == "Structures"
        for box in structures
        for element in box
        if isinstance(element.tag, str)
    ]
    for element in artefacts:
        kind = _XML_TYPES.get(etree.QName(element).localname)
        if kind is None or element.get("agencyID") is None:
            continue
        key = (kind, element.get("agencyID"), element.get("id"), element.get("version", "1.0"))
        if key in stubs:
            keep = _COMPLETE_KEEP if stubs[key] == "completestub" else _STUB_KEEP
            keep = keep | _STUB_REQUIRED.get(etree.QName(element).localname, set())
            for child in list(element):
                if not isinstance(child.tag, str) or etree.QName(child).localname not in keep:
                    element.remove(child)
            element.set("isExternalReference", "true")
            if "isPartial" in element.attrib:
                del element.attrib["isPartial"]
        elif key in partial:
            wanted = partial[key]
            for child in list(element):
                item_id = child.get("id") if isinstance(child.tag, str) else None
                if item_id is not None and _is_item(child) and not _keeps(child, wanted):
                    element.remove(child)
            element.set("isPartial", "true")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _is_item(element: etree._Element) -> bool:
    return etree.QName(element).localname in (
        "Code",
        "Concept",
        "Agency",
        "DataProvider",
        "DataConsumer",
        "Category",
    )


def _keeps(element: etree._Element, wanted: frozenset[str], prefix: str = "") -> bool:
    """Keep an item that is wanted, or a nested item (category) on the way to one."""
    path = prefix + element.get("id")
    if path in wanted:
        for child in list(element):
            if isinstance(child.tag, str) and _is_item(child):
                element.remove(child)  # children of a wanted item are not returned
        return True
    kept = False
    for child in list(element):
        if isinstance(child.tag, str) and _is_item(child):
            if _keeps(child, wanted, path + "."):
                kept = True
            else:
                element.remove(child)
    return kept


def trim_json(
    message: dict[str, Any], stubs: Mapping[Key, str], partial: Mapping[Key, frozenset[str]]
) -> dict[str, Any]:
    """Cut stubs and partial item schemes out of an SDMX-JSON 2.0 structure message."""
    for collection, entries in (message.get("data") or {}).items():
        kind, items_name = _JSON_TYPES.get(collection, (None, None))
        if kind is None:
            continue
        for index, entry in enumerate(entries):
            key = (kind, entry.get("agencyID"), entry.get("id"), entry.get("version", "1.0"))
            if key in stubs:
                keep = _JSON_COMPLETE if stubs[key] == "completestub" else _JSON_STUB
                trimmed = {k: v for k, v in entry.items() if k in keep}
                trimmed["isExternalReference"] = True
                entries[index] = trimmed
            elif key in partial and items_name:
                entry[items_name] = _json_items(entry.get(items_name, []), partial[key])
                entry["isPartial"] = True
    return message


def _json_items(items: list[dict], wanted: frozenset[str], prefix: str = "") -> list[dict]:
    out = []
    for item in items:
        path = prefix + item.get("id", "")
        if path in wanted:
            out.append({k: v for k, v in item.items() if k != "categories"})
        elif item.get("categories"):
            nested = _json_items(item["categories"], wanted, path + ".")
            if nested:
                out.append({**item, "categories": nested})
    return out
