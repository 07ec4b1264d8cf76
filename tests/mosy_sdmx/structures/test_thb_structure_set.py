"""The built-in THB StructureSet: look-ups, providers, constraints, layouts (model §3)."""

from __future__ import annotations

import pytest
from sdmx.model import common

from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.structures import builtin_structures

RESTRICTED = [
    "DF_THB_VICTIMS",
    "DF_THB_OFFENDERS",
    "DF_THB_CASES",
    "DF_THB_PROTECTION",
    "DF_THB_FLOWS",
]
PUBLIC = [
    "DF_THB_VICTIMS_PUB",
    "DF_THB_OFFENDERS_PUB",
    "DF_THB_CASES_PUB",
    "DF_THB_PROTECTION_PUB",
    "DF_THB_RATES_PUB",
]
SEED_PROVIDERS = [
    "PT_NREM", "CY_MOI", "AT_MOI", "BG_NREM", "EL_NREM",
    "INT_IOM", "INT_EUROPOL", "INT_OSCE", "INT_ICMPD",
]  # fmt: skip


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


def test_every_dataflow_of_the_model(thb):
    assert set(thb.dataflows) == set(RESTRICTED + PUBLIC)
    assert set(thb.data_structures) == {
        "DSD_THB_PERSONS", "DSD_THB_CASES", "DSD_THB_PROTECTION", "DSD_THB_FLOWS",
        "DSD_THB_RATES",
    }  # fmt: skip
    for flow in PUBLIC:
        assert thb.is_public(flow)
    for flow in RESTRICTED:
        assert not thb.is_public(flow)


def test_mosy_artefacts_are_1_0_0_final_with_maintainer(thb):
    for artefact in thb.artefacts():
        assert artefact.maintainer is not None, artefact
        assert artefact.is_external_reference is False, artefact
        assert artefact.urn, artefact
        if artefact.maintainer.id == "MOSY" and artefact.id != "DATA_PROVIDERS":
            assert str(artefact.version) == "1.0.0", artefact
    assert str(thb.get("DATA_PROVIDERS").version) == "1.0"  # fixed by the XSD
    assert "MOSY" in thb.get("AGENCIES").items


def test_lookup_by_urn_and_id(thb):
    flow = thb.dataflow("DF_THB_VICTIMS")
    assert thb.by_urn(flow.urn) is flow
    assert (
        flow.urn == "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)"
    )
    assert thb.dataflow(flow.urn) is flow
    dsd = thb.dsd("DSD_THB_PERSONS")
    assert thb.by_urn(dsd.urn) is dsd
    sex = thb.codelist("CL_SEX_THB")
    code = thb.by_urn("urn:sdmx:org.sdmx.infomodel.codelist.Code=MOSY:CL_SEX_THB(1.0.0).UNK")
    assert code is sex.items["UNK"]
    freq = thb.by_urn("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_FREQ(2.1)")
    assert freq is thb.codelist("CL_FREQ")
    provider = thb.by_urn(
        "urn:sdmx:org.sdmx.infomodel.base.DataProvider=MOSY:DATA_PROVIDERS(1.0).PT_NREM"
    )
    assert provider is thb.provider("PT_NREM")
    assert thb.get("CS_THB", common.ConceptScheme).items["PERS_STAT"]
    with pytest.raises(StructureNotFoundError):
        thb.by_urn("urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MOSY:CL_NOPE(1.0.0)")
    with pytest.raises(StructureNotFoundError):
        thb.dataflow("DF_NOPE")


def test_providers_carry_country_and_type(thb):
    providers = thb.providers()
    assert set(SEED_PROVIDERS) <= set(providers)
    for pid in providers:
        ids = {a.id for a in providers[pid].annotations}
        assert {"COUNTRY", "PROVIDER_TYPE"} <= ids, pid
        ptype = thb.provider_type(pid)
        assert ptype in thb.codelist("CL_PROVIDER_TYPE").items
        country = thb.provider_country(pid)
        if pid.startswith("INT_"):
            assert country is None
        else:
            # id = <GEO>_<TYPE>[_<n>], GEO from CL_GEO
            assert pid.startswith(f"{country}_") and country in thb.codelist("CL_GEO").items
    assert thb.provider_country("EL_NREM") == "EL"
    assert thb.provider_type("PT_NREM") == "NREM"
    assert thb.provider_type("INT_EUROPOL") == "EUAGENCY"


def test_ref_area_per_provider(thb):
    assert thb.allowed_codes("DF_THB_VICTIMS", "PT_NREM")["REF_AREA"] == {"PT"}
    for pid in thb.providers():
        country = thb.provider_country(pid)
        areas = thb.allowed_codes("DF_THB_VICTIMS", pid)["REF_AREA"]
        if country:
            assert areas == {country}, pid
        else:
            assert len(areas) > 1 and areas <= set(thb.codelist("CL_GEO").items), pid


def test_data_source_per_provider_type(thb):
    ngo = [p for p in thb.providers() if thb.provider_type(p) == "NGO"]
    assert ngo
    for pid in ngo:
        for flow in RESTRICTED:
            assert thb.allowed_codes(flow, pid)["DATA_SOURCE"] == {"NGO"}
    assert "NREM" in thb.allowed_codes("DF_THB_CASES", "PT_NREM")["DATA_SOURCE"]
    assert thb.allowed_codes("DF_THB_CASES", "INT_IOM")["DATA_SOURCE"] == {"IO"}


def test_codes_per_dataflow(thb):
    victims = thb.allowed_codes("DF_THB_VICTIMS")
    assert victims["PERS_STAT"] == {"PER_VICT", "PER_VICT_ID", "PER_VICT_PR"}
    assert "REF_AREA" not in victims  # no provider: any REF_AREA of the codelist
    assert thb.allowed_codes("DF_THB_OFFENDERS")["PERS_STAT"] == {"PER_SUSP", "PER_PRSC", "PER_CNV"}
    assert "A" in victims["FREQ"]
    assert victims["UNIT_MEASURE"] == {"NR"}
    assert thb.allowed_codes("DF_THB_RATES_PUB")["UNIT_MEASURE"] == {"P_MHAB"}
    # citizenship group codes only in PROTECTION; countries in FLOWS
    protect_cit = thb.allowed_codes("DF_THB_PROTECTION")["CITIZEN"]
    assert "FOR" in protect_cit and "DE" not in protect_cit
    flows_cit = thb.allowed_codes("DF_THB_FLOWS")["CITIZEN"]
    assert {"DE", "NG", "TOTAL"} <= flows_cit and "EU27_2020_FOR" not in flows_cit


def test_public_flows_never_allow_restricted_confidentiality(thb):
    for flow in PUBLIC:
        allowed = thb.allowed_codes(flow)
        # C is the one flag of a value not published (disclosure.yaml), never N, D, A, S.
        assert allowed["CONF_STATUS"] == {"F", "C"}, flow
        if "AGE" in allowed or "AGE" in thb.layout(flow).components:
            assert not {"Y_LT12", "Y12-17"} & allowed["AGE"], flow
    assert {"F", "C", "N", "D"} == thb.allowed_codes("DF_THB_VICTIMS")["CONF_STATUS"]


def test_provider_without_agreement_for_public_flow(thb):
    with pytest.raises(StructureNotFoundError):
        thb.allowed_codes("DF_THB_VICTIMS_PUB", "PT_NREM")


def test_provision_agreement_per_provider_and_restricted_flow(thb):
    pas = thb.message.provisionagreement.values()
    pairs = {(pa.data_provider.id, pa.structure_usage.id) for pa in pas}
    assert pairs == {(p, f) for p in thb.providers() for f in RESTRICTED}


@pytest.mark.parametrize("flow", RESTRICTED + PUBLIC)
def test_layout_for_every_dataflow(thb, flow):
    layout = thb.layout(flow)
    assert layout.flow_id == flow and layout.time_dimension == "TIME_PERIOD"
    assert layout.dimensions[:3] == ("FREQ", "REF_AREA", "DATA_SOURCE")
    assert layout.measures == ("OBS_VALUE",)
    # Counts are whole numbers; only the computed rates carry decimals.
    kind = "number" if flow == "DF_THB_RATES_PUB" else "integer"
    assert layout.components["OBS_VALUE"].kind.value == kind
    for dim in layout.dimensions:
        comp = layout.components[dim]
        assert comp.codes == frozenset(thb.codelist(comp.codelist).items), dim
    levels = {a: layout.components[a].level.value for a in layout.attributes}
    assert levels["OBS_STATUS"] == levels["CONF_STATUS"] == levels["COMMENT_OBS"] == "observation"
    assert levels["UNIT_MEASURE"] == levels["COUNT_RULE"] == "series"
    assert levels["UNIT_MULT"] == levels["DECIMALS"] == "dataset"
    assert layout.components["COMMENT_OBS"].max_length == 1000
    assert layout.components["OBS_STATUS"].mandatory
    assert not layout.components["COMMENT_OBS"].mandatory


def test_persons_key_order_follows_the_model(thb):
    assert thb.layout("DF_THB_VICTIMS").dimensions == (
        "FREQ", "REF_AREA", "DATA_SOURCE", "PERS_STAT", "SEX", "AGE", "CITIZEN", "EXPLOIT",
    )  # fmt: skip
    assert thb.layout("DF_THB_FLOWS").dimensions[-1] == "RECRUIT_AREA"
    assert thb.layout("DF_THB_FLOWS").components["RECRUIT_AREA"].codelist == "CL_GEO_WORLD"
    assert thb.layout("DF_THB_CASES").dimensions[3:] == ("OFFENCE", "CJ_STAGE", "EXPLOIT")


def test_provider_by_id_or_urn(thb):
    provider = thb.provider("PT_NREM")
    assert thb.provider(provider.urn) is provider
    with pytest.raises(StructureNotFoundError):
        thb.provider("urn:sdmx:org.sdmx.infomodel.base.DataProvider=MOSY:DATA_PROVIDERS(1.0).XX")
    with pytest.raises(StructureNotFoundError):
        thb.provider("urn:not-an-sdmx-urn")
