"""Teach sdmx1's SDMX-ML readers the valid constructs they get wrong.

``read_structure_file`` hands structure messages to sdmx1 (we reuse its
information model). sdmx1 2.28 fails on, or silently mangles, several valid
constructs that our own THB exports contain, so a ``--structure`` file written
by ``mosy structures export`` would not read back. This module fixes them
through sdmx1's own mechanism, the per-reader table of (tag, event) -> parser
function, but on private subclasses of its readers (``_Reader21`` and
``_Reader30``): sdmx1's classes stay untouched for any other caller.

Safe under concurrent threads (a registry worker reads structure files on
several): the subclasses' tables are built once, when this module is imported;
each read works on its own copy of its table (sdmx1 adds entries to the table
of the reader at hand while reading, see quirk 11); nothing is redirected
process-wide (quirk 13). The sdmx1 versions this adapter is tested with are
``TESTED_SDMX1``; ``tests/mosy_sdmx/structures/test_sdmx1_adapter.py`` fails on
any other, so that each quirk is checked again before a new sdmx1 is allowed.
``docs/upstream/`` reports each quirk, with its smallest input, for sdmx1's
maintainers.

Quirks of sdmx1 2.28 handled here, numbered as their reports in
``docs/upstream/`` (each parser below names its own):

01. SDMX-ML 3.0 ``<str:DataProviderSchemes>`` / ``<str:DataConsumerSchemes>``
    containers are unknown (NotImplementedError).
02. SDMX-ML 3.0 ``<str:AttributeRelationship><str:Dataflow/>`` (attribute
    attached to the dataset) is parsed as a dataflow *definition*: a phantom
    flow, or a failure.
03. SDMX-ML 3.0 ``<str:AttributeRelationship><str:Group>`` fails: sdmx1 looks
    up ``common.Measure``, which is absent (and a group alone gives None).
04. SDMX-ML 3.0 ``<str:Component>`` (an attribute or measure) in a CubeRegion
    is unknown.
05. Both versions: a constraint attached to a ProvisionAgreement (or a
    DataProvider) loses its member selections ("Not implemented: constraints
    attached to ProvisionAgreement"), so allowed codes per provider vanish.
06. SDMX-ML 3.0 ``<str:ProvisionAgreement>`` refers to its dataflow with
    ``<str:Dataflow>``, which sdmx1 leaves on the reference stack: the agreement
    gets no dataflow and, at times, the wrong provider.
07. SDMX-ML 2.1 puts constraints before provision agreements; the agreement a
    constraint names becomes a stub that never receives the agreement's name.
08. ``CubeRegion.included`` stays the string "true"/"false" ("false" is truthy),
    and a 2.1 CubeRegion without ``include`` (default true) fails.
09. An item whose ``urn`` names another item (as the official SDMX 3.0 sample
    geospatial_geographiccodelist.xml does) aborts the whole message; the id
    wins and the URN is rebuilt.
10. Importing ``sdmx.reader.xml.v30`` fails for good once sdmx1 has read a 2.1
    message declaring other namespaces (any structure-specific data message)
    first: the 3.0 module copies the 2.1 table and cannot map the entries 11
    left there (ValueError). ``ensure_v30_reader`` imports it safely.
11. The message's start handler registers parsers for the message's own
    namespaces on the reader *class's* table, while reading: shared state that
    grows with every new namespace (and causes 10).
12. SDMX-ML 3.0 ``usage="mandatory"`` on an attribute is ignored (sdmx1
    reads only 2.1's ``assignmentStatus``): every attribute reads as optional.
13. ``XMLEventReader.convert`` prints its stacks and the failing element to
    stdout when a message cannot be read; ``_Quiet`` raises instead.
15. Both versions: the items of a flat scheme come out of reading in another
    order than the message's (an item with a parent moves right after its
    parent), so a scheme read and written back changes; the order is an
    artefact's content (maintenance puts a replaced item "in the same
    position"). ``_keep_item_order`` restores the message's order.

Not worked around yet (report 14): SDMX-ML 3.0 ``<str:MeasureRelationship>``;
such a message is refused with a StructureError.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import ModuleType
from typing import Any

import sdmx.urn
from lxml import etree
from lxml.etree import QName
from sdmx.format import Version
from sdmx.message import Message
from sdmx.model import common
from sdmx.model import v21 as model_v21
from sdmx.model import v30 as model_v30

from mosy_sdmx import namespaces as ns

log = logging.getLogger(__name__)

#: sdmx1 releases this adapter was checked against, quirk by quirk.
TESTED_SDMX1 = ("2.28.0",)


_IMPORT_LOCK = threading.Lock()


def ensure_v30_reader() -> ModuleType:
    """``sdmx.reader.xml.v30``, imported even after sdmx1 has read 2.1 SS data (quirk 10).

    The 3.0 module rebuilds its table from the 2.1 table at import time and
    raises on the data-namespace entries a structure-specific read leaves there.
    This module imports it when it is imported itself, normally before anything
    has read data with sdmx1. Only if sdmx1 read structure-specific data first
    are those entries set aside for the duration of that one import (under the
    import lock and ours), then put back: the one time this adapter touches a
    table of sdmx1's, and never while reading.
    """
    module = sys.modules.get("sdmx.reader.xml.v30")
    if module is not None:
        return module
    from sdmx.reader.xml import v21

    known = set(v21.Reader.format.NS.values()) | {None}
    if all(k[0].namespace in known for k in v21.Reader.parser):
        import sdmx.reader.xml.v30 as module

        return module
    with _IMPORT_LOCK:
        return _import_v30_without_foreign_entries(v21, known)


def _import_v30_without_foreign_entries(v21: ModuleType, known: set) -> ModuleType:
    module = sys.modules.get("sdmx.reader.xml.v30")
    if module is not None:
        return module

    foreign = {k: f for k, f in v21.Reader.parser.items() if k[0].namespace not in known}
    for key in foreign:
        del v21.Reader.parser[key]
    try:
        import sdmx.reader.xml.v30 as module
    finally:
        v21.Reader.parser.update(foreign)
    return module


def sdmx_ml_version(root: etree._Element) -> str:
    """ "2.1" or "3.0" from the namespaces a message's root element declares."""
    namespaces = {root.tag.partition("}")[0].lstrip("{"), *root.nsmap.values()}
    for namespace in namespaces:
        if namespace and namespace.startswith(ns.PREFIX_30):
            return "3.0"
        if namespace and namespace.startswith(ns.PREFIX_21):
            return "2.1"
    raise ValueError("not an SDMX-ML 2.1 or 3.0 message")


def read_message(root: etree._Element) -> Message:
    """Convert an already parsed (hardened) SDMX-ML tree with the adapted sdmx1 reader.

    The tree is walked, not re-parsed, and is consumed (sdmx1 clears elements).
    Each call has its own reader and its own copy of the parser table, so
    threads may read at once. A message sdmx1 cannot read raises (sdmx1's
    XMLParseError, from the original error); nothing is printed.
    """
    reader = _READERS[sdmx_ml_version(root)]()
    reader.parser = dict(type(reader).parser)  # quirk 11: sdmx1 writes to it while reading
    _drop_inconsistent_urns(root)
    orders = _item_orders(root)
    events = etree.iterwalk(root, events=("start", "end"))
    message = reader.convert(None, _events=events)
    _relink_constraints(message)
    _keep_item_order(message, orders)
    return message


def _item_orders(root: etree._Element) -> dict[tuple[str, str, str], list[str]]:
    """(agency, id, version) -> item ids in message order, for schemes with parent links."""
    orders = {}
    for scheme in root.iterfind("{*}Structures/{*}*/{*}*[@id]"):
        if scheme.find("{*}*/{*}Parent") is None:
            continue  # only items with a parent move
        ids = [item.get("id") for item in scheme if isinstance(item.tag, str) and item.get("id")]
        key = (scheme.get("agencyID", ""), scheme.get("id", ""), scheme.get("version") or "1.0")
        orders[key] = ids
    return orders


def _keep_item_order(message: Message, orders: dict[tuple[str, str, str], list[str]]) -> None:
    """Quirk 15: put the items of each flat scheme back in the message's order."""
    if not orders:
        return
    for artefact in message.iter_objects():
        items = getattr(artefact, "items", None)
        if not isinstance(items, dict) or not isinstance(artefact, common.ItemScheme):
            continue
        maintainer = artefact.maintainer.id if artefact.maintainer else ""
        order = orders.get((maintainer, artefact.id, str(artefact.version or "1.0")))
        if order and set(order) == set(items) and list(items) != order:
            artefact.items = {item_id: items[item_id] for item_id in order}


# -- the adapted readers --------------------------------------------------------------


class _Quiet:
    """Quirk 13 (sdmx1 2.28 XMLEventReader.convert): on a failure sdmx1 calls ``_dump``,
    which prints its stacks, then prints the failing element, to stdout. Raise
    sdmx1's own XMLParseError from the original error in ``_dump`` instead, so that
    nothing is printed; outside a failure (sdmx1's "uncollected items" check) the
    stacks go to the debug log."""

    def _dump(self) -> None:
        failure = sys.exc_info()[1]
        if failure is not None:
            from sdmx.exceptions import XMLParseError

            raise XMLParseError from failure
        log.debug("sdmx1 reader stacks: %s", dict(getattr(self, "stack", {})))


def _readers() -> dict[str, type]:
    """Subclasses of sdmx1's readers with the fixed parser tables."""
    from sdmx.reader.xml import v21

    v30 = ensure_v30_reader()

    class _Reader21(_Quiet, v21.Reader):
        """sdmx1's SDMX-ML 2.1 reader with quirks 05, 07, 08, 11 and 13 fixed."""

    class _Reader30(_Quiet, v30.Reader):
        """sdmx1's SDMX-ML 3.0 reader with quirks 01-06, 08, 11, 12 and 13 fixed."""

    # __init_subclass__ gave each an empty table; start from sdmx1's own.
    _Reader21.parser.update(v21.Reader.parser)
    _Reader30.parser.update(v30.Reader.parser)
    for reader in (_Reader21, _Reader30):
        _register_common(reader)
    _register_v30(_Reader30)
    return {"2.1": _Reader21, "3.0": _Reader30}


def _register_common(reader: type) -> None:
    if reader.xml_version == Version["2.1"]:
        member_tags = "com:KeyValue com:Attribute"
    else:
        member_tags = "str:KeyValue str:Component"

    # Quirk 05 (sdmx1 2.28, both versions): v21._ms/_ms_component find the component
    # only through a constrained Dataflow or DSD. Find it through a provision
    # agreement too; keep the selection under a stand-in component when the
    # target is not known yet (a forward reference, a DataProvider):
    # _relink_constraints swaps in the DSD's own component after parsing.
    @reader.end(member_tags)
    def _member_selection(rdr, elem):
        local = QName(elem).localname
        component = _find_component(_constrained_dsd(rdr), elem.attrib["id"], local)
        values: list[Any] = [rdr.model.MemberValue(value=v) for v in rdr.pop_all("Value")]
        values += rdr.pop_all(model_v21.TimeRangeValue, subclass=True)
        return rdr.model.MemberSelection(values_for=component, values=values)

    # Quirk 08 (sdmx1 2.28 v21._cr): include="false" kept as a (truthy) string;
    # a 2.1 CubeRegion without include (default true) raises KeyError.
    @reader.end("str:CubeRegion")
    def _cube_region(rdr, elem):
        return common.CubeRegion(
            included=elem.attrib.get("include", "true").strip().lower() == "true",
            member={ms.values_for: ms for ms in rdr.pop_all(rdr.model.MemberSelection)},
        )

    # Quirks 06 and 07 (sdmx1 2.28 v21._pa): the agreement's dataflow is read only
    # from <str:StructureUsage> (2.1), not <str:Dataflow> (3.0); and names,
    # descriptions and annotations are not copied into a stub made earlier by a
    # constraint's forward reference.
    @reader.end("str:ProvisionAgreement")
    @reader.possible_reference()  # <str:ProvisionAgreement> in <str:ConstraintAttachment>
    def _provision_agreement(rdr, elem):
        usage = rdr.pop_resolved_ref("StructureUsage")
        provider = None
        for ref in rdr.pop_all(rdr.Reference):
            target = rdr.resolve(ref)
            if isinstance(target, common.BaseDataflow):
                usage = usage or target
            else:
                provider = target
        name = common.InternationalString(dict(rdr.pop_all("Name")))
        description = common.InternationalString(dict(rdr.pop_all("Description")))
        return rdr.maintainable(
            common.ProvisionAgreement,
            elem,
            structure_usage=usage,
            data_provider=provider,
            name=name,
            description=description,
            annotations=list(rdr.pop_all(rdr.model.Annotation)),
        )


def _register_v30(reader: type) -> None:
    # Quirk 01 (sdmx1 2.28 reader/xml/v30.py skips <str:AgencySchemes> and other
    # 3.0 containers but not these two): bare containers, skip them too.
    reader.start("str:DataProviderSchemes str:DataConsumerSchemes")(None)

    qname = reader.format.qname
    dataflow_end = reader.parser[qname("str:Dataflow"), "end"]
    component_end = {
        name: reader.parser[qname(f"str:{name}"), "end"] for name in ("Attribute", "Measure")
    }

    # Quirk 12 (sdmx1 2.28 v21._component_end): SDMX-ML 3.0 states an attribute's
    # status as usage="mandatory|optional"; sdmx1 reads only 2.1's assignmentStatus,
    # so every attribute of a 3.0 DSD came back optional.
    @reader.end("str:Attribute str:Measure", only=False)
    def _component_usage(rdr, elem):
        component = component_end[QName(elem).localname](rdr, elem)
        usage = elem.get("usage")
        if usage and hasattr(component, "usage_status"):
            mandatory = usage.strip().lower() == "mandatory"
            component.usage_status = common.UsageStatus["mandatory" if mandatory else "conditional"]
        return component

    # Quirk 02 (sdmx1 2.28): <str:Dataflow/> in an AttributeRelationship (or a
    # MetadataAttributeUsage's) means "attached to the dataflow", i.e. the dataset.
    @reader.end("str:Dataflow")
    def _dataflow(rdr, elem):
        if QName(elem.getparent()).localname == "AttributeRelationship":
            return model_v30.DataflowRelationship()
        return dataflow_end(rdr, elem)

    # Quirk 03 (sdmx1 2.28 v30._ar): a relationship naming only <str:Group>
    # returns None; SDMX-ML 3.0 allows it and it means a group attribute.
    @reader.end("str:AttributeRelationship")
    def _attribute_relationship(rdr, elem):
        dsd = rdr.peek("current DSD")
        dimensions: list[Any] = []
        group_key = None
        for ref in rdr.pop_all(rdr.Reference):
            if issubclass(ref.target_cls, common.DimensionComponent):
                dimensions.append(dsd.dimensions.get(ref.target_id))
            elif issubclass(ref.target_cls, model_v30.Measure):  # sdmx1: common.Measure, absent
                return model_v30.ObservationRelationship()
            elif ref.target_cls is common.GroupDimensionDescriptor:
                group_key = dsd.group_dimensions[ref.target_id]
        attachment = rdr.pop_single("AttachmentGroup")
        if attachment is not None:
            group_key = dsd.group_dimensions[attachment.target_id]
        if dimensions:
            return common.DimensionRelationship(dimensions=dimensions, group_key=group_key)
        if group_key is not None:
            return common.GroupRelationship(group_key=group_key)
        return None  # <str:Dataflow/> or <str:Observation/>: pushed by their own parsers


#: Built when this module is imported (under the import lock), never while reading.
_READERS = _readers()


# -- helpers for constraints ----------------------------------------------------------


def _dsd_of(target: Any) -> common.BaseDataStructureDefinition | None:
    """The DSD behind a constrained artefact, if it can be known yet."""
    if isinstance(target, common.ProvisionAgreement):
        target = target.structure_usage
    if isinstance(target, common.BaseDataflow):
        target = target.structure
    if isinstance(target, common.BaseDataStructureDefinition):
        return target
    return None


def _constrained_dsd(rdr) -> common.BaseDataStructureDefinition | None:
    """The DSD of the first artefact the constraint being read is attached to."""
    for ref in rdr.stack.get(rdr.Reference, {}).values():
        dsd = _dsd_of(rdr.resolve(ref))
        if dsd is not None:
            return dsd
    return None


#: Where a CubeRegion/DataKey member's component is looked for, by element name.
_LISTS = {
    "KeyValue": ("dimensions", "attributes"),  # attributes: IMF's misuse, as sdmx1 allows
    "Attribute": ("attributes",),
    "Component": ("attributes", "measures", "dimensions"),
}
_STAND_IN = {"KeyValue": common.Dimension, "Attribute": common.DataAttribute}


def _find_component(dsd, component_id: str, local: str) -> common.Component:
    if dsd is not None:
        for name in _LISTS[local]:
            found = _get(getattr(dsd, name, None), component_id)
            if found is not None:
                return found
        if dsd.is_external_reference:  # as sdmx1 does for a DSD known only by reference
            return getattr(dsd, _LISTS[local][0]).getdefault(component_id)
    return _STAND_IN.get(local, common.DataAttribute)(id=component_id)


def _get(component_list, component_id: str):
    if component_list is None:
        return None
    for component in component_list.components:
        if component.id == component_id:
            return component
    return None


def _relink_constraints(message: Message) -> None:
    """Key member selections by the constrained DSD's own components (quirk 05)."""
    for constraint in getattr(message, "constraint", {}).values():
        dsd = next(filter(None, map(_dsd_of, getattr(constraint, "content", ()) or ())), None)
        if dsd is None:
            continue
        regions = list(getattr(constraint, "data_content_region", None) or [])
        for region in regions:
            member = {}
            for component, selection in region.member.items():
                own = _own_component(dsd, component)
                selection.values_for = own
                member[own] = selection
            region.member = member


def _own_component(dsd, component):
    for name in ("dimensions", "attributes", "measures"):
        component_list = getattr(dsd, name, None)
        if component_list is not None and any(c is component for c in component_list.components):
            return component  # identity: sdmx1 components compare equal by id alone
    for name in ("dimensions", "attributes", "measures"):
        found = _get(getattr(dsd, name, None), component.id)
        if found is not None:
            return found
    return component


# -- quirk 09 -------------------------------------------------------------------------


def _drop_inconsistent_urns(root: etree._Element) -> None:
    """Drop a ``urn`` whose id disagrees with the element's ``id`` (quirk 09, sdmx1 2.28
    IdentifiableArtefact.__post_init__ raises "ID … does not match URN …"). The id is
    what every reference uses; sdmx1 rebuilds the URN from it."""
    for elem in root.iterfind(".//*[@urn][@id]"):
        urn, ident = elem.get("urn"), elem.get("id")
        try:
            parsed = sdmx.urn.URN(urn)
        except Exception:  # a malformed URN fails in sdmx1 with its own message
            continue
        if ident not in (parsed.item_id or parsed.id):
            log.warning("%s: urn %s does not name id %s; the urn is ignored", elem.tag, urn, ident)
            del elem.attrib["urn"]
