"""The sdmx1 reader adapter: tested sdmx1 versions, threads, no shared state touched."""

from __future__ import annotations

import sys
import threading
from importlib.metadata import version
from pathlib import Path

import pytest
from paths import SPECIMENS, STANDARDS

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import _sdmx1_v30, builtin_structures
from mosy_sdmx.structures.export import export_structures
from mosy_sdmx.structures.structure_set import StructureSet, read_structure_file

THREADS = 8
ROUNDS = 2
SAMPLES_30 = STANDARDS / "sdmx-ml" / "3.0" / "samples"
#: Small messages each thread reads ROUNDS times, besides one THB file.
SMALL_FILES = [
    SPECIMENS / "ECB_EXR" / "sg-structure-full.xml",
    SAMPLES_30 / "Data Structure Definition" / "ECB_EXR.xml",
    SAMPLES_30 / "Geospatial" / "geospatial_geographiccodelist.xml",
]


def test_sdmx1_is_a_version_the_adapter_was_tested_with():
    installed = version("sdmx1")
    assert installed in _sdmx1_v30.TESTED_SDMX1, (
        f"sdmx1 {installed} is not among the versions the reader adapter was tested with "
        f"({', '.join(_sdmx1_v30.TESTED_SDMX1)}). Check each quirk of "
        "mosy_sdmx/structures/_sdmx1_v30.py against it (docs/upstream/ has the smallest "
        "input of each), drop the workarounds it makes unnecessary, then add it to "
        "TESTED_SDMX1."
    )


@pytest.fixture(scope="module")
def thb_files(tmp_path_factory) -> list[Path]:
    """The THB structures as SDMX-ML 2.1 and 3.0: every quirk the adapter works around."""
    folder = tmp_path_factory.mktemp("structures")
    files = []
    for fmt in ("sdmx-ml-2.1", "sdmx-ml-3.0"):
        path = folder / f"thb-{fmt}.xml"
        export_structures(builtin_structures(), fmt, path)
        files.append(path)
    return files


@pytest.fixture
def unreadable(tmp_path) -> Path:
    """A structure message with an element sdmx1 has no parser for (it prints, then fails)."""
    text = (SAMPLES_30 / "Data Structure Definition" / "ECB_EXR.xml").read_text(encoding="utf-8")
    assert "<str:DataStructures>" in text
    path = tmp_path / "unreadable.xml"
    path.write_text(
        text.replace("<str:DataStructures>", "<str:Unknown/><str:DataStructures>", 1),
        encoding="utf-8",
    )
    return path


def summary(structures: StructureSet) -> dict:
    """What a reader must get right: every artefact, its items, every layout."""
    artefacts = sorted(
        (type(a).__name__, a.id, str(a.version), len(getattr(a, "items", {}) or {}))
        for a in structures.artefacts()
    )
    layouts = {
        ref: structures.layout(ref)
        for ref in list(structures.dataflows) or list(structures.data_structures)
    }
    return {"artefacts": artefacts, "layouts": layouts}


def test_structure_files_read_from_threads_at_once(thb_files, unreadable, capfd):
    expected = {path: summary(read_structure_file(path)) for path in [*thb_files, *SMALL_FILES]}
    stdout, stderr = sys.stdout, sys.stderr
    results: list[tuple[Path, dict]] = []
    failures: list[BaseException] = []
    refused: list[StructureError] = []
    barrier = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        barrier.wait()
        try:
            big = thb_files[offset % 2]
            results.append((big, summary(read_structure_file(big))))
            for round_ in range(ROUNDS):
                for i in range(len(SMALL_FILES)):
                    path = SMALL_FILES[(i + offset + round_) % len(SMALL_FILES)]
                    results.append((path, summary(read_structure_file(path))))
                try:
                    read_structure_file(unreadable)
                except StructureError as exc:
                    refused.append(exc)
        except BaseException as exc:  # reported below, with the thread's own error
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
    assert len(results) == THREADS * (1 + ROUNDS * len(SMALL_FILES))
    for path, found in results:
        assert found == expected[path], path.name
    assert len(refused) == THREADS * ROUNDS
    assert all("Unreadable structure message" in str(exc) for exc in refused)
    # nothing redirected, nothing printed by sdmx1, and printing still works
    assert sys.stdout is stdout and sys.stderr is stderr
    out, err = capfd.readouterr()
    assert out == "" and "Unknown" not in err
    print("still printing")
    assert capfd.readouterr().out == "still printing\n"


def test_reading_leaves_sdmx1_and_adapter_tables_as_they_were(thb_files, tmp_path):
    from sdmx.reader.xml import v21, v30

    with_namespace = tmp_path / "namespaced.xml"
    text = SMALL_FILES[0].read_text(encoding="utf-8")
    with_namespace.write_text(
        text.replace("<message:Structure ", '<message:Structure xmlns:foo="urn:x:foo" ', 1),
        encoding="utf-8",
    )
    assert "urn:x:foo" in with_namespace.read_text(encoding="utf-8")
    tables = [v21.Reader.parser, v30.Reader.parser]
    tables += [reader.parser for reader in _sdmx1_v30._READERS.values()]
    before = [dict(table) for table in tables]
    for path in [*thb_files, *SMALL_FILES, with_namespace]:
        read_structure_file(path)
    assert [dict(table) for table in tables] == before


def test_a_failed_read_raises_without_printing(unreadable, capfd):
    with pytest.raises(StructureError, match="XMLParseError"):
        read_structure_file(unreadable)
    assert capfd.readouterr().out == ""
