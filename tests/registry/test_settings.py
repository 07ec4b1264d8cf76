"""Settings refuse nonsense at start-up, naming the variable to change."""

from __future__ import annotations

import os

import pytest

from registry.settings import SettingsError, load_settings


def test_defaults_to_embedded_sqlite_in_the_data_dir(tmp_path) -> None:
    settings = load_settings({"MOSY_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert settings.is_sqlite


def test_postgresql_urls_use_psycopg_3() -> None:
    settings = load_settings({"MOSY_DATABASE_URL": "postgresql://postgres@127.0.0.1/db"})
    assert settings.effective_database_url == "postgresql+psycopg://postgres@127.0.0.1/db"


def test_publication_processes_default_to_the_machines_cpus() -> None:
    assert load_settings({}).publish_processes == (os.cpu_count() or 1)
    assert load_settings({"MOSY_PUBLISH_PROCESSES": "0"}).publish_processes == 0


def test_environment_is_read_when_no_mapping_is_given(monkeypatch) -> None:
    monkeypatch.setenv("MOSY_MAX_URL_LENGTH", "8192")
    monkeypatch.setenv("MOSY_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = load_settings()
    assert settings.max_url_length == 8192
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("MOSY_DATABASE_URL", "mysql://root@localhost/x", "sqlite:///"),
        ("MOSY_MAX_URL_LENGTH", "12", "greater than or equal to 256"),
        ("MOSY_MAX_BODY_MB", "lots", "valid integer"),
        ("MOSY_LOG_LEVEL", "loud", "debug, info, warning, error"),
        ("MOSY_PUBLIC_URL", "registry.example", "http://"),
        ("MOSY_STRUCTURE_FILE", "/no/such/file.xml", "is not a file"),
        ("MOSY_PUBLISH_PROCESSES", "-1", "greater than or equal to 0"),
    ],
)
def test_nonsense_is_refused_naming_the_variable(variable, value, says) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert variable in message and says in message


def test_a_file_as_data_dir_is_refused(tmp_path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(SettingsError, match=r"MOSY_DATA_DIR: .* is not a folder"):
        load_settings({"MOSY_DATA_DIR": str(path)})


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"MOSY_LOG_LEVEL": "loud", "MOSY_MAX_URL_LENGTH": "1"})
    assert "MOSY_LOG_LEVEL" in str(caught.value) and "MOSY_MAX_URL_LENGTH" in str(caught.value)


def test_rejected_files_are_kept_90_days_by_default_and_0_means_forever() -> None:
    assert load_settings({}).rejected_file_days == 90
    assert load_settings({"MOSY_REJECTED_FILE_DAYS": "0"}).rejected_file_days == 0
    with pytest.raises(SettingsError, match="MOSY_REJECTED_FILE_DAYS"):
        load_settings({"MOSY_REJECTED_FILE_DAYS": "-1"})
