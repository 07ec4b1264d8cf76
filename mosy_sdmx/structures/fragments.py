"""Structure messages split into one fragment per maintainable artefact, and joined.

A store that keeps each artefact as its own row (the registry) needs an
artefact's identity and a serialised form it can put back into a message.
The form is the artefact's own SDMX-ML 2.1 element (sdmx1 reads 2.1 best, and
it round-trips every THB structure losslessly); ``join_fragments`` puts rows
back into one message in the 2.1 schema's order of containers, so that
references between artefacts resolve when the message is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sdmx.model import common

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import StructureError, UnsupportedStructureError
from mosy_sdmx.safe_xml import parse_bytes

NS_MES = ns.MESSAGE_21
NS_STR = ns.STRUCTURE_21
NS_COM = ns.COMMON_21

#: SDMX-ML 2.1 container -> {element: REST resource type}, in the schema's order.
CONTAINERS: dict[str, dict[str, str]] = {
    "OrganisationSchemes": {
        "AgencyScheme": "agencyscheme",
        "DataProviderScheme": "dataproviderscheme",
        "DataConsumerScheme": "dataconsumerscheme",
        "OrganisationUnitScheme": "organisationunitscheme",
    },
    "Dataflows": {"Dataflow": "dataflow"},
    "CategorySchemes": {"CategoryScheme": "categoryscheme"},
    "Categorisations": {"Categorisation": "categorisation"},
    "Codelists": {"Codelist": "codelist"},
    "HierarchicalCodelists": {"HierarchicalCodelist": "hierarchicalcodelist"},
    "Concepts": {"ConceptScheme": "conceptscheme"},
    "DataStructures": {"DataStructure": "datastructure"},
    "Constraints": {"ContentConstraint": "dataconstraint"},
    "ProvisionAgreements": {"ProvisionAgreement": "provisionagreement"},
}
_CONTAINER_OF = {t: (box, el) for box, kinds in CONTAINERS.items() for el, t in kinds.items()}
#: Resource types a fragment can be, in the order of writing.
TYPES = tuple(_CONTAINER_OF)


@dataclass(frozen=True, slots=True)
class Fragment:
    """One maintainable artefact: identity, final flag and its SDMX-ML 2.1 element."""

    type: str
    agency: str
    id: str
    version: str
    is_final: bool
    content: bytes

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.type, self.agency, self.id, self.version)


def storable_fragments(structures: Any) -> list[Fragment]:
    """The artefacts of a StructureSet as fragments, whatever message they were read from.

    sdmx1 writes SDMX 2.1 model objects only; artefacts read from SDMX-ML 3.0
    are SDMX 3.0 objects, so they are first said in SDMX-JSON 2.0 (our writer
    handles both models) and read back through ``_read_json20`` as SDMX 2.1
    objects. What SDMX 2.1 cannot hold (several measures) is a StructureError.
    """
    from mosy_sdmx.structures.export import export_structures

    _refuse_extensions(structures)
    if any(type(a).__module__.endswith(".v30") for a in structures.artefacts()):
        import json

        from mosy_sdmx.structures._read_json20 import json20_to_ml21
        from mosy_sdmx.structures._sdmx1_v30 import read_message
        from mosy_sdmx.structures.structure_set import StructureSet

        document = json.loads(export_structures(structures, "sdmx-json-2.0"))
        message = read_message(json20_to_ml21(document, structures.source or "structures"))
        structures = StructureSet(message, source=structures.source)
    return split_structure_message(export_structures(structures, "sdmx-ml-2.1"))


def _refuse_extensions(structures: Any) -> None:
    """SDMX 3.0 codelist extensions cannot be kept in SDMX 2.1 rows: refused, by name,
    rather than stored without the codes they take over."""
    extended = [
        f"{a.maintainer.id if a.maintainer else ''}:{a.id}({a.version})"
        for a in structures.artefacts()
        if isinstance(a, common.Codelist) and getattr(a, "extends", None)
    ]
    if extended:
        raise UnsupportedStructureError(
            "Codelist extensions are not held",
            f"{', '.join(extended)} extend other codelists (CodelistExtension): codelist "
            "extensions are not implemented here, codelists are kept whole. Send them "
            "resolved, with every code they take over",
        )


def canonical_fragment(fragment: Fragment) -> Fragment:
    """A fragment as the registry would store it had it come in a message.

    An element edited outside sdmx1 (a merged partial scheme) is read and
    written back, so that comparing it with a later submission compares
    artefacts, not whitespace.
    """
    from mosy_sdmx.structures.structure_set import read_structure_bytes

    structures = read_structure_bytes(join_fragments([fragment]), "merged artefact")
    (out,) = [f for f in storable_fragments(structures) if f.key == fragment.key]
    return out


#: SDMX-ML 2.1 item class -> REST type of its scheme, for item references.
_ITEM_SCHEMES = {
    "Category": "categoryscheme",
    "DataProvider": "dataproviderscheme",
    "Concept": "conceptscheme",
    "Code": "codelist",
    "Agency": "agencyscheme",
    "DataConsumer": "dataconsumerscheme",
}


def missing_items(
    elements: Iterable[tuple[tuple[str, str, str, str], etree._Element]],
    classes: Iterable[str] = tuple(_ITEM_SCHEMES),
) -> dict[tuple[str, str, str, str], list[tuple[tuple[str, str, str, str], str]]]:
    """References to items that a held, whole scheme lacks: referrer -> [(scheme, item)].

    sdmx1 cannot read a message with such a reference (KeyError), so they are
    found on the elements first. ``elements`` are (key, artefact element) pairs;
    ``classes`` the item classes (SDMX-ML names) whose references are checked.
    """
    elements = list(elements)
    kinds = {_ITEM_SCHEMES[name] for name in classes}
    held: dict[tuple[str, str, str, str], set[str]] = {}
    for key, element in elements:
        # A partial scheme (isPartial) may well lack an item that exists.
        if key[0] in kinds and element.get("isPartial") != "true":
            held[key] = {
                item.get("id", "")
                for item in element.iter()
                if isinstance(item.tag, str) and item is not element and item.get("id")
            }
    out: dict = {}
    for key, element in elements:
        for ref in element.iter("Ref"):
            kind = _ITEM_SCHEMES.get(ref.get("class", ""))
            parent = ref.get("maintainableParentID")
            if kind not in kinds or parent is None:
                continue
            scheme = (
                kind,
                ref.get("agencyID", ""),
                parent,
                ref.get("maintainableParentVersion") or "1.0",
            )
            item_id = ref.get("id", "").rsplit(".", 1)[-1]
            if scheme in held and item_id not in held[scheme] and scheme != key:
                out.setdefault(key, []).append((scheme, item_id))
    return out


def split_structure_message(message: bytes) -> list[Fragment]:
    """The artefacts of an SDMX-ML 2.1 structure message, one fragment each.

    External-reference stubs are left out: they are references, not artefacts.
    Raises StructureError for a message that is not an SDMX-ML 2.1 structure message.
    """
    root = parse_bytes(message, source_name="structure message").getroot()
    if root.tag != f"{{{NS_MES}}}Structure":
        raise StructureError(
            "Not an SDMX-ML 2.1 structure message", f"the root element is {root.tag}"
        )
    structures = root.find(f"{{{NS_MES}}}Structures")
    out: list[Fragment] = []
    if structures is None:
        return out
    for box in structures:
        kinds = CONTAINERS.get(etree.QName(box).localname, {})
        for element in box:
            if not isinstance(element.tag, str):
                continue
            kind = kinds.get(etree.QName(element).localname)
            if kind is None or element.get("isExternalReference") == "true":
                continue
            out.append(
                Fragment(
                    type=kind,
                    agency=element.get("agencyID", ""),
                    id=element.get("id", ""),
                    version=element.get("version", "1.0"),
                    is_final=element.get("isFinal") == "true",
                    content=etree.tostring(element, with_tail=False),
                )
            )
    return out


#: Artefact element names of SDMX-ML 2.1 and 3.0 -> REST type.
_ELEMENT_TYPES = {el: t for kinds in CONTAINERS.values() for el, t in kinds.items()} | {
    "DataConstraint": "dataconstraint",
    "Hierarchy": "hierarchy",
    "ValueList": "valuelist",
}


def declared_external(message: bytes) -> frozenset[tuple[str, str, str, str]]:
    """Artefacts a message declares held elsewhere (``isExternalReference="true"``).

    Only what the sender wrote counts: a reference the message merely fails to
    resolve is not declared external (sdmx1 makes stubs of those too).
    """
    from mosy_sdmx.structures.structure_set import structure_message_root

    root = structure_message_root(message)
    out = set()
    for structures in root:
        if not isinstance(structures.tag, str) or etree.QName(structures).localname != "Structures":
            continue
        for box in structures:
            for element in box:
                if not isinstance(element.tag, str):
                    continue
                kind = _ELEMENT_TYPES.get(etree.QName(element).localname)
                if kind and element.get("isExternalReference") == "true":
                    out.add(
                        (
                            kind,
                            element.get("agencyID", ""),
                            element.get("id", ""),
                            element.get("version") or "1.0",
                        )
                    )
    return frozenset(out)


def join_fragments(fragments: Iterable[Fragment], *, sender: str = "MOSY") -> bytes:
    """One SDMX-ML 2.1 structure message holding every fragment, in schema order."""
    by_box: dict[str, list[bytes]] = {box: [] for box in CONTAINERS}
    for fragment in sorted(fragments, key=lambda f: (TYPES.index(f.type), f.key)):
        by_box[_CONTAINER_OF[fragment.type][0]].append(fragment.content)
    parts = [
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<mes:Structure xmlns:mes="{NS_MES}" xmlns:str="{NS_STR}" xmlns:com="{NS_COM}">'
        f"<mes:Header><mes:ID>STORE</mes:ID><mes:Test>false</mes:Test>"
        f"<mes:Prepared>2000-01-01T00:00:00</mes:Prepared>"
        f'<mes:Sender id="{sender}"/></mes:Header><mes:Structures>'.encode(),
    ]
    for box, contents in by_box.items():
        if contents:
            parts.append(f"<str:{box}>".encode())
            parts.extend(contents)
            parts.append(f"</str:{box}>".encode())
    parts.append(b"</mes:Structures></mes:Structure>")
    return b"".join(parts)
