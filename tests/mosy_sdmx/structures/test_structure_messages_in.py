"""Structure messages in any format become the same storable SDMX-ML 2.1 fragments.

SDMX-JSON 2.0 (and 1.0) structure messages are translated to SDMX-ML 2.1;
artefacts read from SDMX-ML 3.0 (sdmx1's SDMX 3.0 model, which sdmx1 cannot
write) are stored through the same translation. Malformed JSON members are
named by their JSON path; what SDMX 2.1 cannot hold is refused by name.
"""

from __future__ import annotations

import json
import re

import pytest
from paths import STANDARDS

from mosy_sdmx.exceptions import ParseError, StructureError
from mosy_sdmx.structures import builtin_structures, load_structures
from mosy_sdmx.structures.export import export_structures
from mosy_sdmx.structures.fragments import storable_fragments
from mosy_sdmx.structures.structure_set import read_structure_bytes

JSON_SAMPLE = STANDARDS / "sdmx-json/2.0.0/samples/structure/constructed-sample.json"
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


@pytest.fixture(scope="module")
def stored_21():
    """The THB fragments as the registry stores them from an SDMX-ML 2.1 message."""
    message = export_structures(builtin_structures(), "sdmx-ml-2.1")
    return {f.key: f for f in storable_fragments(read_structure_bytes(message))}


def _without_final(content: bytes) -> bytes:
    return re.sub(rb' isFinal="\w+"', b"", content, count=1)


def test_sdmx_json_20_gives_the_same_fragments(stored_21) -> None:
    message = export_structures(builtin_structures(), "sdmx-json-2.0")
    got = {f.key: f for f in storable_fragments(read_structure_bytes(message, "thb.json"))}
    assert set(got) == set(stored_21)
    for key, fragment in stored_21.items():
        assert _without_final(got[key].content) == _without_final(fragment.content), key
        # SDMX-JSON 2.0 has no isFinal: only semantic versions say "stable".
        assert got[key].is_final == bool(SEMVER.match(key[3])), key


def test_sdmx_ml_30_artefacts_are_storable(stored_21) -> None:
    message = export_structures(builtin_structures(), "sdmx-ml-3.0")
    got = {f.key: f for f in storable_fragments(read_structure_bytes(message, "thb-30.xml"))}
    assert set(got) == set(stored_21)
    for kind in ("datastructure", "dataflow", "dataconstraint", "provisionagreement"):
        keys = [k for k in stored_21 if k[0] == kind]
        assert keys
        for key in keys:
            assert _without_final(got[key].content) == _without_final(stored_21[key].content)


def test_the_official_sdmx_json_sample_reads() -> None:
    structures = load_structures(JSON_SAMPLE)
    layout = structures.layout("EXR")
    assert layout.dimensions == ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX")
    assert layout.time_dimension == "TIME_PERIOD" and layout.measures == ("OBS_VALUE",)
    assert structures.allowed_codes("EXR")["FREQ"] == {"A", "M", "Q"}
    assert {f.type for f in storable_fragments(structures)} >= {"categorisation", "codelist"}


def test_item_order_survives_reading() -> None:
    """sdmx1 moves an item with a parent right after its parent (quirk 15)."""
    builtin = builtin_structures().codelist("CL_AGE_THB")
    message = export_structures(builtin_structures(), "sdmx-ml-2.1")
    assert list(read_structure_bytes(message).codelist("CL_AGE_THB").items) == list(builtin.items)


def _codelist(**overrides) -> dict:
    codelist = {
        "id": "CL_X",
        "agencyID": "MOSY",
        "version": "1.0.0",
        "names": {"en": "X"},
        "codes": [{"id": "A", "names": {"en": "A"}}],
    }
    return {"data": {"codelists": [codelist | overrides]}}


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (_codelist(codes=[{"id": "A"}, "B"]), "$.data.codelists[0].codes[1]"),
        (_codelist(names="X"), "$.data.codelists[0].names"),
        (_codelist(agencyID=None), "$.data.codelists[0].agencyID"),
        (
            {
                "data": {
                    "dataflows": [
                        {"id": "F", "agencyID": "A", "version": "1.0", "structure": "DSD_X"}
                    ]
                }
            },
            "$.data.dataflows[0].structure",
        ),
    ],
)
def test_a_malformed_member_is_named_by_its_path(document, path) -> None:
    with pytest.raises(StructureError) as caught:
        read_structure_bytes(json.dumps(document).encode(), "upload.json")
    assert path in str(caught.value)


def test_types_the_registry_does_not_hold_are_named() -> None:
    document = _codelist()
    document["data"]["hierarchies"] = [{"id": "H"}]
    with pytest.raises(StructureError, match="hierarchies"):
        read_structure_bytes(json.dumps(document).encode())


def test_a_data_message_is_not_a_structure_message() -> None:
    with pytest.raises(StructureError, match="data message"):
        read_structure_bytes(b'{"data": {"dataSets": []}}')


def test_deep_json_is_refused_before_decoding() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        read_structure_bytes(b"[" * 10_000 + b"]" * 10_000)


def test_several_measures_cannot_be_held_in_sdmx_21() -> None:
    document = json.loads(export_structures(builtin_structures(), "sdmx-json-2.0"))
    dsd = document["data"]["dataStructures"][0]
    measures = dsd["dataStructureComponents"]["measureList"]["measures"]
    measures.append(dict(measures[0], id="OBS_VALUE2"))
    with pytest.raises(StructureError, match="2 measures"):
        read_structure_bytes(json.dumps(document).encode())


def test_codelist_extensions_are_refused_not_dropped() -> None:
    """SDMX 2.1 rows cannot hold a CodelistExtension: storing one would lose the codes
    it takes over, so it is refused by name (SDMX-ML 3.0 and SDMX-JSON alike)."""
    extended = load_structures(STANDARDS / "sdmx-ml/3.0/samples/Codelist/codelist - extended.xml")
    with pytest.raises(StructureError, match=r"EXAMPLE:CL_EXTENDED_AGE\(1.0\)"):
        storable_fragments(extended)
    document = _codelist(codelistExtensions=[{"codelist": "urn:x"}])
    with pytest.raises(StructureError, match="codelistExtensions"):
        read_structure_bytes(json.dumps(document).encode())
