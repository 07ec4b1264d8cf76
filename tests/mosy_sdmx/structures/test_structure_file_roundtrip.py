"""--structure FILE: our own THB exports read back exactly; official samples load.

The built-in THB structures are exported as SDMX-ML 2.1 and 3.0 and as
SDMX-JSON 2.0, and read back
with ``load_structures(path)``: same artefacts, names, items, ComponentLayout of
every dataflow and allowed codes of every (dataflow, provider) pair. sdmx1 2.28
alone fails on the 3.0 file and loses provider constraints and agreement
names in the 2.1 file (see mosy_sdmx/structures/_sdmx1_v30.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from paths import ROOT, SPECIMENS, STANDARDS
from sdmx.model import common

from mosy_sdmx.exceptions import StructureError, StructureNotFoundError
from mosy_sdmx.structures import AttachmentLevel, StructureSet, builtin_structures, load_structures
from mosy_sdmx.structures.export import export_structures

NS_STR30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure"
NS_STR21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
SAMPLES_30 = STANDARDS / "sdmx-ml" / "3.0" / "samples"
ECB_DIR = SPECIMENS / "ECB_EXR"
#: SDMX-ML 3.0.0 types Code/Parent as an id starting with a letter ("_T" cannot be one).
LETTER_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
VERSIONS = ("2.1", "3.0")
#: Format of each export read back: the SDMX-ML versions, and SDMX-JSON 2.0.
EXPORTS = {"2.1": "sdmx-ml-2.1", "3.0": "sdmx-ml-3.0", "json-2.0": "sdmx-json-2.0"}


@pytest.fixture(scope="module")
def builtin() -> StructureSet:
    return builtin_structures()


@pytest.fixture(scope="module")
def exported(builtin, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("thb-structures")
    out = {}
    for version, fmt in EXPORTS.items():
        path = folder / f"thb-{version}.{'json' if 'json' in fmt else 'xml'}"
        export_structures(builtin, fmt, path)
        out[version] = path
    return out


@pytest.fixture(scope="module", params=list(EXPORTS))
def read_back(request, exported) -> tuple[str, StructureSet]:
    return request.param, load_structures(exported[request.param])


# -- comparison helpers ---------------------------------------------------------------


def _content(structures: StructureSet, version: str) -> dict[tuple[str, str], dict]:
    """(class, id) -> maintainer, version, names and items of every artefact."""
    out = {}
    for artefact in structures.artefacts():
        kind = type(artefact).__name__
        kind = {"DataflowDefinition": "Dataflow", "ContentConstraint": "DataConstraint"}.get(
            kind, kind.replace("DataStructureDefinition", "DSD")
        )
        entry: dict = {
            "maintainer": artefact.maintainer.id,
            "version": str(artefact.version),
            "name": dict(artefact.name.localizations),
            "external": bool(artefact.is_external_reference),
        }
        if isinstance(artefact, common.ItemScheme):
            entry["items"] = {i.id: dict(i.name.localizations) for i in artefact.items.values()}
            entry["parents"] = {
                i.id: i.parent.id
                for i in artefact.items.values()
                if isinstance(i.parent, type(i))
                and (version != "3.0" or LETTER_ID.fullmatch(i.parent.id))
            }
        out[(kind, artefact.id)] = entry
    return out


# -- THB exports read back exactly ----------------------------------------------------


def test_same_artefacts_names_and_items(builtin, read_back):
    version, structures = read_back
    expected = _content(builtin, version)
    got = _content(structures, version)
    assert set(got) == set(expected)  # no phantom dataflow from <str:Dataflow/>
    for key in expected:
        assert got[key] == expected[key], key


def test_same_dataflows_and_dsds(builtin, read_back):
    _, structures = read_back
    assert list(structures.dataflows) == list(builtin.dataflows)
    for flow_id, flow in builtin.dataflows.items():
        assert structures.dataflow(flow_id).structure.id == flow.structure.id


def test_same_layout_for_every_dataflow(builtin, read_back):
    _, structures = read_back
    for flow in builtin.dataflows:
        assert structures.layout(flow) == builtin.layout(flow), flow


def test_dataset_attributes_stay_at_dataset_level(builtin, read_back):
    """SDMX-ML 3.0 writes <str:Dataflow/> for them; 2.1 <str:None/>."""
    _, structures = read_back
    for flow in builtin.dataflows:
        expected = builtin.layout(flow).attributes_at(AttachmentLevel.DATASET)
        assert expected  # UNIT_MULT, DECIMALS at least
        assert structures.layout(flow).attributes_at(AttachmentLevel.DATASET) == expected
        mandatory = [a for a, c in builtin.layout(flow).components.items() if c.mandatory]
        got = [a for a, c in structures.layout(flow).components.items() if c.mandatory]
        assert got == mandatory


def _allowed(structures: StructureSet, flow: str, provider: str | None):
    try:
        return structures.allowed_codes(flow, provider)
    except StructureNotFoundError:
        return "no agreement"


def test_same_allowed_codes_for_every_flow_and_provider(builtin, read_back):
    _, structures = read_back
    narrowed = 0
    for flow in builtin.dataflows:
        for provider in [None, *builtin.providers()]:
            expected = _allowed(builtin, flow, provider)
            assert _allowed(structures, flow, provider) == expected, (flow, provider)
            if isinstance(expected, dict) and provider is not None:
                narrowed += expected != builtin.allowed_codes(flow)
    assert narrowed > 0  # provider constraints (on provision agreements) really compared


def test_provider_facts_survive(builtin, read_back):
    _, structures = read_back
    assert set(structures.providers()) == set(builtin.providers())
    for provider in builtin.providers():
        assert structures.provider_country(provider) == builtin.provider_country(provider)
        assert structures.provider_type(provider) == builtin.provider_type(provider)


def test_provision_agreements_keep_flow_provider_and_name(builtin, read_back):
    _, structures = read_back
    expected = {
        pa.id: (pa.structure_usage.id, pa.data_provider.id, dict(pa.name.localizations))
        for pa in builtin.message.provisionagreement.values()
    }
    got = {
        pa.id: (pa.structure_usage.id, pa.data_provider.id, dict(pa.name.localizations))
        for pa in structures.message.provisionagreement.values()
    }
    assert got == expected


def test_constraint_members_are_the_dsd_components(read_back):
    """Selections on agreement constraints are keyed by the DSD's own components."""
    _, structures = read_back
    for constraint in structures.message.constraint.values():
        target = next(iter(constraint.content))
        flow = target.structure_usage if isinstance(target, common.ProvisionAgreement) else target
        dsd = flow.structure
        own = {
            id(c) for cl in (dsd.dimensions, dsd.attributes, dsd.measures) for c in cl.components
        }
        for region in constraint.data_content_region:
            assert region.included is True
            assert region.member and all(id(c) in own for c in region.member)


# -- region inclusion ------------------------------------------------------------------


def _rewrite(path: Path, target: Path, edit) -> Path:
    root = etree.parse(str(path)).getroot()
    edit(root)
    target.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return target


def test_excluded_region_is_not_read_as_included(builtin, exported, tmp_path):
    def exclude_first_region(root):
        region = next(root.iter(f"{{{NS_STR30}}}CubeRegion"))
        region.set("include", "false")

    structures = load_structures(
        _rewrite(exported["3.0"], tmp_path / "excluded.xml", exclude_first_region)
    )
    regions = [r for cc in structures.message.constraint.values() for r in cc.data_content_region]
    assert [r.included for r in regions].count(False) == 1
    flow = "DF_THB_CASES"  # the first constraint of the export is its dataflow's
    assert structures.allowed_codes(flow) != builtin.allowed_codes(flow)


def test_21_region_without_include_is_included(builtin, exported, tmp_path):
    def drop_include(root):
        for region in root.iter(f"{{{NS_STR21}}}CubeRegion"):
            del region.attrib["include"]

    structures = load_structures(_rewrite(exported["2.1"], tmp_path / "noinc.xml", drop_include))
    for flow in builtin.dataflows:
        assert structures.allowed_codes(flow) == builtin.allowed_codes(flow)


# -- SDMX-ML 3.0 attribute relationships -----------------------------------------------

ECB_DSD_30 = SAMPLES_30 / "Data Structure Definition" / "ECB_EXR.xml"


def test_30_group_only_and_dataflow_relationships(tmp_path):
    def relate(root):
        for attr in root.iter(f"{{{NS_STR30}}}Attribute"):
            rel = attr.find(f"{{{NS_STR30}}}AttributeRelationship")
            if attr.get("id") in ("TITLE", "UNIT_MULT"):
                rel.clear()
                child = "Group" if attr.get("id") == "TITLE" else "Dataflow"
                etree.SubElement(rel, f"{{{NS_STR30}}}{child}").text = (
                    "Group" if child == "Group" else None
                )

    structures = load_structures(_rewrite(ECB_DSD_30, tmp_path / "rel.xml", relate))
    layout = structures.layout()
    group = structures.dsd(layout.dsd_id).group_dimensions["Group"]
    title = layout.components["TITLE"]
    assert title.level is AttachmentLevel.GROUP
    assert title.related_dimensions == tuple(d.id for d in group.components)
    assert layout.components["UNIT_MULT"].level is AttachmentLevel.DATASET
    assert list(structures.dataflows) == []  # <str:Dataflow/> made no phantom flow
    assert layout.components["UNIT_MULT"].mandatory  # usage="mandatory" is read
    assert not layout.components["OBS_CONF"].mandatory  # usage="optional"


# -- official samples and ECB specimens -------------------------------------------------


def _structure_messages(paths) -> list[Path]:
    """The files whose root element is <Structure> (not data messages)."""
    found = []
    for path in sorted(paths):
        _, root = next(etree.iterparse(str(path), events=("start",)))
        if etree.QName(root).localname == "Structure":
            found.append(path)
    return found


SAMPLE_FILES = _structure_messages(SAMPLES_30.glob("*/*.xml"))
ECB_FILES = _structure_messages(
    [*ECB_DIR.glob("*structure*.xml"), *ECB_DIR.glob("1/structure*.xml")]
)


def test_sample_lists_are_complete():
    assert len(SAMPLE_FILES) >= 12
    assert len(ECB_FILES) >= 8


@pytest.mark.parametrize(
    "path", SAMPLE_FILES + ECB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_official_structure_messages_load(path):
    structures = load_structures(path)
    artefacts = list(structures.artefacts())
    assert artefacts
    for dsd in structures.data_structures.values():
        if dsd.is_external_reference:
            continue  # named by a dataflow, not defined in this message
        layout = structures.layout(dsd.id)
        assert layout.dimensions or layout.time_dimension
        assert all(layout.components[a].level is not None for a in layout.attributes)


def test_item_urn_naming_another_item_keeps_the_id():
    """The official geospatial sample gives codes A2, A3 the URN of A1."""
    path = SAMPLES_30 / "Geospatial" / "geospatial_geographiccodelist.xml"
    codelist = next(iter(load_structures(path).codelists.values()))
    assert {"A1", "A2", "A3"} <= set(codelist.items)


def test_unreadable_message_is_a_structure_error_without_noise(tmp_path, capfd):
    bad = tmp_path / "bad.xml"
    text = ECB_DSD_30.read_text(encoding="utf-8")
    # an element sdmx1 has no parser for (sdmx1 prints its stacks when it fails)
    bad.write_text(text.replace("<str:DataStructures>", "<str:Unknown/><str:DataStructures>", 1))
    with pytest.raises(StructureError, match="Unreadable structure message"):
        load_structures(bad)
    assert capfd.readouterr().out == ""


# -- sdmx1 import-order quirk ------------------------------------------------------------

SCRIPT = """
import contextlib, io, sys
import sdmx
structure = sdmx.read_sdmx(sys.argv[1])
dsd = next(iter(structure.structure.values()))
with contextlib.redirect_stdout(io.StringIO()):
    sdmx.read_sdmx(sys.argv[2], structure=dsd)  # 2.1 structure-specific data
assert "sdmx.reader.xml.v30" not in sys.modules
from mosy_sdmx.structures import load_structures
print(len(load_structures(sys.argv[3]).dataflows))
import sdmx.reader.xml.v30
"""


def test_30_structures_load_after_sdmx1_read_21_structure_specific_data(exported):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(ECB_DIR / "ng-structure-full.xml"),
            str(ECB_DIR / "ng-flat-ss.xml"),
            str(exported["3.0"]),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [str(len(builtin_structures().dataflows))]
