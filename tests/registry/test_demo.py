"""``serve --demo``: generated THB data that validates, handed to the data loaders."""

from __future__ import annotations

import json

import mosy_sdmx as ms
from mosy_sdmx.structures import builtin_structures
from registry import demo
from registry.bootstrap import prepare_store


def test_demo_files_validate_and_are_listed(tmp_path) -> None:
    structures = builtin_structures()
    files = demo.generate_demo_files(structures, tmp_path)
    flows = {f.flow for f in files}
    assert {"DF_THB_VICTIMS", "DF_THB_CASES", "DF_THB_OFFENDERS"} <= flows
    assert not any(structures.is_public(f) for f in flows)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest] == [f.path for f in files]
    for entry in files[:3]:
        dataset = ms.read_data(entry.path, structure=structures, flow=entry.flow)
        assert len(dataset.data) == entry.observations
        assert ms.validate(dataset, structures, provider=entry.provider).valid


def test_serve_demo_hands_the_files_to_registered_loaders(fresh_settings, monkeypatch) -> None:
    received = []
    monkeypatch.setattr(
        demo, "DEMO_LOADERS", [lambda engine, settings, files: received.extend(files)]
    )
    prepared = prepare_store(fresh_settings, demo=True)
    prepared.engine.dispose()
    assert received and received == prepared.demo_files
    assert (fresh_settings.data_dir / "demo" / "manifest.json").is_file()
