"""StructureSet: every artefact of a structure message, found by URN or id.

Wraps an sdmx1 ``StructureMessage`` (we reuse sdmx1's information model and
write no parallel one) and caches the flat ComponentLayout per dataflow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import sdmx
from sdmx.message import StructureMessage
from sdmx.model import common

from mosy_sdmx.exceptions import MosyError, ParseError, StructureError, StructureNotFoundError

# Imported with this module, so that the adapted readers are built before anything
# reads data with sdmx1 (see ``_sdmx1_v30.ensure_v30_reader``).
from mosy_sdmx.structures._sdmx1_v30 import read_message
from mosy_sdmx.structures.layout import ComponentLayout, build_layout, check_components


class StructureSet:
    """All artefacts of one structure message, indexed by URN and by id."""

    def __init__(self, message: StructureMessage, source: str | None = None) -> None:
        self.message = message
        self.source = source
        self._layouts: dict[str, ComponentLayout] = {}

    # -- enumeration -------------------------------------------------------
    def artefacts(self) -> Iterator[common.MaintainableArtefact]:
        """Every maintainable artefact, in the message's order of types."""
        yield from self.message.iter_objects()

    @cached_property
    def _by_urn(self) -> dict[str, common.MaintainableArtefact]:
        index = {}
        for artefact in self.artefacts():
            urn = artefact.urn or sdmx.urn.make(artefact)
            index[urn] = artefact
            # Items (codes, concepts, providers) are addressable by URN too.
            for item in (
                getattr(artefact, "items", {}).values() if hasattr(artefact, "items") else []
            ):
                item_urn = getattr(item, "urn", None) or _item_urn(artefact, item)
                if item_urn:
                    index[item_urn] = item
        return index

    def by_urn(self, urn: str):
        """The artefact or item with this URN; StructureNotFoundError if none."""
        try:
            return self._by_urn[urn]
        except KeyError:
            raise StructureNotFoundError(
                "Unknown structure", f"no artefact with URN {urn}", context={"urn": urn}
            ) from None

    def get(self, ref: str, kind: type | None = None):
        """Find an artefact by URN or by id (optionally restricted to a class)."""
        if ref.startswith("urn:"):
            found = self.by_urn(ref)
            if kind is None or isinstance(found, kind):
                return found
        for artefact in self.artefacts():
            if artefact.id == ref and (kind is None or isinstance(artefact, kind)):
                return artefact
        what = _KIND_NAMES.get(kind, kind.__name__) if kind else "artefact"
        raise StructureNotFoundError(
            f"Unknown {what}", f"no {what} with id {ref!r}", context={"id": ref}
        )

    # -- typed look-ups ----------------------------------------------------
    @property
    def dataflows(self) -> dict[str, common.BaseDataflow]:
        return dict(self.message.dataflow)

    @property
    def data_structures(self) -> dict[str, common.BaseDataStructureDefinition]:
        return dict(self.message.structure)

    @property
    def codelists(self) -> dict[str, common.Codelist]:
        return dict(self.message.codelist)

    def dataflow(self, ref: str) -> common.BaseDataflow:
        return self.get(ref, common.BaseDataflow)

    def dsd(self, ref: str) -> common.BaseDataStructureDefinition:
        return self.get(ref, common.BaseDataStructureDefinition)

    def codelist(self, ref: str) -> common.Codelist:
        return self.get(ref, common.Codelist)

    def layout(self, ref: str | None = None) -> ComponentLayout:
        """The ComponentLayout of a dataflow or DSD, by id or URN.

        Without ``ref``, the only dataflow (or DSD) of the set; a set with
        several raises StructureNotFoundError asking to name one.
        """
        if ref is None:
            ref = self._default_ref()
        if ref in self._layouts:
            return self._layouts[ref]
        try:
            flow = self.dataflow(ref)
        except StructureNotFoundError:
            flow = None
        if flow is not None:
            dsd = flow.structure
            if dsd is None:
                raise StructureError(
                    "Dataflow without structure", f"dataflow {ref} names no data structure"
                )
            if not list(dsd.dimensions.components):
                dsd = self._described_dsd(dsd, flow)
            layout = build_layout(dsd, flow)
        else:
            layout = build_layout(self._described_dsd(self.dsd(ref), None))
        self._layouts[ref] = layout
        return layout

    def check_usable(self) -> None:
        """Build every dataflow's and DSD's layout now, so that a set that loads can
        be read with: what would fail later is a StructureError naming the artefact."""
        for dsd in self.message.structure.values():
            check_components(dsd)
        for ref in [*self.message.dataflow, *self.message.structure]:
            try:
                self.layout(ref)
            except MosyError:
                pass  # e.g. a dataflow whose DSD is elsewhere: said clearly when asked for
            except Exception as exc:  # sdmx1 built something no reader can use
                raise StructureError(
                    "Unusable structure",
                    f"{ref} cannot be used: {type(exc).__name__}: {str(exc)[:160]}",
                    context={"structure": ref},
                ) from None

    def _described_dsd(self, dsd, flow) -> common.BaseDataStructureDefinition:
        """The DSD with its components: a dataflow's reference resolved in the set.

        A structure message may hold a dataflow (or a DSD reference) without the
        DSD itself; reading data with it would find no component at all, so the
        missing DSD is named, with how to fetch it.
        """
        if list(dsd.dimensions.components):
            return dsd
        for candidate in self.message.structure.values():
            if candidate.id == dsd.id and list(candidate.dimensions.components):
                return candidate
        agency = dsd.maintainer.id if dsd.maintainer else "AGENCY"
        version = str(dsd.version) if dsd.version else "latest"
        used = f"dataflow {flow.id} uses data structure" if flow is not None else "data structure"
        query = (
            f"dataflow/{agency}/{flow.id}/{flow.version or 'latest'}?references=datastructure"
            if flow is not None
            else f"datastructure/{agency}/{dsd.id}/{version}"
        )
        raise StructureNotFoundError(
            "Data structure missing",
            f"{used} {agency}:{dsd.id}({version}), which {self.source or 'the structures'} "
            "holds only by reference, without its components. Fetch it from the agency's "
            f"SDMX REST API (e.g. {query}) and give that structure message",
            context={"dsd": f"{agency}:{dsd.id}({version})", "query": query},
        )

    def _default_ref(self) -> str:
        flows = list(self.message.dataflow)
        if len(flows) == 1:
            return flows[0]
        dsds = list(self.message.structure)
        if not flows and len(dsds) == 1:
            return dsds[0]
        raise StructureNotFoundError(
            "Dataflow not named",
            f"the structures hold {len(flows)} dataflows; name one (--flow ID)",
            context={"dataflows": flows},
        )

    # -- data providers ----------------------------------------------------
    def providers(self) -> dict[str, common.DataProvider]:
        out: dict[str, common.DataProvider] = {}
        for artefact in self.artefacts():
            if isinstance(artefact, common.DataProviderScheme):
                out.update({p.id: p for p in artefact})
        return out

    def provider(self, ref: str) -> common.DataProvider:
        providers = self.providers()
        key = ref
        if ref.startswith("urn:"):
            with contextlib.suppress(ValueError):  # a malformed URN is not found below
                key = sdmx.urn.URN(ref).item_id or ref
        if key not in providers:
            raise StructureNotFoundError(
                "Unknown data provider", f"no data provider {ref!r}", context={"provider": ref}
            )
        return providers[key]

    def provider_annotation(self, ref: str, annotation_id: str) -> str | None:
        """Text of a provider annotation such as COUNTRY or PROVIDER_TYPE."""
        provider = self.provider(ref)
        for annotation in provider.annotations:
            if annotation.id == annotation_id:
                text = annotation.text
                value = str(text) if text is not None and str(text) else annotation.title
                return value or None
        return None

    def provider_country(self, ref: str) -> str | None:
        """The provider's COUNTRY (a CL_GEO code); None for international bodies."""
        return self.provider_annotation(ref, "COUNTRY")

    def provider_type(self, ref: str) -> str | None:
        """The provider's PROVIDER_TYPE (a CL_PROVIDER_TYPE code)."""
        return self.provider_annotation(ref, "PROVIDER_TYPE")

    def is_public(self, flow: str) -> bool:
        """Whether a dataflow is public (annotation PUBLIC, set on THB ``_PUB`` flows)."""
        for annotation in self.dataflow(flow).annotations:
            if annotation.id == "PUBLIC":
                return str(annotation.title).lower() == "true"
        return False

    # -- constraints -------------------------------------------------------
    @cached_property
    def _allowed_regions(self) -> dict[tuple[str, str], list[dict[str, frozenset[str]]]]:
        """Allowed-code regions of every 'allowed' constraint, by (target kind, target id)."""
        index: dict[tuple[str, str], list[dict[str, frozenset[str]]]] = {}
        for cc in self.message.constraint.values():
            role = getattr(getattr(cc, "role", None), "role", None)
            if role is not None and role.name != "allowable":
                continue
            region = _region_codes(cc)
            if not region:
                continue
            for target in getattr(cc, "content", ()) or ():
                index.setdefault((_target_kind(target), target.id), []).append(region)
        return index

    def _agreements(self, provider_id: str) -> dict[str, str]:
        """Dataflow id -> provision agreement id for one provider."""
        out = {}
        for pa in self.message.provisionagreement.values():
            dp, usage = pa.data_provider, pa.structure_usage
            if dp is not None and usage is not None and dp.id == provider_id:
                out[usage.id] = pa.id
        return out

    def allowed_codes(self, flow: str, provider: str | None = None) -> dict[str, frozenset[str]]:
        """Component id -> codes allowed by the constraints on the dataflow (and its DSD)
        and, with ``provider``, on the provider and its provision agreement for the flow
        (REF_AREA per provider, DATA_SOURCE per provider type). Components without a
        constraint are absent. StructureNotFoundError if the provider has provision
        agreements but none for this dataflow.
        """
        key = (flow, provider)
        cache = self.__dict__.setdefault("_allowed_cache", {})
        if key in cache:
            return cache[key]
        df = self.dataflow(flow)
        regions = list(self._allowed_regions.get(("dataflow", df.id), []))
        if df.structure is not None:
            regions += self._allowed_regions.get(("dsd", df.structure.id), [])
        if provider is not None:
            dp = self.provider(provider)
            regions += self._allowed_regions.get(("provider", dp.id), [])
            agreements = self._agreements(dp.id)
            if df.id in agreements:
                regions += self._allowed_regions.get(("pa", agreements[df.id]), [])
            elif agreements:
                raise StructureNotFoundError(
                    "No provision agreement",
                    f"data provider {dp.id} has no provision agreement for dataflow {df.id}",
                    context={"provider": dp.id, "dataflow": df.id},
                )
        result: dict[str, frozenset[str]] = {}
        for region in regions:
            for cid, codes in region.items():
                result[cid] = result[cid] & codes if cid in result else codes
        cache[key] = result
        return result


#: Words for the artefact classes looked up by kind, for messages (not sdmx1's class names).
_KIND_NAMES = {
    common.BaseDataflow: "dataflow",
    common.BaseDataStructureDefinition: "data structure",
    common.Codelist: "codelist",
}


def _target_kind(target) -> str:
    """What a constraint is attached to, as the keys of ``_allowed_regions``."""
    if isinstance(target, common.BaseDataflow):
        return "dataflow"
    if isinstance(target, common.ProvisionAgreement):
        return "pa"
    if isinstance(target, common.DataProvider):
        return "provider"
    if isinstance(target, common.BaseDataStructureDefinition):
        return "dsd"
    return type(target).__name__


def _region_codes(cc) -> dict[str, frozenset[str]]:
    """Codes per component over a constraint's included cube regions (their union)."""
    out: dict[str, set[str]] = {}
    for region in getattr(cc, "data_content_region", None) or []:
        if not region.included:
            continue
        for component, selection in region.member.items():
            if not getattr(selection, "included", True):
                continue
            cid = getattr(component, "id", str(component))
            out.setdefault(cid, set()).update(str(v.value) for v in selection.values)
    return {cid: frozenset(codes) for cid, codes in out.items()}


def _item_urn(scheme, item) -> str | None:
    try:
        return sdmx.urn.make(item, scheme)
    except Exception:
        return None


def read_structure_file(path: str | Path) -> StructureSet:
    """Load any SDMX-ML 2.1 or 3.0 structure message, parsed with the hardened parser.

    sdmx1 builds the model from the hardened tree, through the reader adapter in
    ``_sdmx1_v30`` (valid constructs sdmx1 2.28 cannot read alone, such as the
    SDMX-ML 3.0 our own exports write).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StructureError("Cannot read structure file", f"{path}: {exc.strerror}") from None
    return read_structure_bytes(data, source_name=str(path))


def read_structure_bytes(data: bytes, source_name: str = "structure message") -> StructureSet:
    """Like ``read_structure_file``, for a message held in memory (an upload, a store).

    SDMX-JSON 2.0 structure messages are read too: translated member for
    member into SDMX-ML 2.1 (``_read_json20``), then read like any other.
    """
    root = structure_message_root(data, source_name)
    _check_item_references(root, source_name)
    return _structures_of(root, source_name)


def read_structure_parts(
    data: bytes, source_name: str = "structure message"
) -> tuple[StructureSet, dict[tuple[str, str, str, str], str]]:
    """Like ``read_structure_bytes``, judging each artefact on its own.

    An artefact that refers to an item which a scheme of the same message
    lacks (a categorisation into a category the message's category scheme
    does not hold) cannot be read with the message. Rather than refuse the
    whole message, it is left out and returned with the reason, keyed by
    (type, agency, id, version): SDMX REST maintenance then refuses that
    artefact (409) and judges the others, as its 207 partial success asks.
    """
    root = structure_message_root(data, source_name)
    refused: dict[tuple[str, str, str, str], str] = {}
    for key, element, problems in _items_lacking(root):
        refused[key] = "; ".join(problems)
        box = element.getparent()
        box.remove(element)
        if not any(isinstance(child.tag, str) for child in box):
            box.getparent().remove(box)
    return _structures_of(root, source_name), refused


def _structures_of(root, source_name: str) -> StructureSet:
    try:
        message = read_message(root)
    except ParseError:
        raise
    except Exception as exc:
        raise StructureError(
            "Unreadable structure message", f"{source_name}: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(message, StructureMessage):
        raise StructureError("Not an SDMX structure message", source_name)
    structures = StructureSet(message, source=source_name)
    structures.check_usable()
    return structures


def _check_item_references(root, source_name: str) -> None:
    """A reference to an item that a scheme of the message lacks, named (sdmx1 fails
    on it with a bare KeyError)."""
    from mosy_sdmx.exceptions import MissingReferenceError

    problems = [problem for _, _, found in _items_lacking(root) for problem in found]
    if problems:
        raise MissingReferenceError(
            "Reference to a missing item", f"{source_name}: " + "; ".join(problems)
        )


def _items_lacking(root) -> list[tuple[tuple[str, str, str, str], Any, list[str]]]:
    """(key, element, problems in words) of each artefact of the message that refers
    to an item a whole scheme of the same message lacks."""
    from mosy_sdmx.structures.fragments import _ELEMENT_TYPES, missing_items
    from mosy_sdmx.structures.references import ArtefactRef, describe_item

    elements = [
        ((kind, el.get("agencyID", ""), el.get("id", ""), el.get("version") or "1.0"), el)
        for box in root.iterfind("{*}Structures/{*}*")
        for el in box
        if isinstance(el.tag, str)
        and (kind := _ELEMENT_TYPES.get(el.tag.rsplit("}", 1)[-1])) is not None
    ]
    # sdmx1 fails on these (KeyError); a missing concept or code it only logs.
    lacking = missing_items(elements, ("Category", "DataProvider", "DataConsumer", "Agency"))
    by_key = dict(elements)
    return [
        (
            key,
            by_key[key],
            [
                f"{ArtefactRef(*key)} refers to {describe_item(ArtefactRef(*scheme), item)}, "
                "which that scheme in the message does not hold"
                for scheme, item in items
            ],
        )
        for key, items in sorted(lacking.items())
    ]


def structure_message_root(data: bytes, source_name: str = "structure message"):
    """The SDMX-ML ``<Structure>`` root of a structure message in any format read here.

    SDMX-ML is parsed with the hardened parser (ParseError on hostile XML);
    SDMX-JSON is decoded within the nesting limit and translated to SDMX-ML 2.1.
    """
    from mosy_sdmx.safe_xml import parse_bytes
    from mosy_sdmx.structures._read_json20 import is_json, json20_to_ml21

    if is_json(data):
        return json20_to_ml21(_decode_json(data, source_name), source_name)
    tree = parse_bytes(data, source_name=source_name)  # raises ParseError on hostile XML
    root = tree.getroot()
    local = root.tag.rsplit("}", 1)[-1]
    if local != "Structure":
        raise StructureError(
            "Not an SDMX structure message",
            f"{source_name}: the root element is <{local}>, expected <Structure>",
        )
    return root


def _decode_json(data: bytes, source_name: str):
    import msgspec

    from mosy_sdmx.io.sdmx_json._messages import check_depth

    check_depth(data, source_name)
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ParseError("Malformed JSON", f"{source_name}: {exc}") from None
