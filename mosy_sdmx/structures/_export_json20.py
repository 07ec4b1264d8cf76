"""SDMX-JSON 2.0 structure messages from sdmx1 model objects.

Mirrors the SDMX-ML 3.0 writer field for field (same URNs, same attachment
rules) in the JSON shape of the official 2.0.0 schema and samples.
"""

from __future__ import annotations

import json
from typing import Any

from sdmx.model import common

from mosy_sdmx.structures import _export_common as c

SCHEMA_URL = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/"
    "structure-message/tools/schemas/2.0.0/sdmx-json-structure-schema.json"
)

_CONTAINERS = {
    "agency_scheme": ("agencySchemes", "agencies"),
    "data_provider_scheme": ("dataProviderSchemes", "dataProviders"),
    "data_consumer_scheme": ("dataConsumerSchemes", "dataConsumers"),
    "category_scheme": ("categorySchemes", "categories"),
    "codelist": ("codelists", "codes"),
    "concept_scheme": ("conceptSchemes", "concepts"),
    "data_structure": ("dataStructures", None),
    "dataflow": ("dataflows", None),
    "categorisation": ("categorisations", None),
    "provision_agreement": ("provisionAgreements", None),
    "data_constraint": ("dataConstraints", None),
}
_ORGANISATION_SCHEMES = {"agency_scheme", "data_provider_scheme", "data_consumer_scheme"}
#: Facets the JSON schema wants as integers >= 1 (0 or less is left out).
_POSITIVE_INT = {"minLength", "maxLength", "decimals"}


def write_json20(artefacts: list[Any], header: c.HeaderInfo) -> bytes:
    data: dict[str, list] = {}
    for artefact in artefacts:
        kind = c.kind_of(artefact)
        data.setdefault(_CONTAINERS[kind][0], []).append(_WRITERS[kind](artefact))
    message = {
        "meta": {
            "schema": SCHEMA_URL,
            "id": header.id,
            "test": header.test,
            "prepared": header.prepared_text,
            "contentLanguages": c.languages(artefacts),
            "sender": {"id": header.sender},
        },
        "data": data,
    }
    return json.dumps(message, ensure_ascii=False, indent=1).encode("utf-8")


# -- base types ------------------------------------------------------------------


def _texts(out: dict, obj: Any, single: str, plural: str, fallback: str | None = None) -> None:
    texts = c.localisations(getattr(obj, single, None))
    if not texts and fallback is not None:
        texts = {"en": fallback}
    if texts:
        out[single] = c.best_text(texts)
        out[plural] = texts


def _annotations(out: dict, obj: Any) -> None:
    annotations = []
    for a in getattr(obj, "annotations", []) or []:
        entry: dict[str, Any] = {}
        if a.id:
            entry["id"] = a.id
        if a.title:
            entry["title"] = str(a.title)
        if a.type:
            entry["type"] = str(a.type)
        _texts(entry, a, "text", "texts")
        if a.url:
            entry["links"] = [{"href": str(a.url), "rel": "self"}]
        annotations.append(entry)
    if annotations:
        out["annotations"] = annotations


def _nameable(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": obj.id}
    _texts(out, obj, "name", "names", fallback=obj.id)
    _texts(out, obj, "description", "descriptions")
    _annotations(out, obj)
    return out


def _maintainable(artefact: Any) -> dict[str, Any]:
    out = _nameable(artefact)
    out["version"] = (
        "1.0" if c.kind_of(artefact) in _ORGANISATION_SCHEMES else c.version_of(artefact)
    )
    out["agencyID"] = c.agency_of(artefact)
    out["isExternalReference"] = False
    out["links"] = [{"rel": "self", "urn": c.maintainable_urn(artefact)}]
    return out


# -- item schemes ----------------------------------------------------------------


def _item_scheme(scheme: Any) -> dict[str, Any]:
    kind = c.kind_of(scheme)
    out = _maintainable(scheme)
    if getattr(scheme, "is_partial", None):
        out["isPartial"] = True
    nested = kind == "category_scheme"
    items = [
        _item(item, nested, kind)
        for item in scheme.items.values()
        if not nested or c.is_top_level(item)
    ]
    if items:
        out[_CONTAINERS[kind][1]] = items
    return out


def _item(item: Any, nested: bool, kind: str) -> dict[str, Any]:
    out = _nameable(item)
    if nested:
        kids = [_item(child, nested, kind) for child in c.children(item)]
        if kids:
            out["categories"] = kids
        return out
    parent_id = c.parent_id(item)
    if parent_id and kind not in _ORGANISATION_SCHEMES:
        out["parent"] = parent_id
    if kind == "concept_scheme":
        rep = _representation(getattr(item, "core_representation", None))
        if rep:
            out["coreRepresentation"] = rep
    if kind in _ORGANISATION_SCHEMES:
        contacts = [_contact(x) for x in getattr(item, "contact", []) or []]
        if contacts:
            out["contacts"] = contacts
    return out


def _contact(contact: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _texts(out, contact, "name", "names")
    for single, plural, attr in (
        ("department", "departments", "org_unit"),
        ("role", "roles", "responsibility"),
    ):
        texts = c.localisations(getattr(contact, attr))
        if texts:
            out[single], out[plural] = c.best_text(texts), texts
    if contact.telephone:
        out["telephones"] = [contact.telephone]
    for key, values in (("faxes", contact.fax), ("uris", contact.uri), ("emails", contact.email)):
        if values:
            out[key] = list(values)
    return out


def _representation(rep: Any) -> dict[str, Any] | None:
    codelist = c.enumeration(rep)
    if codelist is not None:
        return {"enumeration": c.maintainable_urn(codelist)}
    fmt = c.text_format(rep)
    if fmt is None:
        return None
    out: dict[str, Any] = {}
    if fmt.text_type:
        out["dataType"] = fmt.text_type
    for name, value in fmt.facets.items():
        if name in _POSITIVE_INT:
            if int(value) >= 1:
                out[name] = int(value)
        elif isinstance(value, bool) or name == "pattern":
            out[name] = value
        elif isinstance(value, (int, float)):
            out[name] = int(value) if float(value).is_integer() else float(value)
        else:
            out[name] = c.facet_text(value)
    return {"format": out}


# -- data structures -------------------------------------------------------------


def _component(comp: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": comp.id}
    _annotations(out, comp)
    if comp.concept_identity is not None:
        out["conceptIdentity"] = c.ref_urn(comp.concept_identity)
    rep = _representation(comp.local_representation)
    if rep:
        out["localRepresentation"] = rep
    return out


def _data_structure(dsd: Any) -> dict[str, Any]:
    out = _maintainable(dsd)
    dims, time_dim = [], None
    for dim in dsd.dimensions.components:
        entry = _component(dim)
        if c.is_time_dimension(dim):
            time_dim = entry
        else:
            entry["position"] = len(dims)
            dims.append(entry)
    dim_list: dict[str, Any] = {"id": "DimensionDescriptor", "dimensions": dims}
    if time_dim is not None:
        dim_list["timeDimension"] = time_dim
    comps: dict[str, Any] = {"dimensionList": dim_list}
    groups = [
        {"id": g.id, "groupDimensions": [d.id for d in g.components]}
        for g in dsd.group_dimensions.values()
    ]
    if groups:
        comps["groups"] = groups
    attributes = []
    for attr in dsd.attributes.components:
        entry = _component(attr)
        entry["usage"] = "mandatory" if c.is_mandatory(attr) else "optional"
        entry["attributeRelationship"] = _attribute_relationship(c.attachment(attr))
        attributes.append(entry)
    if attributes:
        comps["attributeList"] = {"id": "AttributeDescriptor", "attributes": attributes}
    measures = [_component(m) for m in dsd.measures.components]
    if measures:
        comps["measureList"] = {"id": "MeasureDescriptor", "measures": measures}
    out["dataStructureComponents"] = comps
    return out


def _attribute_relationship(att: c.Attachment) -> dict[str, Any]:
    if att.level == "dataflow":
        return {"dataflow": {}}
    if att.level == "observation":
        return {"observation": {}}
    if att.level == "group":
        return {"group": att.group}
    return {"dimensions": list(att.dimensions)}


# -- usages, categorisations, constraints ---------------------------------------------


def _dataflow(flow: Any) -> dict[str, Any]:
    out = _maintainable(flow)
    if flow.structure is not None:
        out["structure"] = c.maintainable_urn(flow.structure)
    return out


def _provision_agreement(pa: Any) -> dict[str, Any]:
    out = _maintainable(pa)
    out["dataflow"] = c.maintainable_urn(pa.structure_usage)
    out["dataProvider"] = c.item_urn(pa.data_provider)
    return out


def _categorisation(cat: Any) -> dict[str, Any]:
    out = _maintainable(cat)
    out["source"] = c.ref_urn(cat.artefact)
    out["target"] = c.item_urn(cat.category)
    return out


_ATTACHMENT_KEYS = {
    "dataflow": "dataflows",
    "data_structure": "dataStructures",
    "provision_agreement": "provisionAgreements",
}


def _data_constraint(constraint: Any) -> dict[str, Any]:
    out = _maintainable(constraint)
    out["role"] = c.constraint_role(constraint)
    attachment: dict[str, Any] = {}
    for target in c.constraint_attachments(constraint):
        key = _ATTACHMENT_KEYS.get(c.kind_of(target) or "")
        if isinstance(target, common.DataProvider) and not attachment:
            attachment = {"dataProvider": c.item_urn(target)}
            break
        if key and (not attachment or key in attachment):
            attachment.setdefault(key, []).append(c.maintainable_urn(target))
    if attachment:
        out["constraintAttachment"] = attachment
    keys = getattr(constraint, "data_content_keys", None)
    if keys is not None and len(keys):
        out["dataKeySets"] = [
            {
                "isIncluded": c.as_bool(keys.included),
                "keys": [
                    {
                        "keyValues": [
                            {"id": comp.id, "value": str(getattr(v, "value", v))}
                            for comp, v in key.key_value.items()
                        ]
                    }
                    for key in keys.keys
                ],
            }
        ]
    regions = []
    for region in constraint.data_content_region:
        entry: dict[str, Any] = {"include": c.as_bool(region.included)}
        for comp, selection in region.member.items():
            is_dim = isinstance(comp, c.common.DimensionComponent)
            sel: dict[str, Any] = {"id": comp.id}
            if not c.as_bool(getattr(selection, "included", True)):
                sel["include"] = False
            values = c.member_values(selection)
            if values:
                # Objects, not bare strings: both are valid, pysdmx reads only objects.
                sel["values"] = [{"value": v} for v in values]
            entry.setdefault("keyValues" if is_dim else "components", []).append(sel)
        regions.append(entry)
    if regions:
        out["cubeRegions"] = regions
    return out


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
