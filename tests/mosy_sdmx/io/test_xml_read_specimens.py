"""SDMX-ML data readers against the real ECB specimens, cross-checked with sdmx1."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sdmx

from mosy_sdmx.dataset import LocalisedText
from mosy_sdmx.io.sdmx_ml import generic_reader, ss_reader
from mosy_sdmx.structures import load_structures

pytestmark = pytest.mark.usefixtures("both_xml_paths")

SIZES = ("ng", "rg", "sg")
DSD_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure"
FLOW_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow"
LAYOUTS = ("flat", "ts", "xs", "ts-gf")


def _specimens(specimens_dir):
    out = []
    for path in sorted((specimens_dir / "ECB_EXR").glob("*.xml")):
        if "structure" in path.name or path.name.startswith("common"):
            continue
        out.append(path.name)
    return out


def _structures(specimens, size):
    structures = load_structures(specimens / "ECB_EXR" / f"{size}-structure-full.xml")
    dsd_id = next(iter(structures.data_structures))
    return structures.dsd(dsd_id), structures.layout(dsd_id)


def _sdmx1_rows(path, dsd) -> dict[tuple, dict]:
    """sdmx1's reading, as {(key..., period): {component: value}}."""
    message = sdmx.read_sdmx(path, structure=dsd)
    frame = sdmx.to_pandas(message.data[0], attributes="osgd").reset_index()
    return frame


def _reader(name: str):
    return ss_reader.read if name.endswith("-ss.xml") else generic_reader.read


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame, key: list[str]) -> None:
    assert len(ours) == len(theirs)
    ours = ours.astype({c: object for c in ours.columns if c != "OBS_VALUE"})
    ours = ours.set_index(key).sort_index()
    theirs = theirs.set_index(key).sort_index()
    assert list(ours.index) == list(theirs.index)
    assert ours["OBS_VALUE"].dtype == "float64"
    for got, want in zip(ours["OBS_VALUE"], theirs["value"], strict=True):
        assert math.isclose(got, float(want)) or (math.isnan(got) and math.isnan(float(want)))
    for column in theirs.columns:
        if column == "value" or theirs[column].fillna("").astype(str).eq("").all():
            continue  # sdmx1 lists every DSD attribute, even those the message lacks
        assert column in ours.columns, f"missing {column}"
        want = ["" if pd.isna(v) else str(v) for v in theirs[column]]
        got = ["" if pd.isna(v) else str(v) for v in ours[column]]
        assert got == want, column


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("kind", ["generic", "ss"])
def test_specimen_matches_sdmx1(specimens, size, layout_name, kind):
    suffix = "-ss.xml" if kind == "ss" else ".xml"
    path = specimens / "ECB_EXR" / f"{size}-{layout_name}{suffix}"
    if not path.exists():
        path = specimens / "ECB_EXR" / f"{size}-{layout_name}-flat{suffix}"
    assert path.exists() or (size, layout_name, kind) in _ABSENT, path
    if not path.exists():
        return
    dsd, layout = _structures(specimens, size)
    theirs = _sdmx1_rows(path, dsd)
    with open(path, "rb") as stream:
        dataset = _reader(path.name)(stream, layout=layout, source_name=path.name)
    key = [*layout.dimensions, layout.time_dimension]
    _compare(dataset.data, theirs, key)
    # The header names the DSD (rg files say ECB_EXR_RG where the DSD is ECB_EXR_CG).
    assert dataset.structure_urn.startswith(f"{DSD_URN}=ECB:ECB_EXR_")
    assert dataset.header.sender == "ECB"
    for dim in layout.dimensions:
        assert isinstance(dataset.data[dim].dtype, pd.CategoricalDtype)


# Files the upstream collection does not have for every size/layout combination.
_ABSENT = {("sg", "flat", "ss")}


@pytest.mark.parametrize("kind", ["generic", "ss"])
def test_specimens_read_without_structure(specimens, kind):
    names = [n for n in _specimens(specimens) if n.endswith("-ss.xml") == (kind == "ss")]
    assert names
    for name in names:
        path = specimens / "ECB_EXR" / name
        with open(path, "rb") as stream:
            dataset = _reader(name)(stream, layout=None, source_name=name)
        assert len(dataset) > 0
        assert dataset.data["OBS_VALUE"].dtype == "float64"
        assert str(dataset.data["TIME_PERIOD"].dtype) == "str"
        assert {"CURRENCY", "OBS_STATUS"} <= set(dataset.data.columns)


def test_ecb_full_series_matches_sdmx1(specimens):
    path = specimens / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml"
    structures = load_structures(specimens / "ECB_EXR" / "1" / "structure-full.xml")
    dsd = structures.dsd("ECB_EXR1")
    layout = structures.layout("ECB_EXR1")
    theirs = _sdmx1_rows(path, dsd)
    with open(path, "rb") as stream:
        dataset = generic_reader.read(stream, layout=layout, source_name=path.name)
    _compare(dataset.data, theirs, [*layout.dimensions, layout.time_dimension])
    assert dataset.action.value == "Replace"
    assert dataset.structure_urn.endswith("ECB_EXR1(1.0)")


def test_group_attribute_broadcast_to_its_series_only(specimens):
    path = specimens / "ECB_EXR" / "sg-ts-gf-ss.xml"
    _, layout = _structures(specimens, "sg")
    with open(path, "rb") as stream:
        data = ss_reader.read(stream, layout=layout, source_name=path.name).data
    titles = data.groupby("CURRENCY", observed=True)["TITLE"].unique()
    assert titles["USD"].tolist() == ["ECB reference exchange rate, U.S. dollar/Euro"]
    assert titles["CHF"].tolist() == ["ECB reference exchange rate, Swiss franc/Euro"]


SAMPLES_30 = "sdmx-ml/3.0/samples"


def test_sdmx_ml_30_simple_attributes(standards):
    folder = standards / SAMPLES_30
    path = folder / "Data - Simple Data Attributes" / "ECB_EXR.xml"
    # No layout: sdmx1 (under load_structures) fails on this DSD once it has read
    # 2.1 structure-specific data in the same process.
    with open(path, "rb") as stream:
        dataset = ss_reader.read(stream, layout=None, source_name=path.name)
    raw = path.read_bytes()
    assert len(dataset) == raw.count(b"<Obs ")
    assert dataset.structure_urn == f"{FLOW_URN}=ECB:EXR(1.0)"
    assert dataset.header.receiver == "ANONYMOUS"
    first = dataset.data.iloc[0]
    assert (first["CURRENCY"], first["TIME_PERIOD"]) == ("CAD", "1999")
    assert first["OBS_VALUE"] == pytest.approx(1.583993822393823)
    assert first["TITLE"] == "Canadian dollar/Euro"


def test_sdmx_ml_30_complex_attributes(standards):
    path = standards / SAMPLES_30 / "Data - Complex Data Attributes" / "ECB_EXR_CA.xml"
    with open(path, "rb") as stream:
        dataset = ss_reader.read(stream, layout=None, source_name=path.name)
    data = dataset.data
    assert len(data) == 3
    # Several values stay several (a tuple), one value stays a plain code.
    assert data["OBS_STATUS"].tolist() == [("A", "F"), ("J", "U", "N"), "A"]
    assert data["SOURCE_AGENCY"].tolist() == [("4F0", "4D0", "CZ2")] * 3
    # Each text keeps its language; a text without xml:lang is English.
    assert (
        data["TITLE"].tolist()
        == [
            (
                LocalisedText({"en": "Some English Text", "fr": "Quelques textes en anglais"}),
                LocalisedText(
                    {
                        "en": "Additional English Text where lang defaults to en",
                        "fr": "Texte anglais supplémentaire",
                    }
                ),
            )
        ]
        * 3
    )
    assert isinstance(data["CURRENCY"].dtype, pd.CategoricalDtype)
