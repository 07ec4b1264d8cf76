"""SDMX-ML 2.1 structure messages: sdmx1's writer, with its defects repaired.

sdmx1 writes ``isExternalReference="none"`` for unset flags, empty ids on
component lists built in code, only ``textType`` of a text format (facets
such as maxLength are lost), no provision agreements at all and no
constraint attached to one. We let it write the item schemes, structures,
flows and categorisations, repair the tree, and write constraints and
provision agreements ourselves, so the message validates against the
official 2.1 schema.
"""

from __future__ import annotations

from typing import Any

import sdmx
from lxml import etree
from sdmx.message import Header, StructureMessage
from sdmx.model import common as sdmx_common
from sdmx.urn import URN

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import _export_common as c

NS_STR = ns.STRUCTURE_21
NS_COM = ns.COMMON_21
NS_MES = ns.MESSAGE_21
NS_XML = ns.XML
_LIST_IDS = {
    "DimensionList": "DimensionDescriptor",
    "AttributeList": "AttributeDescriptor",
    "MeasureList": "MeasureDescriptor",
}


_q = c.qname


def write_ml21(artefacts: list[Any], header: c.HeaderInfo) -> bytes:
    message = StructureMessage(
        header=Header(
            id=header.id,
            prepared=header.prepared,
            sender=sdmx_common.Agency(id=header.sender),
            test=header.test,
        )
    )
    # sdmx1 writes no provision agreement, nor a constraint attached to one:
    # both are ours, and both come last in the 2.1 schema's sequence.
    ours: dict[str, list] = {"data_constraint": [], "provision_agreement": []}
    for artefact in artefacts:
        kind = c.kind_of(artefact)
        if kind in ours:
            ours[kind].append(artefact)
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
    _repair_enumeration_refs(root)
    structures = root.find(_q(NS_MES, "Structures"))
    for kind, tag, write in (
        ("data_constraint", "Constraints", _constraint),
        ("provision_agreement", "ProvisionAgreements", _provision_agreement),
    ):
        if ours[kind]:
            box = _sub(structures, NS_STR, tag)
            for artefact in ours[kind]:
                write(box, artefact)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _repair_flags(root: etree._Element) -> None:
    """``none`` is what sdmx1 writes for an unset boolean; SDMX means false."""
    for el in root.iter():
        for name in ("isExternalReference", "isFinal", "isPartial"):
            if el.get(name) == "none":
                el.set(name, "false")


def _repair_enumeration_refs(root: etree._Element) -> None:
    """sdmx1 writes a concept's core representation as ``<Enumeration><URN>``.

    Valid, but sdmxthon (2.6) cannot resolve it and fails with KeyError 'Ref';
    the ``<Ref>`` form, which sdmx1 itself uses for local representations, is
    read by every 2.1 tool.
    """
    for enum in root.iter(_q(NS_STR, "Enumeration")):
        urn = enum.find("URN")
        codelist = _codelist_urn(urn.text if urn is not None else None)
        if codelist is None:
            continue
        enum.remove(urn)
        etree.SubElement(
            enum,
            "Ref",
            {
                "id": codelist.id,
                "version": codelist.version,
                "agencyID": codelist.agency,
                "package": "codelist",
                "class": "Codelist",
            },
        )


def _codelist_urn(text: str | None) -> URN | None:
    """The parsed URN of a whole codelist (not of one of its codes), else None."""
    try:
        urn = URN((text or "").strip())
    except ValueError:
        return None
    whole = urn.klass == "Codelist" and not urn.item_id
    return urn if whole and urn.agency and urn.id and urn.version else None


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
        scheme = by_key.get(("concept_scheme", el.get("agencyID"), el.get("id"), el.get("version")))
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


_sub = c.sub


def _maintainable(box: etree._Element, artefact: Any, tag: str, **extra) -> etree._Element:
    urn = c.maintainable_urn(artefact).replace(".DataConstraint=", ".ContentConstraint=", 1)
    el = _sub(
        box,
        NS_STR,
        tag,
        urn=urn,
        isExternalReference="false",
        agencyID=c.agency_of(artefact),
        id=artefact.id,
        isFinal=str(bool(artefact.is_final)).lower(),
        version=c.version_of(artefact),
        **extra,
    )
    c.write_xml_annotations(el, artefact, NS_COM)
    for lang, text in (c.localisations(artefact.name) or {"en": artefact.id}).items():
        _sub(el, NS_COM, "Name", text).set(_q(NS_XML, "lang"), lang)
    for lang, text in c.localisations(artefact.description).items():
        _sub(el, NS_COM, "Description", text).set(_q(NS_XML, "lang"), lang)
    return el


def _ref(parent: etree._Element, tag: str, target: Any) -> None:
    """A <Ref> (2.1 reference by parts) to a maintainable or an item."""
    holder = _sub(parent, NS_STR, tag)
    if type(target) in c.MAINTAINABLES:
        _, package, cls = c.MAINTAINABLES[type(target)]
        _sub(
            holder,
            None,
            "Ref",
            agencyID=c.agency_of(target),
            id=target.id,
            version=c.version_of(target),
            package=package,
            **{"class": "ContentConstraint" if cls == "DataConstraint" else cls},
        )
        return
    scheme = target.get_scheme()
    package, cls = c.ITEMS[type(target)]
    _sub(
        holder,
        None,
        "Ref",
        agencyID=c.agency_of(scheme),
        maintainableParentID=scheme.id,
        maintainableParentVersion=c.version_of(scheme),
        id=target.id,
        package=package,
        **{"class": cls},
    )


def _provision_agreement(box: etree._Element, pa: Any) -> None:
    el = _maintainable(box, pa, "ProvisionAgreement")
    _ref(el, "StructureUsage", pa.structure_usage)
    _ref(el, "DataProvider", pa.data_provider)


_ATTACHMENT_TAGS = {
    "dataflow": "Dataflow",
    "data_structure": "DataStructure",
    "provision_agreement": "ProvisionAgreement",
}


def _constraint(box: etree._Element, constraint: Any) -> None:
    el = _maintainable(box, constraint, "ContentConstraint", type=c.constraint_role(constraint))
    attached = c.constraint_attachments(constraint)
    if attached:
        holder = _sub(el, NS_STR, "ConstraintAttachment")
        for target in attached:
            if isinstance(target, sdmx_common.DataProvider):
                _ref(holder, "DataProvider", target)
            elif c.kind_of(target) in _ATTACHMENT_TAGS:
                _ref(holder, _ATTACHMENT_TAGS[c.kind_of(target)], target)
    c.write_data_key_set(el, constraint, NS_STR, NS_COM)
    for region in constraint.data_content_region:
        cr = _sub(el, NS_STR, "CubeRegion", include=str(c.as_bool(region.included)).lower())
        members = list(region.member.items())
        # KeyValue (dimensions) before Attribute, as the 2.1 schema orders them
        members.sort(key=lambda m: not isinstance(m[0], sdmx_common.DimensionComponent))
        for comp, selection in members:
            is_dim = isinstance(comp, sdmx_common.DimensionComponent)
            sel = _sub(cr, NS_COM, "KeyValue" if is_dim else "Attribute", id=comp.id)
            if not c.as_bool(getattr(selection, "included", True)):
                sel.set("include", "false")
            for value in c.member_values(selection):
                _sub(sel, NS_COM, "Value", value)
