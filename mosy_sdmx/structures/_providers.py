"""``dsd/providers.yaml``: data providers, provision agreements and their constraints.

Each provider carries COUNTRY and PROVIDER_TYPE annotations (THB-DATA-MODEL
§3.1); each provider × dataflow gets a ProvisionAgreement whose
ContentConstraint allows the provider's REF_AREAs and the DATA_SOURCEs of
its type (§3.5 rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sdmx.urn
from sdmx.model import common, v21

from mosy_sdmx.structures._dsds import VERSION, FlowInfo, _finish, constraint_for
from mosy_sdmx.structures._selection import resolve_selection
from mosy_sdmx.structures._shapes import check_shape
from mosy_sdmx.structures._source_files import (
    LineDict,
    LineList,
    display_name,
    fail,
    names,
    read_yaml,
)

PROVIDERS_FILE = "providers.yaml"
ANN_COUNTRY = "COUNTRY"
ANN_PROVIDER_TYPE = "PROVIDER_TYPE"


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    id: str
    country: str | None
    type: str
    ref_areas: frozenset[str]
    data_sources: frozenset[str]
    flows: tuple[str, ...]


def agency_scheme() -> tuple[common.AgencyScheme, dict[str, common.Agency]]:
    """SDMX:AGENCIES(1.0) naming MOSY and the agencies whose codes it reuses.

    The XSD fixes id AGENCIES and version 1.0 for agency schemes.
    """
    sdmx_agency = common.Agency(id="SDMX", name={"en": "SDMX"})
    scheme = common.AgencyScheme(
        id="AGENCIES",
        name={"en": "SDMX agencies"},
        version="1.0",
        maintainer=sdmx_agency,
        is_final=False,
        is_external_reference=False,
    )
    _finish(scheme)
    agencies = {
        "SDMX": sdmx_agency,
        "ESTAT": common.Agency(id="ESTAT", name={"en": "Eurostat"}),
        "MOSY": common.Agency(
            id="MOSY",
            name={
                "en": "Pan-European THB Monitoring System",
                "fr": "Système paneuropéen de suivi de la traite des êtres humains",
                "de": "Europaweites Monitoringsystem für Menschenhandel",
            },
        ),
    }
    for agency in agencies.values():
        scheme.append(agency)
        agency.urn = f"urn:sdmx:org.sdmx.infomodel.base.Agency={agency.id}"
    return scheme, agencies


def load_providers(
    folder: Path,
    codelists: dict[str, common.Codelist],
    flows: list[FlowInfo],
    mosy: common.Agency,
) -> tuple[
    common.DataProviderScheme,
    list[common.ProvisionAgreement],
    list[v21.ContentConstraint],
    dict[str, ProviderInfo],
]:
    """The data provider scheme, and one agreement with its constraint per provider × flow."""
    path = folder / PROVIDERS_FILE
    source = display_name(path)
    doc = _read_providers_file(path, source, codelists)
    by_type = _data_sources_by_type(doc, codelists, source)
    flow_ids = {f.flow.id: f for f in flows}
    restricted = tuple(f.flow.id for f in flows if not f.public)
    scheme = _provider_scheme(mosy)
    infos: dict[str, ProviderInfo] = {}
    first_lines: dict[str, int | None] = {}
    agreements, constraints = [], []
    entries: LineList = doc["providers"]
    for i, entry in enumerate(entries):
        line = entries.line_at(i)
        pid = entry["id"]
        if pid in first_lines:
            raise fail(
                f"duplicate provider {pid!r} (first on line {first_lines[pid]})", source, line
            )
        first_lines[pid] = line
        info = _provider_info(entry, line, codelists, by_type, flow_ids, restricted, source)
        provider = _data_provider(entry, info, scheme)
        infos[pid] = info
        for fid in info.flows:
            pa, cc = _agreement(provider, flow_ids[fid], info, codelists, mosy)
            agreements.append(pa)
            constraints.append(cc)
    return scheme, agreements, constraints, infos


def _read_providers_file(path: Path, source: str, codelists) -> LineDict:
    if not path.is_file():
        raise fail(f"the provider file {PROVIDERS_FILE} is missing", source)
    doc = read_yaml(path)
    check_shape(doc, "providers", source)
    for needed in ("CL_PROVIDER_TYPE", "CL_GEO", "CL_THB_SOURCE"):
        if needed not in codelists:
            raise fail(f"{PROVIDERS_FILE} needs codelist {needed}", source, 1, codelist=needed)
    return doc


def _provider_scheme(mosy: common.Agency) -> common.DataProviderScheme:
    """MOSY:DATA_PROVIDERS(1.0): the XSD fixes the id and version of provider schemes."""
    scheme = common.DataProviderScheme(
        id="DATA_PROVIDERS",
        name={"en": "MoSy data providers"},
        version="1.0",
        maintainer=mosy,
        is_final=False,
        is_external_reference=False,
    )
    return _finish(scheme)


def _provider_info(
    entry: LineDict,
    line: int | None,
    codelists: dict[str, common.Codelist],
    by_type: dict[str, frozenset[str]],
    flow_ids: dict[str, FlowInfo],
    restricted: tuple[str, ...],
    source: str,
) -> ProviderInfo:
    """What one provider may report: its type's data sources, its areas, its dataflows."""
    pid = entry["id"]
    ptype = str(entry["type"])
    if ptype not in codelists["CL_PROVIDER_TYPE"].items:
        raise fail(
            f"provider {pid}: type {ptype!r} is not a code of CL_PROVIDER_TYPE",
            source,
            entry.line_of("type"),
        )
    if ptype not in by_type:
        raise fail(
            f"provider {pid}: type {ptype} has no entry in data_sources_by_type",
            source,
            entry.line_of("type"),
        )
    country = str(entry["country"]) if entry.get("country") is not None else None
    if country is not None and country not in codelists["CL_GEO"].items:
        raise fail(
            f"provider {pid}: country {country!r} is not a code of CL_GEO",
            source,
            entry.line_of("country"),
        )
    raw_areas = entry.get("ref_areas", [country] if country else None)
    if raw_areas is None:
        raise fail(f"provider {pid}: a provider without country needs 'ref_areas'", source, line)
    ref_areas = resolve_selection(
        raw_areas,
        codelists["CL_GEO"],
        codelists,
        f"provider {pid}, ref_areas",
        source,
        entry.line_of("ref_areas"),
    )
    provider_flows = tuple(map(str, entry.get("dataflows", restricted)))
    for fid in provider_flows:
        if fid not in flow_ids:
            raise fail(
                f"provider {pid}: unknown dataflow {fid!r}", source, entry.line_of("dataflows")
            )
    return ProviderInfo(pid, country, ptype, frozenset(ref_areas), by_type[ptype], provider_flows)


def _data_provider(
    entry: LineDict, info: ProviderInfo, scheme: common.DataProviderScheme
) -> common.DataProvider:
    """The provider, in its scheme, with its COUNTRY and PROVIDER_TYPE annotations."""
    provider = common.DataProvider(
        id=info.id,
        name=names(entry["name"]),
        annotations=[
            v21.Annotation(id=ANN_COUNTRY, title=info.country or ""),
            v21.Annotation(id=ANN_PROVIDER_TYPE, title=info.type),
        ],
    )
    scheme.append(provider)
    provider.urn = sdmx.urn.make(provider, scheme)
    return provider


def _data_sources_by_type(
    doc: LineDict, codelists: dict[str, common.Codelist], source: str
) -> dict[str, frozenset[str]]:
    raw: LineDict = doc["data_sources_by_type"]
    types = codelists["CL_PROVIDER_TYPE"]
    out = {}
    for ptype, codes in raw.items():
        line = raw.line_of(ptype)
        if str(ptype) not in types.items:
            raise fail(f"{ptype!r} is not a code of CL_PROVIDER_TYPE", source, line)
        out[str(ptype)] = frozenset(
            resolve_selection(
                codes,
                codelists["CL_THB_SOURCE"],
                codelists,
                f"data sources of {ptype}",
                source,
                line,
            )
        )
    return out


def _agreement(provider, info_flow: FlowInfo, info: ProviderInfo, codelists, mosy):
    flow = info_flow.flow
    pa = common.ProvisionAgreement(
        id=f"PA_{provider.id}_{flow.id}",
        name={"en": f"{provider.id} provides {flow.id}"},
        version=VERSION,
        maintainer=mosy,
        is_final=True,
        is_external_reference=False,
        structure_usage=flow,
        data_provider=provider,
    )
    _finish(pa)
    dsd = flow.structure
    components = {c.id: c for c in dsd.dimensions.components}
    allowed = {}
    order = {}
    for cid, codes, cl in (
        ("REF_AREA", info.ref_areas, "CL_GEO"),
        ("DATA_SOURCE", info.data_sources, "CL_THB_SOURCE"),
    ):
        if cid in components:
            allowed[cid] = codes
            order[cid] = list(codelists[cl].items)
    cc = constraint_for(
        f"CC_{pa.id}",
        pa,
        components,
        allowed,
        order,
        mosy,
        f"What {provider.id} may report in {flow.id}",
    )
    return pa, cc
