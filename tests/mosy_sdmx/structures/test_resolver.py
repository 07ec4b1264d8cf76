"""One rule for every ``structure=`` argument, and structure files parsed once per version."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from paths import SPECIMENS

import mosy_sdmx as ms
from mosy_sdmx.disclosure import protect
from mosy_sdmx.exceptions import StructureError, StructureNotFoundError
from mosy_sdmx.structures import builtin_structures, resolve, resolver
from mosy_sdmx.structures.resolver import interpret_structure, is_structure_reference

ECB = SPECIMENS / "ECB_EXR"
ECB_STRUCTURE = ECB / "sg-structure-full.xml"
ECB_DATA = ECB / "sg-ts-ss.xml"
ECB_FLOW = "ECB_EXR_SG"  # a DSD: the message holds no dataflow


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every structure file the resolver parses (it caches the rest)."""
    seen: list[str] = []
    real = resolver.read_structure_file

    def counting(path):
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(resolver, "read_structure_file", counting)
    return seen


@pytest.fixture
def ecb_copy(tmp_path) -> Path:
    """The ECB structure message under a name no other test has parsed: ``ECB.XML``."""
    target = tmp_path / "ECB.XML"
    shutil.copyfile(ECB_STRUCTURE, target)
    return target


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("DF_THB_VICTIMS", True),
        ("ECB_EXR_SG", True),
        ("urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)", True),
        ("ECB.XML", False),
        ("structures.xml", False),
        ("dir/structure", False),
        ("dir\\structure", False),
    ],
)
def test_a_str_is_a_dataflow_only_when_it_is_an_sdmx_id_or_urn(text, reference):
    assert is_structure_reference(text) is reference


def test_each_type_of_structure_argument(ecb_copy):
    builtin = builtin_structures()
    layout = builtin.layout("DF_THB_VICTIMS")
    assert resolve(None, "DF_THB_VICTIMS") == (builtin, layout)
    assert resolve("DF_THB_VICTIMS") == (builtin, layout)
    assert resolve(builtin.dataflow("DF_THB_VICTIMS").urn) == (
        builtin,
        builtin.layout(builtin.dataflow("DF_THB_VICTIMS").urn),
    )
    assert resolve(builtin, "DF_THB_VICTIMS") == (builtin, layout)
    assert resolve(layout, "ignored: a layout is the answer") == (None, layout)
    for argument in (ecb_copy, str(ecb_copy)):
        structures, ecb_layout = resolve(argument, ECB_FLOW)
        assert structures is not builtin
        assert ECB_FLOW in structures.data_structures
        assert ecb_layout.dsd_id == ECB_FLOW


def test_flow_comes_from_the_data_when_the_structures_hold_it(ecb_copy):
    builtin = builtin_structures()
    assert resolve(None, data_flow="DF_THB_CASES")[1] is builtin.layout("DF_THB_CASES")
    assert resolve(None, "DF_THB_VICTIMS", data_flow="DF_THB_CASES")[1].flow_id == (
        "DF_THB_VICTIMS"
    )
    # structures that lack it: their only dataflow
    assert resolve(ecb_copy, data_flow="DF_THB_CASES")[1].dsd_id == ECB_FLOW
    with pytest.raises(StructureNotFoundError, match="No structure given"):
        resolve(None)
    with pytest.raises(StructureNotFoundError, match="name one"):
        resolve(builtin)


@pytest.mark.parametrize("wrong", [42, b"ECB.xml", ["DF_THB_VICTIMS"], 3.5])
def test_wrong_type_is_a_type_error_naming_what_is_accepted(wrong):
    dataset = ms.read_data(ECB_DATA, ECB_STRUCTURE)
    calls = [
        lambda: resolve(wrong),
        lambda: ms.read_data(ECB_DATA, wrong),
        lambda: ms.read_datasets(ECB_DATA, wrong),
        lambda: ms.write_data(dataset, None, "sdmx-csv-2.0", wrong),
        lambda: ms.validate(dataset, wrong),
        lambda: ms.validate_file(ECB_DATA, wrong),
        lambda: protect(dataset, wrong),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="StructureSet, a ComponentLayout, the path"):
            call()


def test_a_str_structure_and_flow_naming_different_dataflows_is_refused():
    with pytest.raises(ValueError, match="different dataflows"):
        resolve("DF_THB_VICTIMS", "DF_THB_CASES")
    assert resolve("DF_THB_VICTIMS", "DF_THB_VICTIMS")[1].flow_id == "DF_THB_VICTIMS"


def test_the_same_file_name_means_the_same_file_everywhere(ecb_copy, monkeypatch, parses):
    monkeypatch.chdir(ecb_copy.parent)
    dataset = ms.read_data(ECB_DATA, "ECB.XML", flow=ECB_FLOW)
    assert len(dataset) > 0
    assert dataset.data["CURRENCY"].dtype == "category"  # typed by the ECB structures
    assert ms.validate(dataset, "ECB.XML", flow=ECB_FLOW).valid
    assert ms.validate_file(ECB_DATA, "ECB.XML", flow=ECB_FLOW).valid
    text = ms.write_data(dataset, None, "sdmx-csv-2.0", "ECB.XML", flow=ECB_FLOW)
    assert text.startswith(b"STRUCTURE,STRUCTURE_ID,ACTION")
    assert parses == ["ECB.XML"]  # one parse for all four


def test_read_data_with_a_structure_file_parses_it_once(ecb_copy, parses):
    first = ms.read_data(ECB_DATA, str(ecb_copy), flow=ECB_FLOW)
    again = ms.read_data(ECB_DATA, str(ecb_copy), flow=ECB_FLOW)
    assert len(parses) == 1
    assert first.data.equals(again.data)
    assert ms.load_structures(ecb_copy) is ms.load_structures(str(ecb_copy))
    assert len(parses) == 1


def test_validate_file_parses_the_structure_file_once(ecb_copy, parses):
    report = ms.validate_file(ECB_DATA, ecb_copy, flow=ECB_FLOW)
    assert report.valid, report.to_dict()["issues"][:3]
    assert len(parses) == 1


def test_a_changed_file_is_parsed_again(ecb_copy, parses):
    before = ms.load_structures(ecb_copy)
    text = ecb_copy.read_text(encoding="utf-8")
    ecb_copy.write_text(text.replace(ECB_FLOW, "ECB_EXR_CHANGED"), encoding="utf-8")
    stat = ecb_copy.stat()
    os.utime(ecb_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = ms.load_structures(ecb_copy)
    assert after is not before
    assert "ECB_EXR_CHANGED" in after.data_structures
    assert len(parses) == 2


def test_threads_loading_one_new_file_share_one_parse(ecb_copy, parses):
    results: list[object] = []
    barrier = threading.Barrier(8)

    def load() -> None:
        barrier.wait()
        results.append(ms.load_structures(ecb_copy))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(r is results[0] for r in results)
    assert len(parses) == 1


def test_the_cache_is_bounded(tmp_path, monkeypatch, parses):
    monkeypatch.setattr(resolver, "CACHE_SIZE", 2)
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"s{n}.xml")
        shutil.copyfile(ECB_STRUCTURE, paths[-1])
        ms.load_structures(paths[-1])
    ms.load_structures(paths[0])  # evicted, parsed again
    ms.load_structures(paths[2])  # still there
    assert [Path(p).name for p in parses] == ["s0.xml", "s1.xml", "s2.xml", "s0.xml"]


def test_a_missing_structure_file_is_a_structure_error(tmp_path):
    for argument in (tmp_path / "missing.xml", str(tmp_path / "missing.xml")):
        with pytest.raises(StructureError, match="Cannot read structure file"):
            ms.read_data(ECB_DATA, argument)
    report = ms.validate_file(ECB_DATA, tmp_path / "missing.xml")
    assert report.unusable
    assert report.codes() == {"broken-structure"}


def test_interpret_keeps_objects_and_loads_files(ecb_copy):
    builtin = builtin_structures()
    assert interpret_structure(builtin) == (builtin, None)
    assert interpret_structure(None, "DF_THB_VICTIMS") == (None, "DF_THB_VICTIMS")
    assert interpret_structure("DF_THB_VICTIMS") == (None, "DF_THB_VICTIMS")
    loaded, flow = interpret_structure(Path(ecb_copy), ECB_FLOW)
    assert flow == ECB_FLOW
    assert loaded is ms.load_structures(ecb_copy)


def test_sdmx1_model_objects_are_structures_as_in_sdmx1():
    """sdmx1's own ``structure=`` takes model objects; so does ours."""
    import sdmx

    message = sdmx.read_sdmx(ECB_STRUCTURE)  # read by plain sdmx1, not by our adapter
    dsd = message.structure[ECB_FLOW]
    expected = ms.read_data(ECB_DATA, ECB_STRUCTURE).data
    for argument in (message, dsd):
        structures, layout = resolve(argument)
        assert layout.dsd_id == ECB_FLOW and ECB_FLOW in structures.data_structures
        read = ms.read_data(ECB_DATA, argument)
        assert read.data.equals(expected)
        assert ms.validate(read, argument).codes() == ms.validate(read, ECB_STRUCTURE).codes()
    assert resolve(dsd, ECB_FLOW)[1].dsd_id == ECB_FLOW
    with pytest.raises(ValueError, match="different dataflows"):
        resolve(dsd, "DF_THB_VICTIMS")


def test_an_sdmx1_dataflow_brings_its_structure():
    builtin = builtin_structures()
    flow = builtin.dataflow("DF_THB_VICTIMS")
    structures, layout = resolve(flow)
    assert list(structures.dataflows) == ["DF_THB_VICTIMS"]
    assert layout.dimensions == builtin.layout("DF_THB_VICTIMS").dimensions
