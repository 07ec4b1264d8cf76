"""Dataflow-specific XSD generator against real third-party messages."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from paths import SPECIMENS, STANDARDS
from schemas import assert_valid_xml

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import load_structures
from mosy_sdmx.structures.xsd import dataflow_schema

XS = "{http://www.w3.org/2001/XMLSchema}"
ECB_30_SAMPLE = STANDARDS / "sdmx-ml/3.0/samples/Data - Simple Data Attributes/ECB_EXR.xml"
# rg-*: the specimens name a DSD (ECB_EXR_RG) their structure file does not hold.
ECB_21_SPECIMENS = sorted(
    p.name for p in (SPECIMENS / "ECB_EXR").glob("*-ss.xml") if not p.name.startswith("rg")
)


def test_official_30_sample_validates(ecb_structures, tmp_path):
    xsd = tmp_path / "exr30.xsd"
    xsd.write_bytes(dataflow_schema(ecb_structures, "EXR", "3.0"))
    assert_valid_xml(ECB_30_SAMPLE, "3.0", dataflow_xsd=xsd)


@pytest.mark.parametrize("name", ECB_21_SPECIMENS)
def test_ecb_21_specimens_validate(name, tmp_path):
    path = SPECIMENS / "ECB_EXR" / name
    head = path.read_text(encoding="utf-8")[:3000]
    dao = re.search(r'dimensionAtObservation="([^"]+)"', head)[1]
    dsd = re.search(r"DataStructure=ECB:(\w+)\(", head)[1]
    structures = load_structures(SPECIMENS / "ECB_EXR" / f"{name[:2]}-structure-full.xml")
    xsd = tmp_path / "dsd.xsd"
    time_series = "StructureSpecificTimeSeriesData" in head
    xsd.write_bytes(
        dataflow_schema(
            structures, dsd, "2.1", dimension_at_observation=dao, time_series=time_series
        )
    )
    assert_valid_xml(path, "2.1", dataflow_xsd=xsd)


def test_schema_content(ecb_structures):
    layout = ecb_structures.layout("EXR")
    root = etree.fromstring(dataflow_schema(ecb_structures, "EXR", "2.1"))
    assert root.get("targetNamespace") == f"{layout.structure_urn}:ObsLevelDim:TIME_PERIOD"
    freq = root.find(f"{XS}simpleType[@name='CL_FREQ']")
    codes = {e.get("value") for e in freq.iter(f"{XS}enumeration")}
    assert codes == set(layout.codes("FREQ"))
    series = root.find(f"{XS}complexType[@name='SeriesType']")
    uses = {a.get("name"): a.get("use") for a in series.iter(f"{XS}attribute")}
    assert all(uses[d] == "required" for d in layout.dimensions)
    assert uses["TIME_PERIOD"] == "prohibited"
    assert root.find(f"{XS}complexType[@name='Group']") is not None  # the DSD's group


def test_flat_schema_puts_everything_on_obs(ecb_structures):
    layout = ecb_structures.layout("EXR")
    root = etree.fromstring(
        dataflow_schema(layout, None, "3.0", dimension_at_observation="AllDimensions")
    )
    assert root.find(f"{XS}complexType[@name='SeriesType']") is None
    obs = root.find(f"{XS}complexType[@name='ObsType']")
    names = {a.get("name") for a in obs.iter(f"{XS}attribute")}
    assert {*layout.key_columns(), "OBS_VALUE", "TITLE", "OBS_STATUS"} <= names


def test_refusals(ecb_structures):
    with pytest.raises(StructureError):
        dataflow_schema(ecb_structures, "EXR", "2.2")
    with pytest.raises(StructureError):
        dataflow_schema(ecb_structures, "EXR", "3.0", time_series=True)
    with pytest.raises(StructureError):
        dataflow_schema(ecb_structures, "EXR", "2.1", dimension_at_observation="NOPE")


def _demography_schemas(tmp_path, **kwargs):
    from real_messages import demography_structure

    from mosy_sdmx.structures.structure_set import read_structure_bytes

    structures = read_structure_bytes(demography_structure())
    path = tmp_path / f"demo-{len(list(tmp_path.iterdir()))}.xsd"
    path.write_bytes(dataflow_schema(structures, "DEMO_XS", "2.1", **kwargs))
    return path


def test_explicit_measures_give_a_type_per_measure(tmp_path):
    """Eurostat's cross-sections name each observation's measure with xsi:type: they
    validate against the explicit-measure schema only, the plain form the reverse."""
    from real_messages import explicit_cross_section

    explicit = _demography_schemas(
        tmp_path, dimension_at_observation="INDIC_DE", explicit_measures=True
    )
    plain = _demography_schemas(tmp_path, dimension_at_observation="INDIC_DE")
    assert_valid_xml(explicit_cross_section(form="xsi"), "2.1", dataflow_xsd=explicit)
    assert_valid_xml(explicit_cross_section(form="attribute"), "2.1", dataflow_xsd=plain)
    with pytest.raises(AssertionError, match="abstract"):
        assert_valid_xml(explicit_cross_section(form="attribute"), "2.1", dataflow_xsd=explicit)
    with pytest.raises(AssertionError, match="does not resolve to a type"):
        assert_valid_xml(explicit_cross_section(form="xsi"), "2.1", dataflow_xsd=plain)
    root = etree.parse(str(explicit)).getroot()
    fixed = {
        t.get("name"): t.find(f".//{XS}attribute[@name='type']").get("fixed")
        for t in root.iterfind(f"{XS}complexType")
        if t.find(f".//{XS}restriction[@base='ObsType']") is not None
    }
    assert fixed == {"TFRNSI": "TFRNSI", "AGEMOTH": "AGEMOTH", "JAN": "JAN"}


def test_explicit_measures_change_nothing_without_the_measure_dimension_at_obs(tmp_path):
    """SDMX 2.1: explicit measures exist only with the measure dimension at observation."""
    by_time = _demography_schemas(tmp_path, explicit_measures=True).read_bytes()
    assert by_time == _demography_schemas(tmp_path).read_bytes()
