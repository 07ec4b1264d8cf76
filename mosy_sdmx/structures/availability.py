"""Data availability as an SDMX "Actual" constraint: the cube region of codes with data.

What an SDMX REST ``availableconstraint`` (1.5.0) or ``availability`` (2.x)
query answers: one constraint attached to the dataflow, whose cube region
lists, for each dimension, the codes that have data (the time dimension as
a time range), with the number of observations as an annotation
(``id="obs_count"``, type ``sdmx_metrics``, as the SDMX Reference
Infrastructure writes it). Written as SDMX-ML 2.1 (``ContentConstraint
type="Actual"``), SDMX-ML 3.0 (``DataConstraint role="Actual"``) or SDMX-JSON
2.0 (``dataConstraints``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree
from sdmx.urn import URN

from mosy_sdmx import namespaces as ns
from mosy_sdmx.formats import StructureFormat

#: Per SDMX-ML version: the message, structure and common namespaces.
_NAMESPACES = {
    "2.1": (ns.MESSAGE_21, ns.STRUCTURE_21, ns.COMMON_21),
    "3.0": (ns.MESSAGE_30, ns.STRUCTURE_30, ns.COMMON_30),
}
JSON_SCHEMA = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/"
    "tools/schemas/2.0.0/sdmx-json-structure-schema.json"
)


@dataclass
class Availability:
    """The codes with data per dimension, the time range and the counts."""

    agency: str
    flow_id: str
    flow_version: str
    #: Dimension id -> codes with data, in the DSD's key order.
    cube: dict[str, list[str]]
    time_dimension: str | None = None
    #: First moment with data and the end (exclusive) of the last period with data.
    time_start: datetime | None = None
    time_end: datetime | None = None
    observations: int = 0
    series: int = 0
    prepared: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def flow_urn(self) -> str:
        return str(
            URN(
                package="datastructure",
                klass="Dataflow",
                agency=self.agency,
                id=self.flow_id,
                version=self.flow_version,
            )
        )

    @property
    def constraint_id(self) -> str:
        return f"CC_{self.flow_id}"

    def time_range(self) -> tuple[str, str] | None:
        """Inclusive start and end of the time range, as xs:dateTime text."""
        if self.time_start is None or self.time_end is None:
            return None
        last = self.time_end - timedelta(seconds=1)
        return _stamp(self.time_start), _stamp(last)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def availability_message(av: Availability, fmt: StructureFormat | str) -> bytes:
    """The availability in ``fmt`` (a structure message format)."""
    fmt = StructureFormat.parse(fmt)
    if fmt is StructureFormat.SDMX_JSON_20:
        return _json(av)
    return _xml(av, "2.1" if fmt is StructureFormat.SDMX_ML_21 else "3.0")


def _xml(av: Availability, version: str) -> bytes:
    message, structure, common = _NAMESPACES[version]
    mes, s, c = f"{{{message}}}", f"{{{structure}}}", f"{{{common}}}"
    root = etree.Element(
        f"{mes}Structure", nsmap={"message": message, "structure": structure, "common": common}
    )
    header = etree.SubElement(root, f"{mes}Header")
    etree.SubElement(header, f"{mes}ID").text = f"AVAILABILITY-{av.flow_id}"
    etree.SubElement(header, f"{mes}Test").text = "false"
    etree.SubElement(header, f"{mes}Prepared").text = _stamp(av.prepared)
    etree.SubElement(header, f"{mes}Sender", id="MOSY")
    structures = etree.SubElement(root, f"{mes}Structures")
    holder = etree.SubElement(
        structures, f"{s}Constraints" if version == "2.1" else f"{s}DataConstraints"
    )
    attrs = {"id": av.constraint_id, "agencyID": av.agency}
    if version == "2.1":
        attrs.update(version="1.0", isFinal="false", type="Actual")
        constraint = etree.SubElement(holder, f"{s}ContentConstraint", attrs)
    else:
        attrs.update(version="1.0.0", role="Actual")
        constraint = etree.SubElement(holder, f"{s}DataConstraint", attrs)
    annotations = etree.SubElement(constraint, f"{c}Annotations")
    for ident, value in (("obs_count", av.observations), ("series_count", av.series)):
        annotation = etree.SubElement(annotations, f"{c}Annotation", id=ident)
        etree.SubElement(annotation, f"{c}AnnotationTitle").text = str(value)
        etree.SubElement(annotation, f"{c}AnnotationType").text = "sdmx_metrics"
    name = etree.SubElement(constraint, f"{c}Name")
    name.set(ns.q(ns.XML, "lang"), "en")
    name.text = f"Data available in {av.flow_id}"
    attachment = etree.SubElement(constraint, f"{s}ConstraintAttachment")
    flow = etree.SubElement(attachment, f"{s}Dataflow")
    if version == "2.1":
        etree.SubElement(
            flow,
            "Ref",
            agencyID=av.agency,
            id=av.flow_id,
            version=av.flow_version,
            package="datastructure",
            **{"class": "Dataflow"},
        )
    else:
        flow.text = av.flow_urn
    region = etree.SubElement(constraint, f"{s}CubeRegion", include="true")
    key_ns = c if version == "2.1" else s
    for dim, codes in av.cube.items():
        if not codes:
            continue
        key = etree.SubElement(region, f"{key_ns}KeyValue", id=dim)
        for code in codes:
            etree.SubElement(key, f"{key_ns}Value").text = code
    time_range = av.time_range()
    if av.time_dimension and time_range:
        key = etree.SubElement(region, f"{key_ns}KeyValue", id=av.time_dimension)
        span = etree.SubElement(key, f"{key_ns}TimeRange")
        etree.SubElement(span, f"{key_ns}StartPeriod", isInclusive="true").text = time_range[0]
        etree.SubElement(span, f"{key_ns}EndPeriod", isInclusive="true").text = time_range[1]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _json(av: Availability) -> bytes:
    key_values: list[dict] = [
        {"id": dim, "values": list(codes)} for dim, codes in av.cube.items() if codes
    ]
    time_range = av.time_range()
    if av.time_dimension and time_range:
        key_values.append(
            {
                "id": av.time_dimension,
                "timeRange": {  # xs:dateTime with its zone, as the schema's format asks
                    "startPeriod": {"period": time_range[0] + "Z", "isInclusive": True},
                    "endPeriod": {"period": time_range[1] + "Z", "isInclusive": True},
                },
            }
        )
    constraint = {
        "id": av.constraint_id,
        "version": "1.0.0",
        "agencyID": av.agency,
        "name": f"Data available in {av.flow_id}",
        "names": {"en": f"Data available in {av.flow_id}"},
        "annotations": [
            {"id": "obs_count", "title": str(av.observations), "type": "sdmx_metrics"},
            {"id": "series_count", "title": str(av.series), "type": "sdmx_metrics"},
        ],
        "role": "Actual",
        "constraintAttachment": {"dataflows": [av.flow_urn]},
        "cubeRegions": [{"include": True, "keyValues": key_values}],
    }
    message = {
        "meta": {
            "schema": JSON_SCHEMA,
            "id": f"AVAILABILITY-{av.flow_id}",
            "test": False,
            "prepared": _stamp(av.prepared) + "Z",
            "contentLanguages": ["en"],
            "sender": {"id": "MOSY"},
        },
        "data": {"dataConstraints": [constraint]},
    }
    return json.dumps(message, ensure_ascii=False).encode()
