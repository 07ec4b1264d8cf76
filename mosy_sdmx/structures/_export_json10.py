"""SDMX-JSON 1.0 structure messages (SDMX REST 1.x's ``structure+json;version=1.0.0``).

SDMX-JSON 1.0 says the SDMX 2.1 model in the JSON shape 2.0 kept, so it is
derived from our SDMX-JSON 2.0 message member for member: ``isFinal`` back,
``textFormat``/``textType`` for ``format``/``dataType``, a ``primaryMeasure``,
``timeDimensions``, ``assignmentStatus`` and 2.1 attribute relationships,
``contentConstraints`` with ``type`` and ``isIncluded``, and
``structureUsage`` for an agreement's dataflow. Checked against the official
1.0 schema in the tests.
"""

from __future__ import annotations

from typing import Any

from mosy_sdmx.structures import _export_common as c

SCHEMA_URL = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/"
    "tools/schemas/1.0/sdmx-json-structure-schema.json"
)
#: JSON 2.0 container -> JSON 1.0 container (the others keep their names).
_RENAMED = {"dataConstraints": "contentConstraints"}
_CONTAINER_KINDS = {
    "agencySchemes": "agency_scheme",
    "dataProviderSchemes": "data_provider_scheme",
    "dataConsumerSchemes": "data_consumer_scheme",
    "categorySchemes": "category_scheme",
    "codelists": "codelist",
    "conceptSchemes": "concept_scheme",
    "dataStructures": "data_structure",
    "dataflows": "dataflow",
    "categorisations": "categorisation",
    "provisionAgreements": "provision_agreement",
    "dataConstraints": "data_constraint",
}


def json20_to_json10(message: dict[str, Any], artefacts: list[Any]) -> dict[str, Any]:
    """The SDMX-JSON 1.0 form of one of our SDMX-JSON 2.0 structure messages."""
    final = {
        (c.kind_of(a), c.agency_of(a), a.id): bool(getattr(a, "is_final", False)) for a in artefacts
    }
    data: dict[str, list] = {}
    for container, entries in message["data"].items():
        kind = _CONTAINER_KINDS[container]
        out = []
        for entry in entries:
            entry = dict(entry)
            entry["isFinal"] = final.get((kind, entry["agencyID"], entry["id"]), False)
            _convert(kind, entry)
            out.append(entry)
        data[_RENAMED.get(container, container)] = out
    meta = dict(message["meta"], schema=SCHEMA_URL)
    return {"meta": meta, "data": data}


def _convert(kind: str, entry: dict[str, Any]) -> None:
    for annotation in entry.get("annotations", []):
        annotation.pop("value", None)
    if kind == "concept_scheme":
        for concept in entry.get("concepts", []):
            _representation(concept, "coreRepresentation")
    elif kind == "data_structure":
        _data_structure(entry["dataStructureComponents"])
    elif kind == "provision_agreement":
        entry["structureUsage"] = entry.pop("dataflow")
    elif kind == "data_constraint":
        entry["type"] = entry.pop("role", "Allowed")
        for region in entry.get("cubeRegions", []):
            region["isIncluded"] = region.pop("include", True)
            if "components" in region:
                region["attributes"] = region.pop("components")
            for selection in [*region.get("keyValues", []), *region.get("attributes", [])]:
                selection.pop("include", None)
                selection["values"] = [
                    v["value"] if isinstance(v, dict) else v for v in selection.get("values", [])
                ]


def _representation(component: dict[str, Any], member: str) -> None:
    rep = component.get(member)
    if not rep or "format" not in rep:
        return
    fmt = dict(rep.pop("format"))
    if "dataType" in fmt:
        fmt["textType"] = fmt.pop("dataType")
    rep["textFormat"] = fmt


def _data_structure(components: dict[str, Any]) -> None:
    dims = components["dimensionList"]
    for dim in dims.get("dimensions", []):
        _representation(dim, "localRepresentation")
    time_dim = dims.pop("timeDimension", None)
    if time_dim is not None:
        _representation(time_dim, "localRepresentation")
        time_dim["position"] = len(dims.get("dimensions", []))
        dims["timeDimensions"] = [time_dim]
    measures = components.get("measureList", {}).get("measures", [])
    measure_id = measures[0]["id"] if measures else "OBS_VALUE"
    if measures:
        primary = measures[0]
        _representation(primary, "localRepresentation")
        components["measureList"] = {"id": "MeasureDescriptor", "primaryMeasure": primary}
    for attr in components.get("attributeList", {}).get("attributes", []):
        _representation(attr, "localRepresentation")
        usage = attr.pop("usage", "optional")
        attr["assignmentStatus"] = "Mandatory" if usage == "mandatory" else "Conditional"
        relation = attr.get("attributeRelationship", {})
        if "dataflow" in relation:
            attr["attributeRelationship"] = {"none": {}}
        elif "observation" in relation:
            attr["attributeRelationship"] = {"primaryMeasure": measure_id}
