"""SDMX-ML 2.1 structure messages: sdmx1's writer, with its defects repaired.

sdmx1 writes ``isExternalReference="none"`` for unset flags, empty ids on
component lists built in code, only ``textType`` of a text format (facets
such as maxLength are lost) and no provision agreements at all. We let it
write what it can, then repair the tree and add the provision agreements, so
the message validates against the official 2.1 schema.
"""

from __future__ import annotations

from typing import Any

import sdmx
from lxml import etree
from sdmx.message import Header, StructureMessage
from sdmx.model import common as sdmx_common

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import _export_common as c

NS_STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
NS_COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
NS_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
NS_XML = "http://www.w3.org/XML/1998/namespace"
_LIST_IDS = {
    "DimensionList": "DimensionDescriptor",
    "AttributeList": "AttributeDescriptor",
    "MeasureList": "MeasureDescriptor",
}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def write_ml21(artefacts: list[Any], header: c.HeaderInfo) -> bytes:
    message = StructureMessage(
        header=Header(
            id=header.id,
            prepared=header.prepared,
            sender=sdmx_common.Agency(id=header.sender),
            test=header.test,
        )
    )
    agreements = []
    for artefact in artefacts:
        if c.kind_of(artefact) == "provision_agreement":
            agreements.append(artefact)  # sdmx1 has no writer for these
        else:
            message.add(artefact)
    try:
        raw = sdmx.to_xml(message)
    except Exception as exc:  # sdmx1 refuses some SDMX 3.0-only objects
        raise StructureError(
            "Cannot write SDMX-ML 2.1",
            f"sdmx1 could not write these structures: {type(exc).__name__}: {exc}",
        ) from None
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    _repair_flags(root)
    _repair_list_ids(root)
    _repair_text_formats(root, artefacts)
    if agreements:
        structures = root.find(_q(NS_MES, "Structures"))
        box = etree.SubElement(structures, _q(NS_STR, "ProvisionAgreements"))
        for pa in agreements:
            _provision_agreement(box, pa)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _repair_flags(root: etree._Element) -> None:
    """``none`` is what sdmx1 writes for an unset boolean; SDMX means false."""
    for el in root.iter():
        for name in ("isExternalReference", "isFinal", "isPartial"):
            if el.get(name) == "none":
                el.set(name, "false")


def _repair_list_ids(root: etree._Element) -> None:
    for local, fixed in _LIST_IDS.items():
        for el in root.iter(_q(NS_STR, local)):
            if not el.get("id"):
                el.set("id", fixed)
            if el.get("urn", "x") == "":
                del el.attrib["urn"]


def _repair_text_formats(root: etree._Element, artefacts: list[Any]) -> None:
    """Put back the facets (maxLength, minValue, ...) sdmx1 drops."""
    by_key = {
        (c.kind_of(a), c.agency_of(a), a.id, c.version_of(a)): a
        for a in artefacts
        if c.kind_of(a) in ("data_structure", "concept_scheme")
    }
    for el in root.iter(_q(NS_STR, "DataStructure")):
        dsd = by_key.get(("data_structure", el.get("agencyID"), el.get("id"), el.get("version")))
        if dsd is None:
            continue
        components = {
            comp.id: comp
            for clist in (dsd.dimensions, dsd.attributes, dsd.measures)
            for comp in clist.components
        }
        for rep in el.iter(_q(NS_STR, "LocalRepresentation")):
            comp = components.get(rep.getparent().get("id"))
            if comp is not None:
                _set_facets(rep, comp.local_representation)
    for el in root.iter(_q(NS_STR, "ConceptScheme")):
        scheme = by_key.get(
            ("concept_scheme", el.get("agencyID"), el.get("id"), el.get("version"))
        )
        if scheme is None:
            continue
        for rep in el.iter(_q(NS_STR, "CoreRepresentation")):
            concept = scheme.items.get(rep.getparent().get("id"))
            if concept is not None:
                _set_facets(rep, concept.core_representation)


def _set_facets(rep_el: etree._Element, representation: Any) -> None:
    fmt = c.text_format(representation)
    text_el = rep_el.find(_q(NS_STR, "TextFormat"))
    if fmt is None or text_el is None:
        return
    for name, value in fmt.facets.items():
        text_el.set(name, c.facet_text(value))


def _provision_agreement(box: etree._Element, pa: Any) -> None:
    el = etree.SubElement(
        box,
        _q(NS_STR, "ProvisionAgreement"),
        {
            "urn": f"urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement="
            f"{c.agency_of(pa)}:{pa.id}({c.version_of(pa)})",
            "isExternalReference": "false",
            "agencyID": c.agency_of(pa),
            "id": pa.id,
            "isFinal": str(bool(pa.is_final)).lower(),
            "version": c.version_of(pa),
        },
    )
    names = c.localisations(pa.name) or {"en": pa.id}
    for lang, text in names.items():
        name_el = etree.SubElement(el, _q(NS_COM, "Name"))
        name_el.text = text
        name_el.set(_q(NS_XML, "lang"), lang)
    for lang, text in c.localisations(pa.description).items():
        desc_el = etree.SubElement(el, _q(NS_COM, "Description"))
        desc_el.text = text
        desc_el.set(_q(NS_XML, "lang"), lang)
    flow = pa.structure_usage
    usage = etree.SubElement(etree.SubElement(el, _q(NS_STR, "StructureUsage")), "Ref")
    usage.attrib.update(
        {
            "agencyID": c.agency_of(flow),
            "id": flow.id,
            "version": c.version_of(flow),
            "package": "datastructure",
            "class": "Dataflow",
        }
    )
    provider = pa.data_provider
    scheme = provider.get_scheme()
    ref = etree.SubElement(etree.SubElement(el, _q(NS_STR, "DataProvider")), "Ref")
    ref.attrib.update(
        {
            "agencyID": c.agency_of(scheme),
            "maintainableParentID": scheme.id,
            "maintainableParentVersion": c.version_of(scheme),
            "id": provider.id,
            "package": "base",
            "class": "DataProvider",
        }
    )
