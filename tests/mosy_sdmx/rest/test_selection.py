"""Selection and export of structure queries: references, detail, items; valid messages."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from schemas import assert_valid_json, assert_valid_xml

from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.rest.query import parse_structure_query
from mosy_sdmx.rest.selection import export_selection, select_schema, select_structures
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.references import ArtefactRef, ReferenceGraph

FORMATS = ("sdmx-ml-2.1", "sdmx-ml-3.0", "sdmx-json-2.0")
VICTIMS = ArtefactRef("dataflow", "MOSY", "DF_THB_VICTIMS", "1.0.0")
PERSONS = ArtefactRef("datastructure", "MOSY", "DSD_THB_PERSONS", "1.0.0")


@pytest.fixture(scope="module")
def thb():
    structures = builtin_structures()
    return structures, ReferenceGraph.build(structures.artefacts())


def _select(thb, *args, **params):
    structures, graph = thb
    return select_structures(structures, graph, parse_structure_query(*args, params=params))


def _valid(message: bytes, fmt: str) -> None:
    if fmt == "sdmx-json-2.0":
        assert_valid_json(json.loads(message), "structure")
    else:
        assert_valid_xml(message, fmt[-3:])


def test_descendants_of_a_dataflow(thb) -> None:
    selection = _select(
        thb, "v1", "dataflow", "MOSY", "DF_THB_VICTIMS", "1.0.0", references="descendants"
    )
    assert selection.matched == [VICTIMS]
    kinds = {r.type for r in selection.referenced}
    assert {"datastructure", "conceptscheme", "codelist", "agencyscheme"} == kinds
    assert PERSONS in selection.referenced and not selection.stubs


def test_parents_of_a_codelist_are_its_dsds_and_concept_schemes(thb) -> None:
    selection = _select(thb, "v2", "codelist", "MOSY", "CL_SEX_THB", "~", references="parents")
    assert {r.type for r in selection.referenced} <= {"datastructure", "conceptscheme"}
    assert PERSONS in selection.referenced


def test_a_type_as_references(thb) -> None:
    selection = _select(
        thb, "v2", "datastructure", "MOSY", "DSD_THB_PERSONS", "~", references="dataflow"
    )
    assert VICTIMS in selection.referenced
    assert {r.type for r in selection.referenced} == {"dataflow"}


def test_ancestors_reach_the_provision_agreements(thb) -> None:
    selection = _select(thb, "v2", "codelist", "MOSY", "CL_SEX_THB", "~", references="ancestors")
    assert "provisionagreement" in {r.type for r in selection.referenced}


@pytest.mark.parametrize("fmt", FORMATS)
def test_allstubs_hold_no_items(thb, fmt) -> None:
    structures, graph = thb
    selection = _select(thb, "v2", "codelist", "*", "*", "~", detail="allstubs")
    message = export_selection(structures, graph, selection, fmt)
    _valid(message, fmt)
    if fmt == "sdmx-json-2.0":
        codelists = json.loads(message)["data"]["codelists"]
        assert codelists and all("codes" not in c and c["isExternalReference"] for c in codelists)
    else:
        root = etree.fromstring(message)
        assert not root.xpath("//*[local-name()='Code']")
        assert root.xpath("//*[local-name()='Codelist']/@isExternalReference") == ["true"] * len(
            selection.matched
        )


@pytest.mark.parametrize("fmt", FORMATS)
def test_referencepartial_keeps_the_codes_a_constraint_allows(thb, fmt) -> None:
    structures, graph = thb
    selection = _select(
        thb,
        "v2",
        "dataflow",
        "MOSY",
        "DF_THB_VICTIMS",
        "~",
        references="descendants",
        detail="referencepartial",
    )
    allowed_freq = structures.allowed_codes("DF_THB_VICTIMS")["FREQ"]
    key = ("codelist", "SDMX", "CL_FREQ", "2.1")
    assert selection.partial[key] == allowed_freq
    message = export_selection(structures, graph, selection, fmt)
    _valid(message, fmt)
    if fmt != "sdmx-json-2.0":
        root = etree.fromstring(message)
        freq = root.xpath("//*[local-name()='Codelist'][@id='CL_FREQ']")[0]
        assert freq.get("isPartial") == "true"
        assert {c.get("id") for c in freq.xpath("*[local-name()='Code']")} == allowed_freq


@pytest.mark.parametrize("fmt", FORMATS)
def test_item_query_returns_a_partial_scheme(thb, fmt) -> None:
    structures, graph = thb
    selection = _select(thb, "v1", "codelist", "MOSY", "CL_GEO", "1.0.0", "PT+EL")
    message = export_selection(structures, graph, selection, fmt)
    _valid(message, fmt)
    if fmt == "sdmx-json-2.0":
        codes = json.loads(message)["data"]["codelists"][0]["codes"]
        assert {c["id"] for c in codes} == {"PT", "EL"}
    else:
        assert set(etree.fromstring(message).xpath("//*[local-name()='Code']/@id")) == {"PT", "EL"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_referencecompletestubs_keep_names_and_descriptions(thb, fmt) -> None:
    structures, graph = thb
    selection = _select(
        thb,
        "v2",
        "datastructure",
        "MOSY",
        "DSD_THB_PERSONS",
        "~",
        references="children",
        detail="referencecompletestubs",
    )
    assert all(
        selection.stubs[(r.type, r.agency, r.id, r.version)] == "completestub"
        for r in selection.referenced
    )
    _valid(export_selection(structures, graph, selection, fmt), fmt)


def test_nothing_matching_is_not_found(thb) -> None:
    with pytest.raises(StructureNotFoundError, match="no dataflow matches"):
        _select(thb, "v2", "dataflow", "MOSY", "DF_NONE")
    with pytest.raises(StructureNotFoundError, match="XX"):
        _select(thb, "v2", "codelist", "MOSY", "CL_GEO", "~", "XX")


def test_schema_of_an_agreement_narrows_to_the_provider(thb) -> None:
    structures, graph = thb
    agreement = ArtefactRef("provisionagreement", "MOSY", "PA_PT_NREM_DF_THB_VICTIMS", "1.0.0")
    selection = select_schema(
        structures, graph, agreement, flow="DF_THB_VICTIMS", provider="PT_NREM"
    )
    assert selection.matched == [PERSONS]
    assert selection.partial[("codelist", "MOSY", "CL_GEO", "1.0.0")] == {"PT"}
    assert any(r.type == "dataconstraint" for r in selection.referenced)
    _valid(export_selection(structures, graph, selection, "sdmx-json-2.0"), "sdmx-json-2.0")
