"""SDMX-JSON structure messages in (2.0 and 2.1, and 1.0), as SDMX-ML 2.1 trees.

sdmx1 reads no SDMX-JSON structures; pysdmx does, into its own model, which
cannot be written back as SDMX-ML without full concept URNs and holds less
than sdmx1's. So a structure message is translated member for member into the
SDMX-ML 2.1 message our 2.1 writer produces (references as ``<Ref>``), which
sdmx1 then reads like any other: one model-building path for every input
format, and sdmx1's SDMX 2.1 model, which every reader and writer of the
library handles. What SDMX 2.1 cannot say is refused by name (a data
structure with several measures), not dropped. SDMX-JSON 1.0 spells a few
members the SDMX 2.1 way (``primaryMeasure``, ``assignmentStatus``,
``textFormat``, ``isFinal``...); they are read too.

A member of the wrong JSON type, or a required one missing, is a
StructureError naming its JSON path; artefact types the registry does not
hold (metadata structures, maps, hierarchies...) are named, not dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import StructureError, UnsupportedStructureError

NS_MES = ns.MESSAGE_21
NS_STR = ns.STRUCTURE_21
NS_COM = ns.COMMON_21
XML_LANG = f"{{{ns.XML}}}lang"

#: JSON container -> (SDMX-ML 2.1 container, artefact element, item member, item element).
_ITEM_SCHEMES = {
    "agencySchemes": ("OrganisationSchemes", "AgencyScheme", "agencies", "Agency"),
    "dataProviderSchemes": (
        "OrganisationSchemes",
        "DataProviderScheme",
        "dataProviders",
        "DataProvider",
    ),
    "dataConsumerSchemes": (
        "OrganisationSchemes",
        "DataConsumerScheme",
        "dataConsumers",
        "DataConsumer",
    ),
    "categorySchemes": ("CategorySchemes", "CategoryScheme", "categories", "Category"),
    "codelists": ("Codelists", "Codelist", "codes", "Code"),
    "conceptSchemes": ("Concepts", "ConceptScheme", "concepts", "Concept"),
}
_OTHERS = {
    "dataflows": ("Dataflows", "Dataflow"),
    "categorisations": ("Categorisations", "Categorisation"),
    "dataStructures": ("DataStructures", "DataStructure"),
    "dataConstraints": ("Constraints", "ContentConstraint"),
    "provisionAgreements": ("ProvisionAgreements", "ProvisionAgreement"),
}
#: JSON containers in the SDMX-ML 2.1 order of their containers (``StructuresType``).
_ORDER = [
    "agencySchemes",
    "dataProviderSchemes",
    "dataConsumerSchemes",
    "dataflows",
    "categorySchemes",
    "categorisations",
    "codelists",
    "conceptSchemes",
    "dataStructures",
    "dataConstraints",
    "provisionAgreements",
]
_ORGANISATION_SCHEMES = {"agencySchemes", "dataProviderSchemes", "dataConsumerSchemes"}
#: Text-format facets: SDMX-JSON and SDMX-ML spell them alike (but ``dataType``).
_FACETS = (
    "isSequence",
    "interval",
    "startValue",
    "endValue",
    "timeInterval",
    "startTime",
    "endTime",
    "minLength",
    "maxLength",
    "minValue",
    "maxValue",
    "decimals",
    "pattern",
    "isMultiLingual",
)
_URN = re.compile(
    r"^urn:sdmx:org\.sdmx\.infomodel\.(?P<package>\w+)\.(?P<cls>\w+)="
    r"(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]*)\)(?:\.(?P<item>.+))?$"
)
_STABLE = re.compile(r"^\d+\.\d+\.\d+$")
_JSON_NAMES = {"dict": "an object", "list": "an array", "str": "a string", "bool": "a boolean"}


def is_json(data: bytes) -> bool:
    """Whether a message is JSON (its first significant byte), not XML."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def json20_to_ml21(document: Any, source: str = "structure message") -> etree._Element:
    """The SDMX-ML 2.1 ``<mes:Structure>`` tree of a decoded SDMX-JSON 2.x structure message.

    Raises StructureError naming the JSON path of a malformed member.
    """
    return _Translator(source).message(document)


class _Translator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.path: list[str] = ["$"]

    def error(self, detail: str) -> StructureError:
        where = "".join(self.path)
        return StructureError(
            "Malformed SDMX-JSON structure message",
            f"{self.source}: {where}: {detail}",
            context={"path": where},
        )

    # -- typed access ---------------------------------------------------------------
    def _get(self, obj: dict, key: str, kind: type | tuple[type, ...], required: bool = False):
        value = obj.get(key)
        wrong = value is not None and (
            not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))
        )
        if (value is None and required) or wrong:
            self.path.append(f".{key}")
            if value is None:
                raise self.error("required member missing")
            names = [kind] if isinstance(kind, type) else list(kind)
            raise self.error(
                "expected " + " or ".join(_JSON_NAMES.get(k.__name__, "a number") for k in names)
            )
        return value

    def _each(self, obj: dict, key: str, visit: Callable[[dict], None]) -> None:
        """Visit every object of the array ``obj[key]``, tracking the path."""
        for i, item in enumerate(self._get(obj, key, list) or []):
            self.path.append(f".{key}[{i}]")
            if not isinstance(item, dict):
                raise self.error("expected an object")
            visit(item)
            self.path.pop()

    def _text(self, obj: dict, key: str, required: bool = False) -> str | None:
        value = self._get(obj, key, (str, int, float), required)
        return None if value is None else str(value)

    def _ref(self, parent: etree._Element, tag: str, obj: dict, key: str) -> None:
        """``<tag><Ref .../></tag>`` for the URN in ``obj[key]`` (required)."""
        urn = self._text(obj, key, required=True)
        match = _URN.match(urn)
        if match is None:
            self.path.append(f".{key}")
            raise self.error(f"{urn!r} is not an SDMX URN")
        m = match.groupdict()
        attrib = {"agencyID": m["agency"], "package": m["package"], "class": m["cls"]}
        if m["item"]:
            attrib |= {
                "id": m["item"],
                "maintainableParentID": m["id"],
                "maintainableParentVersion": m["version"],
            }
        else:
            attrib |= {"id": m["id"], "version": m["version"]}
        _sub(_sub(parent, NS_STR, tag), None, "Ref", **attrib)

    # -- message --------------------------------------------------------------------
    def message(self, document: Any) -> etree._Element:
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            raise self.error(
                "not an SDMX-JSON 2.0 structure message (no 'data' object); send SDMX-JSON "
                "2.0 or SDMX-ML 2.1/3.0"
            )
        # The official 2.0.0 sample still spells data constraints the 2.1 way.
        data = {
            ("dataConstraints" if k == "contentConstraints" else k): v
            for k, v in document["data"].items()
        }
        if "dataSets" in data or "structures" in data:
            raise self.error("this is an SDMX-JSON data message, not a structure message")
        unknown = sorted(k for k, v in data.items() if v and k not in _ITEM_SCHEMES | _OTHERS)
        if unknown:
            raise StructureError(
                "Unsupported structure types",
                f"{self.source} holds {', '.join(unknown)}, which this registry does not "
                f"hold; it holds {', '.join(sorted(_ORDER))}",
            )
        meta = document.get("meta") if isinstance(document.get("meta"), dict) else {}
        root = etree.Element(
            f"{{{NS_MES}}}Structure", nsmap={"mes": NS_MES, "str": NS_STR, "com": NS_COM}
        )
        head = _sub(root, NS_MES, "Header")
        _sub(head, NS_MES, "ID", str(meta.get("id") or "JSON"))
        _sub(head, NS_MES, "Test", "true" if meta.get("test") is True else "false")
        _sub(head, NS_MES, "Prepared", str(meta.get("prepared") or "2000-01-01T00:00:00"))
        sender = meta.get("sender")
        sender_id = sender.get("id") if isinstance(sender, dict) else None
        _sub(head, NS_MES, "Sender", id=str(sender_id or "UNKNOWN"))
        structures = _sub(root, NS_MES, "Structures")
        boxes: dict[str, etree._Element] = {}
        self.path.append(".data")
        for key in _ORDER:
            if not data.get(key):
                continue
            outer, tag = (_ITEM_SCHEMES[key][:2]) if key in _ITEM_SCHEMES else _OTHERS[key]
            if outer not in boxes:
                boxes[outer] = _sub(structures, NS_STR, outer)
            box = boxes[outer]
            if key in _ITEM_SCHEMES:
                self._each(data, key, lambda a, key=key, box=box: self._item_scheme(box, key, a))
            else:
                write = getattr(self, f"_{key}")
                self._each(data, key, lambda a, box=box, tag=tag, w=write: w(box, tag, a))
        self.path.pop()
        return root

    # -- base types -----------------------------------------------------------------
    def _annotations(self, parent: etree._Element, obj: dict) -> None:
        if not obj.get("annotations"):
            return
        box = _sub(parent, NS_COM, "Annotations")

        def one(a: dict) -> None:
            el = _sub(box, NS_COM, "Annotation", id=self._text(a, "id"))
            # SDMX 2.1 has no annotation value: it is kept as the title, if there is none.
            title = self._text(a, "title") or self._text(a, "value")
            if title:
                _sub(el, NS_COM, "AnnotationTitle", title)
            kind = self._text(a, "type")
            if kind:
                _sub(el, NS_COM, "AnnotationType", kind)
            for link in self._get(a, "links", list) or []:
                if isinstance(link, dict) and isinstance(link.get("href"), str):
                    _sub(el, NS_COM, "AnnotationURL", link["href"])
                    break
            for lang, text in self._texts(a, "text", "texts").items():
                _sub(el, NS_COM, "AnnotationText", text).set(XML_LANG, lang)

        self._each(obj, "annotations", one)

    def _texts(self, obj: dict, single: str, plural: str) -> dict[str, str]:
        texts = self._get(obj, plural, dict)
        if texts:
            out = {}
            for lang, text in texts.items():
                if not isinstance(text, str):
                    self.path.append(f".{plural}.{lang}")
                    raise self.error("expected a string")
                if text:
                    out[lang] = text
            return out
        text = self._get(obj, single, str)
        return {"en": text} if text else {}

    def _names(self, parent: etree._Element, obj: dict) -> None:
        names = self._texts(obj, "name", "names") or {"en": str(obj.get("id", ""))}
        for lang, text in names.items():
            _sub(parent, NS_COM, "Name", text).set(XML_LANG, lang)
        for lang, text in self._texts(obj, "description", "descriptions").items():
            _sub(parent, NS_COM, "Description", text).set(XML_LANG, lang)

    def _maintainable(self, box: etree._Element, tag: str, obj: dict, organisation: bool = False):
        version = "1.0" if organisation else (self._text(obj, "version") or "1.0")
        attrib = {
            "urn": _self_urn(obj),
            "isExternalReference": "true" if obj.get("isExternalReference") is True else "false",
            "agencyID": self._text(obj, "agencyID", required=True),
            "id": self._text(obj, "id", required=True),
            "version": version,
            # SDMX-JSON 2.0 has no isFinal (1.0 has): a semantic version without
            # extension is stable.
            "isFinal": "true" if obj.get("isFinal") is True or _STABLE.match(version) else "false",
            "validFrom": self._text(obj, "validFrom"),
            "validTo": self._text(obj, "validTo"),
        }
        if obj.get("isPartial") is True:
            attrib["isPartial"] = "true"
        el = _sub(box, NS_STR, tag, **attrib)
        self._annotations(el, obj)
        self._names(el, obj)
        return el

    # -- item schemes ---------------------------------------------------------------
    def _item_scheme(self, box: etree._Element, key: str, obj: dict) -> None:
        if obj.get("codelistExtensions"):
            self.path.append(".codelistExtensions")
            where = "".join(self.path)
            raise UnsupportedStructureError(
                "Codelist extensions are not held",
                f"{self.source}: {where}: codelist extensions are not implemented here, "
                "codelists are kept whole: send the codelist resolved, with every code it "
                "takes over",
                context={"path": where},
            )
        _, tag, member, item_tag = _ITEM_SCHEMES[key]
        el = self._maintainable(box, tag, obj, organisation=key in _ORGANISATION_SCHEMES)
        # Items get the URNs SDMX-ML writers give them (derived, as SDMX-JSON has none).
        prefix = None
        if key == "agencySchemes":
            prefix = "urn:sdmx:org.sdmx.infomodel.base.Agency="
        elif el.get("urn"):
            package = _URN.match(el.get("urn") or "")
            if package is not None:
                scheme = el.get("urn").split("=", 1)[1]
                prefix = f"urn:sdmx:org.sdmx.infomodel.{package['package']}.{item_tag}={scheme}."
        self._each(obj, member, lambda item: self._item(el, key, item_tag, item, prefix))

    def _item(
        self, parent: etree._Element, key: str, tag: str, obj: dict, prefix: str | None
    ) -> None:
        item_id = self._text(obj, "id", required=True)
        el = _sub(parent, NS_STR, tag, id=item_id, urn=f"{prefix}{item_id}" if prefix else None)
        self._annotations(el, obj)
        self._names(el, obj)
        if key == "categorySchemes":
            nested = f"{prefix}{item_id}." if prefix else None
            self._each(obj, "categories", lambda child: self._item(el, key, tag, child, nested))
            return
        if key in _ORGANISATION_SCHEMES:
            self._each(obj, "contacts", lambda contact: self._contact(el, contact))
            return
        parent_id = self._text(obj, "parent")
        if parent_id:
            _sub(_sub(el, NS_STR, "Parent"), None, "Ref", id=parent_id)
        if key == "conceptSchemes":
            self._representation(el, obj, "coreRepresentation", "CoreRepresentation")

    def _contact(self, parent: etree._Element, obj: dict) -> None:
        el = _sub(parent, NS_STR, "Contact")
        for lang, text in self._texts(obj, "name", "names").items():
            _sub(el, NS_COM, "Name", text).set(XML_LANG, lang)
        for single, plural, tag in (
            ("department", "departments", "Department"),
            ("role", "roles", "Role"),
        ):
            for lang, text in self._texts(obj, single, plural).items():
                _sub(el, NS_STR, tag, text).set(XML_LANG, lang)
        for member, tag in (
            ("telephones", "Telephone"),
            ("faxes", "Fax"),
            ("x400s", "X400"),
            ("uris", "URI"),
            ("emails", "Email"),
        ):
            for value in self._get(obj, member, list) or []:
                _sub(el, NS_STR, tag, str(value))

    def _representation(self, parent: etree._Element, obj: dict, member: str, tag: str) -> None:
        rep = self._get(obj, member, dict)
        if not rep:
            return
        self.path.append(f".{member}")
        el = _sub(parent, NS_STR, tag)
        if rep.get("enumeration") is not None:
            self._ref(el, "Enumeration", rep, "enumeration")
        else:
            fmt = self._get(rep, "format", dict) or self._get(rep, "textFormat", dict) or {}
            attrib = {"textType": self._text(fmt, "dataType") or self._text(fmt, "textType")}
            for facet in _FACETS:
                value = fmt.get(facet)
                if value is not None:
                    attrib[facet] = _lexical(value)
            _sub(el, NS_STR, "TextFormat", **attrib)
        self.path.pop()

    # -- data structures ------------------------------------------------------------
    def _dataStructures(self, box: etree._Element, tag: str, obj: dict) -> None:
        el = self._maintainable(box, tag, obj)
        comps = self._get(obj, "dataStructureComponents", dict, required=True)
        self.path.append(".dataStructureComponents")
        out = _sub(el, NS_STR, "DataStructureComponents")
        dim_list = self._get(comps, "dimensionList", dict, required=True)
        self.path.append(".dimensionList")
        dl = _sub(out, NS_STR, "DimensionList", id="DimensionDescriptor")
        dims = list(self._get(dim_list, "dimensions", list) or [])
        if all(isinstance(d, dict) and isinstance(d.get("position"), int) for d in dims):
            dims.sort(key=lambda d: d["position"])
        for position, dim in enumerate(dims, start=1):
            self.path.append(f".dimensions[{position - 1}]")
            if not isinstance(dim, dict):
                raise self.error("expected an object")
            self._component(dl, "Dimension", dim, position=str(position))
            self.path.pop()
        time_dim = self._get(dim_list, "timeDimension", dict) or next(
            iter(self._get(dim_list, "timeDimensions", list) or []),
            None,  # SDMX-JSON 1.0
        )
        if time_dim:
            self.path.append(".timeDimension")
            self._component(dl, "TimeDimension", time_dim, position=str(len(dims) + 1))
            self.path.pop()
        self.path.pop()

        def group(g: dict) -> None:
            gel = _sub(out, NS_STR, "Group", id=self._text(g, "id", required=True))
            self._annotations(gel, g)
            for dim_id in self._get(g, "groupDimensions", list) or []:
                ref = _sub(_sub(gel, NS_STR, "GroupDimension"), NS_STR, "DimensionReference")
                _sub(ref, None, "Ref", id=str(dim_id))

        self._each(comps, "groups", group)
        measure_list = self._get(comps, "measureList", dict) or {}
        measures = measure_list.get("measures") or (
            [measure_list["primaryMeasure"]] if measure_list.get("primaryMeasure") else []
        )
        if not isinstance(measures, list) or len(measures) > 1:
            self.path.append(".measureList.measures")
            raise self.error(
                f"{len(measures)} measures: SDMX 2.1, in which the registry keeps its "
                "structures, allows one primary measure"
            )
        measure_id = (
            measures[0].get("id") if measures and isinstance(measures[0], dict) else None
        ) or "OBS_VALUE"
        attributes = self._get(comps, "attributeList", dict)
        if attributes and attributes.get("attributes"):
            self.path.append(".attributeList")
            al = _sub(out, NS_STR, "AttributeList", id="AttributeDescriptor")
            self._each(attributes, "attributes", lambda a: self._attribute(al, a, measure_id))
            self.path.pop()
        if measures:
            self.path.append(".measureList.measures[0]")
            ml = _sub(out, NS_STR, "MeasureList", id="MeasureDescriptor")
            self._component(ml, "PrimaryMeasure", measures[0])
            self.path.pop()
        self.path.pop()

    def _component(self, parent: etree._Element, tag: str, obj: dict, **attrib) -> etree._Element:
        cid = self._text(obj, "id", required=tag != "TimeDimension") or "TIME_PERIOD"
        el = _sub(parent, NS_STR, tag, id=cid, **attrib)
        self._annotations(el, obj)
        if obj.get("conceptIdentity") is not None:
            self._ref(el, "ConceptIdentity", obj, "conceptIdentity")
        self._representation(el, obj, "localRepresentation", "LocalRepresentation")
        return el

    def _attribute(self, parent: etree._Element, obj: dict, measure_id: str) -> None:
        mandatory = (
            self._text(obj, "usage") == "mandatory"
            or self._text(obj, "assignmentStatus") == "Mandatory"  # SDMX-JSON 1.0
        )
        status = "Mandatory" if mandatory else "Conditional"
        el = self._component(parent, "Attribute", obj, assignmentStatus=status)
        relation = self._get(obj, "attributeRelationship", dict) or {"dataflow": {}}
        rel = _sub(el, NS_STR, "AttributeRelationship")
        if relation.get("dimensions"):
            for dim_id in self._get(relation, "dimensions", list):
                _sub(_sub(rel, NS_STR, "Dimension"), None, "Ref", id=str(dim_id))
        elif relation.get("group"):
            _sub(_sub(rel, NS_STR, "Group"), None, "Ref", id=self._text(relation, "group"))
        elif "observation" in relation or "primaryMeasure" in relation:
            _sub(_sub(rel, NS_STR, "PrimaryMeasure"), None, "Ref", id=measure_id)
        else:
            _sub(rel, NS_STR, "None")

    # -- usages, categorisations, constraints ---------------------------------------
    def _dataflows(self, box: etree._Element, tag: str, obj: dict) -> None:
        el = self._maintainable(box, tag, obj)
        if obj.get("structure") is not None:
            self._ref(el, "Structure", obj, "structure")

    def _provisionAgreements(self, box: etree._Element, tag: str, obj: dict) -> None:
        el = self._maintainable(box, tag, obj)
        usage = "structureUsage" if "structureUsage" in obj else "dataflow"  # 1.0, 2.0
        self._ref(el, "StructureUsage", obj, usage)
        self._ref(el, "DataProvider", obj, "dataProvider")

    def _categorisations(self, box: etree._Element, tag: str, obj: dict) -> None:
        el = self._maintainable(box, tag, obj)
        self._ref(el, "Source", obj, "source")
        self._ref(el, "Target", obj, "target")

    def _dataConstraints(self, box: etree._Element, tag: str, obj: dict) -> None:
        role = self._text(obj, "role") or self._text(obj, "type") or "Allowed"
        el = self._maintainable(box, tag, obj)
        el.set("type", role)
        attachment = self._get(obj, "constraintAttachment", dict)
        if attachment:
            self.path.append(".constraintAttachment")
            ca = _sub(el, NS_STR, "ConstraintAttachment")
            if attachment.get("dataProvider") is not None:
                self._ref(ca, "DataProvider", attachment, "dataProvider")
            for member, child in (
                ("dataStructures", "DataStructure"),
                ("dataflows", "Dataflow"),
                ("provisionAgreements", "ProvisionAgreement"),
            ):
                for i, urn in enumerate(self._get(attachment, member, list) or []):
                    self.path.append(f".{member}[{i}]")
                    self._ref(ca, child, {"urn": urn}, "urn")
                    self.path.pop()
            self.path.pop()
        self._each(obj, "dataKeySets", lambda ks: self._key_set(el, ks))
        self._each(obj, "cubeRegions", lambda region: self._cube_region(el, region))

    def _key_set(self, parent: etree._Element, obj: dict) -> None:
        included = obj.get("isIncluded") is not False
        box = _sub(parent, NS_STR, "DataKeySet", isIncluded=str(included).lower())

        def key(k: dict) -> None:
            kel = _sub(box, NS_STR, "Key")

            def value(kv: dict) -> None:
                kvel = _sub(kel, NS_COM, "KeyValue", id=self._text(kv, "id", required=True))
                _sub(kvel, NS_COM, "Value", self._text(kv, "value", required=True))

            self._each(k, "keyValues", value)

        self._each(obj, "keys", key)

    def _cube_region(self, parent: etree._Element, obj: dict) -> None:
        include = obj.get("include") is not False and obj.get("isIncluded") is not False
        cr = _sub(parent, NS_STR, "CubeRegion", include=str(include).lower())
        for member, tag in (
            ("keyValues", "KeyValue"),
            ("components", "Attribute"),
            ("attributes", "Attribute"),  # SDMX-JSON 1.0
        ):

            def selection(sel: dict, tag: str = tag) -> None:
                sel_el = _sub(cr, NS_COM, tag, id=self._text(sel, "id", required=True))
                if sel.get("include") is False:
                    sel_el.set("include", "false")
                for value in self._get(sel, "values", list) or []:
                    text = value.get("value") if isinstance(value, dict) else value
                    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                        raise self.error("a cube-region value must be a string")
                    _sub(sel_el, NS_COM, "Value", str(text))
                time_range = self._get(sel, "timeRange", dict)
                if time_range:
                    self._time_range(sel_el, time_range)

            self._each(obj, member, selection)

    def _time_range(self, parent: etree._Element, obj: dict) -> None:
        el = _sub(parent, NS_COM, "TimeRange")
        for member, tag in (
            ("beforePeriod", "BeforePeriod"),
            ("afterPeriod", "AfterPeriod"),
            ("startPeriod", "StartPeriod"),
            ("endPeriod", "EndPeriod"),
        ):
            period = obj.get(member)
            if isinstance(period, dict) and period.get("period") is not None:
                inclusive = "false" if period.get("isInclusive") is False else "true"
                _sub(el, NS_COM, tag, str(period["period"]), isInclusive=inclusive)


def _self_urn(obj: dict) -> str | None:
    for link in obj.get("links") or []:
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and isinstance(link.get("urn"), str)
        ):
            return link["urn"]
    return None


def _lexical(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sub(parent: etree._Element, ns_uri: str | None, name: str, text: str | None = None, **attrib):
    tag = f"{{{ns_uri}}}{name}" if ns_uri else name
    el = etree.SubElement(parent, tag, {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        el.text = text
    return el
