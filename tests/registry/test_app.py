"""The registry skeleton starts on the library's structures."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mosy_sdmx.structures import builtin_structures
from registry.app import create_app
from registry.settings import Settings


def test_health_lists_the_dataflows_it_serves(tmp_path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["dataflows"] == sorted(builtin_structures().dataflows)


def test_structure_file_setting_replaces_the_thb_structures(tmp_path, specimens) -> None:
    settings = Settings(
        data_dir=tmp_path, structure_file=specimens / "ECB_EXR/1/structure-full.xml"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["dataflows"] == ["EXR"]


def test_settings_default_to_embedded_sqlite() -> None:
    settings = Settings.from_env({})
    assert settings.effective_database_url.startswith("sqlite:///")
    assert (
        Settings.from_env({"MOSY_DATABASE_URL": "postgresql://h/db"}).effective_database_url
        == "postgresql://h/db"
    )
