"""What the three structure serializers share: which artefacts, URNs, texts, facets.

The serializers walk sdmx1 model objects (SDMX 2.1 or 3.0 classes, whichever
the reader built) and need the same answers to the same questions: is this an
artefact to write, what is its SDMX-3.0 class and URN, how is a component
attached, which facets does a representation carry. Answering them once here
keeps SDMX-ML 3.0 and SDMX-JSON 2.0 consistent with each other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from sdmx.model import common, v21, v30
from sdmx.urn import URN

from mosy_sdmx import namespaces as ns
from mosy_sdmx.structures.layout import DATASET_RELATIONSHIPS, OBSERVATION_RELATIONSHIPS

log = logging.getLogger(__name__)

#: Maintainable class (sdmx1's, SDMX 2.1 or 3.0) -> (kind, package, SDMX 3.0 class).
#: ``kind`` is the serializers' key; KIND_ORDER is the order of writing. Exact
#: classes: a subclass (a geographic codelist, a metadataflow) is not exported.
MAINTAINABLES: dict[type, tuple[str, str, str]] = {
    common.AgencyScheme: ("agency_scheme", "base", "AgencyScheme"),
    common.DataProviderScheme: ("data_provider_scheme", "base", "DataProviderScheme"),
    common.DataConsumerScheme: ("data_consumer_scheme", "base", "DataConsumerScheme"),
    common.CategoryScheme: ("category_scheme", "categoryscheme", "CategoryScheme"),
    common.Codelist: ("codelist", "codelist", "Codelist"),
    common.ConceptScheme: ("concept_scheme", "conceptscheme", "ConceptScheme"),
    v21.DataStructureDefinition: ("data_structure", "datastructure", "DataStructure"),
    v30.DataStructureDefinition: ("data_structure", "datastructure", "DataStructure"),
    v21.DataflowDefinition: ("dataflow", "datastructure", "Dataflow"),
    v30.Dataflow: ("dataflow", "datastructure", "Dataflow"),
    common.Categorisation: ("categorisation", "categoryscheme", "Categorisation"),
    common.ProvisionAgreement: ("provision_agreement", "registry", "ProvisionAgreement"),
    v21.ContentConstraint: ("data_constraint", "registry", "DataConstraint"),
    v30.DataConstraint: ("data_constraint", "registry", "DataConstraint"),
}
KIND_ORDER = (
    "agency_scheme",
    "data_provider_scheme",
    "data_consumer_scheme",
    "category_scheme",
    "codelist",
    "concept_scheme",
    "data_structure",
    "dataflow",
    "categorisation",
    "provision_agreement",
    "data_constraint",
)

#: Item class -> (package, class) for URNs of items.
ITEMS: dict[type, tuple[str, str]] = {
    common.Agency: ("base", "Agency"),
    common.DataProvider: ("base", "DataProvider"),
    common.DataConsumer: ("base", "DataConsumer"),
    common.Code: ("codelist", "Code"),
    common.Concept: ("conceptscheme", "Concept"),
    common.Category: ("categoryscheme", "Category"),
}

#: FacetType field -> SDMX attribute name (SDMX-ML) / property name (SDMX-JSON).
FACET_NAMES = {
    "is_sequence": "isSequence",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_value": "minValue",
    "max_value": "maxValue",
    "start_value": "startValue",
    "end_value": "endValue",
    "interval": "interval",
    "time_interval": "timeInterval",
    "decimals": "decimals",
    "pattern": "pattern",
    "start_time": "startTime",
    "end_time": "endTime",
}

_ID_OK = re.compile(r"^[A-Za-z0-9_@$-]+$")


def kind_of(artefact: object) -> str | None:
    entry = MAINTAINABLES.get(type(artefact))
    return entry[0] if entry else None


def exportable(artefacts: Iterable[common.MaintainableArtefact]) -> Iterator[Any]:
    """Artefacts defined in full, in a stable order of kinds.

    External-reference stubs (e.g. the category scheme a categorisation points
    to but the message does not hold) are left out, as sdmx1's writer does.
    Types no serializer knows are logged and skipped.
    """
    by_kind: dict[str, list] = {k: [] for k in KIND_ORDER}
    for artefact in artefacts:
        if getattr(artefact, "is_external_reference", None):
            continue
        kind = kind_of(artefact)
        if kind is None:
            log.warning("structure export skips %s %s", type(artefact).__name__, artefact.id)
            continue
        by_kind[kind].append(artefact)
    for kind in KIND_ORDER:
        yield from by_kind[kind]


def version_of(artefact: Any) -> str:
    return str(artefact.version) if artefact.version is not None else "1.0"


def agency_of(artefact: Any) -> str:
    maintainer = getattr(artefact, "maintainer", None)
    return getattr(maintainer, "id", None) or "MOSY"


def maintainable_urn(artefact: Any) -> str:
    """SDMX 3.0 URN of a maintainable (ContentConstraint becomes DataConstraint)."""
    _, package, cls = MAINTAINABLES[type(artefact)]
    urn = URN(
        package=package,
        klass=cls,
        agency=agency_of(artefact),
        id=artefact.id,
        version=version_of(artefact),
    )
    return str(urn)


def item_path(item: Any) -> str:
    """Dotted id path of an item inside its scheme (nested categories)."""
    parts = [item.id]
    parent = getattr(item, "parent", None)
    while parent is not None and type(parent) is type(item):
        parts.append(parent.id)
        parent = getattr(parent, "parent", None)
    return ".".join(reversed(parts))


def item_urn(item: Any, scheme: Any | None = None) -> str:
    """URN of an item (concept, code, provider, category).

    Items read from a file carry their URN; items built in code get one from
    their scheme.
    """
    scheme = scheme if scheme is not None else _scheme_of(item)
    if scheme is None or type(scheme) not in MAINTAINABLES:
        if getattr(item, "urn", None):
            return item.urn
        raise ValueError(f"cannot tell the scheme of {type(item).__name__} {item.id}")
    package, cls = ITEMS.get(type(item), (None, type(item).__name__))
    urn = URN(
        package=package or MAINTAINABLES[type(scheme)][1],
        klass=cls,
        agency=agency_of(scheme),
        id=scheme.id,
        version=version_of(scheme),
        item_id=item_path(item),
    )
    return str(urn)


def _scheme_of(item: Any) -> Any | None:
    try:
        scheme = item.get_scheme()
    except AttributeError:
        return None
    return scheme if isinstance(scheme, common.ItemScheme) else None


def ref_urn(obj: Any) -> str:
    """URN for a reference to any maintainable or item."""
    if type(obj) in MAINTAINABLES:
        return maintainable_urn(obj)
    return item_urn(obj)


XML_LANG = f"{{{ns.XML}}}lang"


def qname(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def sub(
    parent: etree._Element, ns: str | None, name: str, text: str | None = None, **attrib
) -> etree._Element:
    """A child element (``ns`` None: no namespace); attributes given as None are left out."""
    tag = qname(ns, name) if ns else name
    el = etree.SubElement(parent, tag, {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def write_data_key_set(el: etree._Element, constraint: Any, ns_structure: str, ns_key: str) -> None:
    """A constraint's ``<DataKeySet>``: 2.1 puts KeyValue in ``common``, 3.0 in ``structure``."""
    keys = getattr(constraint, "data_content_keys", None)
    if keys is None or not len(keys):
        return
    box = sub(el, ns_structure, "DataKeySet", isIncluded=str(as_bool(keys.included)).lower())
    for key in keys.keys:
        k = sub(box, ns_structure, "Key")
        for comp, value in key.key_value.items():
            kv = sub(k, ns_key, "KeyValue", id=comp.id)
            sub(kv, ns_key, "Value", str(getattr(value, "value", value)))


def write_xml_annotations(parent: etree._Element, obj: Any, ns_common: str) -> None:
    """``<common:Annotations>`` of an artefact, item or component.

    SDMX-ML 2.1 and 3.0 spell annotations alike; only the namespace of
    ``common`` differs, so both serializers call this with theirs.
    """
    annotations = list(getattr(obj, "annotations", []) or [])
    if not annotations:
        return
    box = etree.SubElement(parent, f"{{{ns_common}}}Annotations")
    for a in annotations:
        el = etree.SubElement(box, f"{{{ns_common}}}Annotation", {"id": a.id} if a.id else {})
        for tag, value in (
            ("AnnotationTitle", a.title),
            ("AnnotationType", a.type),
            ("AnnotationURL", a.url),
        ):
            if value:
                etree.SubElement(el, f"{{{ns_common}}}{tag}").text = str(value)
        for lang, text in localisations(a.text).items():
            text_el = etree.SubElement(el, f"{{{ns_common}}}AnnotationText", {XML_LANG: lang})
            text_el.text = text


def localisations(text: Any) -> dict[str, str]:
    """An sdmx1 InternationalString as {lang: text}, empty texts dropped."""
    if text is None:
        return {}
    return {lang: value for lang, value in text.localizations.items() if value}


def best_text(texts: dict[str, str], lang: str = "en") -> str | None:
    if not texts:
        return None
    return texts.get(lang) or next(iter(texts.values()))


def children(item: Any) -> list:
    return list(getattr(item, "child", []) or [])


def is_top_level(item: Any) -> bool:
    """True for items without a parent item of their own class."""
    parent = getattr(item, "parent", None)
    return not (parent is not None and type(parent) is type(item))


def parent_id(item: Any) -> str | None:
    parent = getattr(item, "parent", None)
    if parent is not None and type(parent) is type(item):
        return parent.id
    return None


# -- representations ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextFormat:
    """A non-enumerated representation: textType and facets, as SDMX names."""

    text_type: str | None
    facets: dict[str, Any]


def text_format(representation: Any) -> TextFormat | None:
    facets = getattr(representation, "non_enumerated", None) or []
    if not facets:
        return None
    text_type = None
    values: dict[str, Any] = {}
    for facet in facets:
        value_type = getattr(facet, "value_type", None)
        if value_type is not None and text_type is None:
            name = value_type.name
            text_type = name[0].upper() + name[1:]
        ftype = getattr(facet, "type", None)
        for field, sdmx_name in FACET_NAMES.items():
            value = getattr(ftype, field, None)
            if value is not None:
                values[sdmx_name] = value
    return TextFormat(text_type, values)


def facet_text(value: Any) -> str:
    """A facet value as SDMX-ML attribute text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, timedelta):
        return f"PT{int(value.total_seconds())}S"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def enumeration(representation: Any) -> Any | None:
    return getattr(representation, "enumerated", None) if representation else None


# -- data structure components ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    """How an attribute attaches: dataflow (dataset), dimensions, group or observation."""

    level: str
    dimensions: tuple[str, ...] = ()
    group: str | None = None


def attachment(attribute: Any) -> Attachment:
    rel = getattr(attribute, "related_to", None)
    if rel is None or isinstance(rel, DATASET_RELATIONSHIPS):
        return Attachment("dataflow")
    if isinstance(rel, OBSERVATION_RELATIONSHIPS):
        return Attachment("observation")
    if isinstance(rel, common.GroupRelationship):
        return Attachment("group", group=getattr(rel.group_key, "id", None))
    dims = tuple(d.id for d in getattr(rel, "dimensions", []) or [])
    if not dims and getattr(rel, "group_key", None) is not None:
        return Attachment("group", group=rel.group_key.id)
    if not dims:
        return Attachment("dataflow")
    return Attachment("dimensions", dims)


def is_mandatory(component: Any) -> bool:
    status = getattr(component, "usage_status", None) or getattr(component, "usage", None)
    return getattr(status, "name", str(status)).lower() == "mandatory"


def is_time_dimension(component: Any) -> bool:
    return isinstance(component, common.TimeDimension)


def constraint_role(constraint: Any) -> str:
    role = getattr(getattr(constraint, "role", None), "role", None)
    return "Actual" if getattr(role, "name", "") == "actual" else "Allowed"


def constraint_attachments(constraint: Any) -> list[Any]:
    """Constrained artefacts, in a stable order."""
    content = list(getattr(constraint, "content", []) or [])
    return sorted(content, key=lambda a: (type(a).__name__, a.id))


def as_bool(value: Any) -> bool:
    """sdmx1 leaves some XML booleans as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def member_values(selection: Any) -> list[str]:
    return [str(getattr(v, "value", v)) for v in getattr(selection, "values", [])]


# -- header -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    id: str
    prepared: datetime
    sender: str
    test: bool = False

    @property
    def prepared_text(self) -> str:
        return self.prepared.strftime("%Y-%m-%dT%H:%M:%SZ")


def header_info(message: Any, sender: str | None = None) -> HeaderInfo:
    """A fresh header: new id and time, sender kept from the source if it had one."""
    prepared = datetime.now(UTC).replace(microsecond=0)
    source_sender = getattr(getattr(getattr(message, "header", None), "sender", None), "id", None)
    sender = sender or source_sender or "MOSY"
    if not _ID_OK.match(sender):
        sender = "MOSY"
    return HeaderInfo(id=f"MOSY_STR_{prepared:%Y%m%dT%H%M%S}", prepared=prepared, sender=sender)


def languages(artefacts: Iterable[Any]) -> list[str]:
    """Every language used in names and descriptions, English first if present."""
    found: set[str] = set()

    def visit(obj: Any) -> None:
        found.update(localisations(getattr(obj, "name", None)))
        found.update(localisations(getattr(obj, "description", None)))

    for artefact in artefacts:
        visit(artefact)
        for item in getattr(artefact, "items", {}).values():
            visit(item)
    ordered = sorted(found)
    if "en" in found:
        ordered.remove("en")
        ordered.insert(0, "en")
    return ordered or ["en"]
