"""The app factory: settings in, a service on the store out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from registry_specimens import ECB_FILE, ecb_storable_file

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import builtin_structures
from registry.app import create_app
from registry.db.engine import make_engine
from registry.db.migrate import SchemaOutOfDateError
from registry.settings import load_settings


def test_health_lists_the_dataflows_it_serves(client, db_kind) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["dataflows"] == sorted(builtin_structures().dataflows)
    assert body["database"] == db_kind
    assert body["structures"]["artefacts"] == len(list(builtin_structures().artefacts()))


def test_structure_file_setting_seeds_an_empty_store(databases, tmp_path) -> None:
    from registry.bootstrap import prepare_store

    settings = load_settings(
        {},
        data_dir=tmp_path,
        database_url=databases.new(),
        structure_file=ecb_storable_file(tmp_path),
    )
    prepare_store(settings).engine.dispose()
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["dataflows"] == ["EXR"]


def test_app_refuses_a_database_without_the_schema(databases, tmp_path) -> None:
    settings = load_settings({}, data_dir=tmp_path, database_url=databases.new())
    with (
        pytest.raises(SchemaOutOfDateError, match="mosy-registry db upgrade"),
        TestClient(create_app(settings)),
    ):
        pass
    make_engine(settings.effective_database_url).dispose()


def test_root_links_to_the_api(client) -> None:
    links = client.get("/").json()["links"]
    assert links["docs"] == "/docs"
    assert client.get(links["health"]).status_code == 200


def test_a_structure_file_with_a_dangling_reference_stops_start_up(databases, tmp_path) -> None:
    from registry.bootstrap import prepare_store

    settings = load_settings(
        {}, data_dir=tmp_path, database_url=databases.new(), structure_file=ECB_FILE
    )
    with pytest.raises(StructureError, match="categoryscheme=ECB"):
        prepare_store(settings)
