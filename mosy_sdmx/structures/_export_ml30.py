"""SDMX-ML 3.0 structure messages from sdmx1 model objects.

sdmx1 writes SDMX-ML 2.1 only, so this is our own writer, shaped after the
official 3.0 samples: references are URNs, organisation schemes carry no
version, constraints are DataConstraints, attributes say ``usage``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import etree
from sdmx.model import common

from mosy_sdmx import namespaces as ns
from mosy_sdmx.structures import _export_common as c

NS_MES = ns.MESSAGE_30
NS_STR = ns.STRUCTURE_30
NS_COM = ns.COMMON_30
NS_XML = ns.XML
NSMAP = {"mes": NS_MES, "str": NS_STR, "com": NS_COM}

_CONTAINERS = {
    "agency_scheme": ("AgencySchemes", "AgencyScheme", "Agency"),
    "data_provider_scheme": ("DataProviderSchemes", "DataProviderScheme", "DataProvider"),
    "data_consumer_scheme": ("DataConsumerSchemes", "DataConsumerScheme", "DataConsumer"),
    "category_scheme": ("CategorySchemes", "CategoryScheme", "Category"),
    "codelist": ("Codelists", "Codelist", "Code"),
    "concept_scheme": ("ConceptSchemes", "ConceptScheme", "Concept"),
    "data_structure": ("DataStructures", "DataStructure", None),
    "dataflow": ("Dataflows", "Dataflow", None),
    "categorisation": ("Categorisations", "Categorisation", None),
    "provision_agreement": ("ProvisionAgreements", "ProvisionAgreement", None),
    "data_constraint": ("DataConstraints", "DataConstraint", None),
}
_NCNAME_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
log = logging.getLogger(__name__)
_ORGANISATION_SCHEMES = {"agency_scheme", "data_provider_scheme", "data_consumer_scheme"}


_q = c.qname


_sub = c.sub


def write_ml30(artefacts: list[Any], header: c.HeaderInfo) -> bytes:
    root = etree.Element(_q(NS_MES, "Structure"), nsmap=NSMAP)
    head = _sub(root, NS_MES, "Header")
    _sub(head, NS_MES, "ID", header.id)
    _sub(head, NS_MES, "Test", str(header.test).lower())
    _sub(head, NS_MES, "Prepared", header.prepared_text)
    _sub(head, NS_MES, "Sender", id=header.sender)
    structures = _sub(root, NS_MES, "Structures")
    containers: dict[str, etree._Element] = {}
    for artefact in artefacts:
        kind = c.kind_of(artefact)
        outer, tag, _ = _CONTAINERS[kind]
        if kind not in containers:
            containers[kind] = _sub(structures, NS_STR, outer)
        _WRITERS[kind](containers[kind], artefact, tag)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- base types ------------------------------------------------------------------


def _annotations(parent: etree._Element, obj: Any) -> None:
    c.write_xml_annotations(parent, obj, NS_COM)


def _names(parent: etree._Element, obj: Any) -> None:
    names = c.localisations(obj.name) or {"en": obj.id}
    for lang, text in names.items():
        _sub(parent, NS_COM, "Name", text).set(_q(NS_XML, "lang"), lang)
    for lang, text in c.localisations(getattr(obj, "description", None)).items():
        _sub(parent, NS_COM, "Description", text).set(_q(NS_XML, "lang"), lang)


def _maintainable(container: etree._Element, artefact: Any, tag: str, **extra) -> etree._Element:
    kind = c.kind_of(artefact)
    attrib = {
        "urn": c.maintainable_urn(artefact),
        "isExternalReference": "false",
        "agencyID": c.agency_of(artefact),
        "id": artefact.id,
        "version": None if kind in _ORGANISATION_SCHEMES else c.version_of(artefact),
    }
    if artefact.valid_from:
        attrib["validFrom"] = str(artefact.valid_from)
    if artefact.valid_to:
        attrib["validTo"] = str(artefact.valid_to)
    el = _sub(container, NS_STR, tag, **attrib, **extra)
    _annotations(el, artefact)
    _names(el, artefact)
    return el


# -- item schemes ----------------------------------------------------------------


def _item_scheme(container: etree._Element, scheme: Any, tag: str) -> None:
    kind = c.kind_of(scheme)
    item_tag = _CONTAINERS[kind][2]
    extra = {"isPartial": "true"} if getattr(scheme, "is_partial", None) else {}
    el = _maintainable(container, scheme, tag, **extra)
    nested = kind == "category_scheme"
    dropped: list[str] = []
    for item in scheme.items.values():
        if nested and not c.is_top_level(item):
            continue
        _item(el, item, item_tag, nested, kind, dropped)
    if dropped:
        log.warning(
            "SDMX-ML 3.0 cannot state the parent of %d items of %s (%s...): the parent "
            "id is not an NCName",
            len(dropped),
            scheme.id,
            ", ".join(dropped[:3]),
        )


def _item(
    parent: etree._Element, item: Any, tag: str, nested: bool, kind: str, dropped: list[str]
) -> None:
    el = _sub(parent, NS_STR, tag, id=item.id)
    _annotations(el, item)
    _names(el, item)
    if nested:
        for child in c.children(item):
            _item(el, child, tag, nested, kind, dropped)
        return
    parent_id = c.parent_id(item)
    if parent_id and kind not in _ORGANISATION_SCHEMES:
        # SDMX-ML 3.0.0 types Code/Parent as an NCName-like id, so a parent such as
        # "_T" cannot be written (SDMX-ML 2.1 and SDMX-JSON 2.0 keep it).
        if _NCNAME_ID.fullmatch(parent_id):
            _sub(el, NS_STR, "Parent", parent_id)
        else:
            dropped.append(item.id)
    if kind == "concept_scheme" and getattr(item, "core_representation", None):
        _representation(el, item.core_representation, "CoreRepresentation")
    if kind in _ORGANISATION_SCHEMES:
        for contact in getattr(item, "contact", []) or []:
            _contact(el, contact)


def _contact(parent: etree._Element, contact: Any) -> None:
    el = _sub(parent, NS_STR, "Contact")
    for lang, text in c.localisations(contact.name).items():
        _sub(el, NS_COM, "Name", text).set(_q(NS_XML, "lang"), lang)
    for lang, text in c.localisations(contact.org_unit).items():
        _sub(el, NS_STR, "Department", text).set(_q(NS_XML, "lang"), lang)
    for lang, text in c.localisations(contact.responsibility).items():
        _sub(el, NS_STR, "Role", text).set(_q(NS_XML, "lang"), lang)
    if contact.telephone:
        _sub(el, NS_STR, "Telephone", contact.telephone)
    for value in contact.fax:
        _sub(el, NS_STR, "Fax", value)
    for value in contact.uri:
        _sub(el, NS_STR, "URI", value)
    for value in contact.email:
        _sub(el, NS_STR, "Email", value)


def _representation(parent: etree._Element, rep: Any, tag: str, **attrib) -> None:
    codelist = c.enumeration(rep)
    fmt = c.text_format(rep)
    if codelist is None and fmt is None:
        return
    el = _sub(parent, NS_STR, tag, **attrib)
    if codelist is not None:
        _sub(el, NS_STR, "Enumeration", c.maintainable_urn(codelist))
        return
    fattrib = {"textType": fmt.text_type} if fmt.text_type else {}
    fattrib.update({k: c.facet_text(v) for k, v in fmt.facets.items()})
    _sub(el, NS_STR, "TextFormat", **fattrib)


# -- data structures -------------------------------------------------------------


def _component(parent: etree._Element, comp: Any, tag: str, dsd_urn: str, **attrib):
    cls = {"Dimension": "Dimension", "TimeDimension": "TimeDimension"}.get(tag, tag)
    urn_cls = {"Attribute": "DataAttribute"}.get(cls, cls)
    el = _sub(
        parent,
        NS_STR,
        tag,
        urn=dsd_urn.replace(".DataStructure=", f".{urn_cls}=", 1) + f".{comp.id}",
        id=comp.id,
        **attrib,
    )
    _annotations(el, comp)
    if comp.concept_identity is not None:
        _sub(el, NS_STR, "ConceptIdentity", c.ref_urn(comp.concept_identity))
    return el


def _data_structure(container: etree._Element, dsd: Any, tag: str) -> None:
    el = _maintainable(container, dsd, tag)
    urn = c.maintainable_urn(dsd)
    comps = _sub(el, NS_STR, "DataStructureComponents")
    dim_list = _sub(
        comps,
        NS_STR,
        "DimensionList",
        urn=urn.replace(".DataStructure=", ".DimensionDescriptor=", 1) + ".DimensionDescriptor",
        id="DimensionDescriptor",
    )
    position = 0
    for dim in dsd.dimensions.components:
        if c.is_time_dimension(dim):
            d = _component(dim_list, dim, "TimeDimension", urn)
        else:
            position += 1
            d = _component(dim_list, dim, "Dimension", urn, position=str(position))
        _representation(d, dim.local_representation, "LocalRepresentation")
    for group in dsd.group_dimensions.values():
        g = _sub(
            comps,
            NS_STR,
            "Group",
            urn=urn.replace(".DataStructure=", ".GroupDimensionDescriptor=", 1) + f".{group.id}",
            id=group.id,
        )
        _annotations(g, group)
        for dim in group.components:
            _sub(_sub(g, NS_STR, "GroupDimension"), NS_STR, "DimensionReference", dim.id)
    attributes = list(dsd.attributes.components)
    if attributes:
        alist = _sub(
            comps,
            NS_STR,
            "AttributeList",
            urn=urn.replace(".DataStructure=", ".AttributeDescriptor=", 1) + ".AttributeDescriptor",
            id="AttributeDescriptor",
        )
        for attr in attributes:
            usage = "mandatory" if c.is_mandatory(attr) else "optional"
            a = _component(alist, attr, "Attribute", urn, usage=usage)
            _representation(a, attr.local_representation, "LocalRepresentation")
            _attribute_relationship(a, c.attachment(attr))
    measures = list(dsd.measures.components)
    if measures:
        mlist = _sub(
            comps,
            NS_STR,
            "MeasureList",
            urn=urn.replace(".DataStructure=", ".MeasureDescriptor=", 1) + ".MeasureDescriptor",
            id="MeasureDescriptor",
        )
        for measure in measures:
            m = _component(mlist, measure, "Measure", urn)
            _representation(m, measure.local_representation, "LocalRepresentation")


def _attribute_relationship(parent: etree._Element, att: c.Attachment) -> None:
    rel = _sub(parent, NS_STR, "AttributeRelationship")
    if att.level == "dataflow":
        _sub(rel, NS_STR, "Dataflow")
    elif att.level == "observation":
        _sub(rel, NS_STR, "Observation")
    elif att.level == "group":
        _sub(rel, NS_STR, "Group", att.group)
    else:
        for dim in att.dimensions:
            _sub(rel, NS_STR, "Dimension", dim)


# -- usages, categorisations, constraints ---------------------------------------------


def _dataflow(container: etree._Element, flow: Any, tag: str) -> None:
    el = _maintainable(container, flow, tag)
    if flow.structure is not None:
        _sub(el, NS_STR, "Structure", c.maintainable_urn(flow.structure))


def _provision_agreement(container: etree._Element, pa: Any, tag: str) -> None:
    el = _maintainable(container, pa, tag)
    _sub(el, NS_STR, "Dataflow", c.maintainable_urn(pa.structure_usage))
    _sub(el, NS_STR, "DataProvider", c.item_urn(pa.data_provider))


def _categorisation(container: etree._Element, cat: Any, tag: str) -> None:
    el = _maintainable(container, cat, tag)
    _sub(el, NS_STR, "Source", c.ref_urn(cat.artefact))
    _sub(el, NS_STR, "Target", c.item_urn(cat.category))


def _data_constraint(container: etree._Element, constraint: Any, tag: str) -> None:
    el = _maintainable(container, constraint, tag, role=c.constraint_role(constraint))
    attached = c.constraint_attachments(constraint)
    if attached:
        box = _sub(el, NS_STR, "ConstraintAttachment")
        for target in attached:
            kind = c.kind_of(target)
            name = {
                "dataflow": "Dataflow",
                "data_structure": "DataStructure",
                "provision_agreement": "ProvisionAgreement",
            }.get(kind)
            if name is None and isinstance(target, common.DataProvider):
                _sub(box, NS_STR, "DataProvider", c.item_urn(target))
            elif name is not None:
                _sub(box, NS_STR, name, c.maintainable_urn(target))
    c.write_data_key_set(el, constraint, NS_STR, NS_STR)
    for region in constraint.data_content_region:
        cr = _sub(el, NS_STR, "CubeRegion", include=str(c.as_bool(region.included)).lower())
        for comp, selection in region.member.items():
            is_dim = isinstance(comp, c.common.DimensionComponent)
            sel = _sub(cr, NS_STR, "KeyValue" if is_dim else "Component", id=comp.id)
            if not c.as_bool(getattr(selection, "included", True)):
                sel.set("include", "false")
            for value in c.member_values(selection):
                _sub(sel, NS_STR, "Value", value)


_WRITERS = {
    "agency_scheme": _item_scheme,
    "data_provider_scheme": _item_scheme,
    "data_consumer_scheme": _item_scheme,
    "category_scheme": _item_scheme,
    "codelist": _item_scheme,
    "concept_scheme": _item_scheme,
    "data_structure": _data_structure,
    "dataflow": _dataflow,
    "categorisation": _categorisation,
    "provision_agreement": _provision_agreement,
    "data_constraint": _data_constraint,
}
