"""``mosy-registry``: tokens, structures and settings from the command line."""

from __future__ import annotations

import pytest
from paths import STANDARDS
from registry_specimens import ECB_FILE, ecb_storable_file
from submission_log import logged
from typer.testing import CliRunner

from mosy_sdmx.structures import builtin_structures
from registry.cli import app
from registry.db.engine import make_engine
from registry.store.structures import list_artefacts

runner = CliRunner()


def _args(settings) -> list[str]:
    return ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]


def test_token_create_prints_the_secret_once_as_last_line(fresh_settings) -> None:
    result = runner.invoke(app, ["token", "create", "--role", "admin", *_args(fresh_settings)])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("mosy_")
    listing = runner.invoke(app, ["token", "list", *_args(fresh_settings)])
    assert listing.exit_code == 0 and secret not in listing.output
    assert secret[:8] in listing.output


def test_token_revoke(fresh_settings) -> None:
    runner.invoke(app, ["token", "create", *_args(fresh_settings)])
    assert runner.invoke(app, ["token", "revoke", "1", *_args(fresh_settings)]).exit_code == 0
    again = runner.invoke(app, ["token", "revoke", "1", *_args(fresh_settings)])
    assert again.exit_code == 1 and "no active token" in again.output


def test_bad_role_is_refused(fresh_settings) -> None:
    result = runner.invoke(app, ["token", "create", "--role", "root", *_args(fresh_settings)])
    assert result.exit_code == 2 and "admin, submitter or reader" in result.output


def test_structures_list_shows_what_is_stored(fresh_settings) -> None:
    result = runner.invoke(app, ["structures", "list", *_args(fresh_settings)])
    assert result.exit_code == 0
    stored = len(list(builtin_structures().artefacts()))  # every built-in artefact
    assert "DF_THB_VICTIMS" in result.output and f"{stored} artefacts" in result.output


def test_structures_load_adds_and_logs(fresh_settings, tmp_path) -> None:
    path = ecb_storable_file(tmp_path)
    result = runner.invoke(app, ["structures", "load", str(path), *_args(fresh_settings)])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "ECB:EXR(1.0)" in result.output
    again = runner.invoke(app, ["structures", "load", str(path), *_args(fresh_settings)])
    assert again.exit_code == 0 and "created" not in again.output
    log = runner.invoke(app, ["changes", *_args(fresh_settings)])
    assert "cli" in log.output and "dataflow=ECB:EXR(1.0)" in log.output


def test_structures_load_reads_sdmx_json(fresh_settings) -> None:
    sample = STANDARDS / "sdmx-json/2.0.0/samples/structure/constructed-sample.json"
    result = runner.invoke(app, ["structures", "load", str(sample), *_args(fresh_settings)])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "dataflow=ECB:EXR(1.0)" in result.output
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        stored = {str(row.ref) for row in list_artefacts(conn)}
    engine.dispose()
    assert "datastructure=ECB:ECB_EXR1(1.0)" in stored
    # The categorisation stays, as its category scheme is declared held elsewhere.
    assert "categorisation=ECB:53A341E8-D48B-767E-D5FF-E2E3E0E2BB19(1.0)" in stored
    assert "categoryscheme=ECB:MOBILE_NAVI(1.0)" not in stored


def test_what_cannot_be_stored_is_refused_by_name_and_the_rest_stored(fresh_settings) -> None:
    """The ECB specimen: a categorisation into a category scheme the registry lacks, and an
    agency scheme that would drop the THB agencies (207 over HTTP)."""
    result = runner.invoke(app, ["structures", "load", str(ECB_FILE), *_args(fresh_settings)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # as Rich wrapped it
    assert "category 07 of categoryscheme=ECB:MOBILE_NAVI(1.0)" in output
    assert "agencyscheme=SDMX:AGENCIES(1.0) would break" in output
    assert "agency MOSY" in output and "2 refused" in output
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        stored = {str(row.ref) for row in list_artefacts(conn)}
    engine.dispose()
    assert "dataflow=ECB:EXR(1.0)" in stored
    assert not any(ref.startswith("categorisation=ECB") for ref in stored)


def test_loading_hostile_xml_changes_nothing(fresh_settings, tmp_path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    result = runner.invoke(app, ["structures", "load", str(evil), *_args(fresh_settings)])
    assert result.exit_code == 2
    assert "root:" not in result.output


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite"])
def test_nonsense_settings_exit_2_naming_the_variable(url, tmp_path) -> None:
    result = runner.invoke(
        app, ["structures", "list", "--data-dir", str(tmp_path), "--database-url", url]
    )
    assert result.exit_code == 2
    assert "MOSY_DATABASE_URL" in result.output


def test_purge_rejected_says_how_many_files_and_bytes_it_removed(
    fresh_settings, tmp_path, monkeypatch
) -> None:
    from registry.submissions.records import file_chunks

    engine = make_engine(fresh_settings.effective_database_url)
    kept = logged(engine, tmp_path, status="accepted", days=1000, content=b"x" * 5_000)
    young, middle, old = (
        logged(engine, tmp_path, days=days, content=b"x" * size)
        for days, size in ((10, 1_111), (40, 2_222), (100, 3_333))
    )

    forever = runner.invoke(app, ["purge-rejected", "--days", "0", *_args(fresh_settings)])
    assert forever.exit_code == 0 and "kept forever" in forever.output
    assert all(list(file_chunks(engine, pk)) for pk in (young, middle, old))

    default = runner.invoke(app, ["purge-rejected", *_args(fresh_settings)])
    assert default.exit_code == 0, default.output
    assert "removed 1 file(s), 3,333 bytes" in default.output and "(90 days)" in default.output
    days_30 = runner.invoke(app, ["purge-rejected", "--days", "30", *_args(fresh_settings)])
    assert "removed 1 file(s), 2,222 bytes" in days_30.output
    monkeypatch.setenv("MOSY_REJECTED_FILE_DAYS", "5")
    from_env = runner.invoke(app, ["purge-rejected", *_args(fresh_settings)])
    assert "removed 1 file(s), 1,111 bytes" in from_env.output and "(5 days)" in from_env.output
    again = runner.invoke(app, ["purge-rejected", *_args(fresh_settings)])
    assert "removed 0 file(s), 0 bytes" in again.output

    assert [list(file_chunks(engine, pk)) for pk in (young, middle, old)] == [[], [], []]
    assert b"".join(file_chunks(engine, kept)) == b"x" * 5_000
    engine.dispose()


def _data_load(settings, folder, provider: str):
    """``mosy-registry data load`` of AT_MOI's victims file, as ``provider``."""
    from registry_data import victims, write

    structures = builtin_structures()
    path = write(victims(structures, "AT_MOI"), structures, folder / "victims.csv")
    args = ["data", "load", str(path), "--flow", "DF_THB_VICTIMS", "--provider", provider]
    return runner.invoke(app, [*args, *_args(settings)])


def test_data_load_stores_an_accepted_file_and_publishes_it(fresh_settings, tmp_path) -> None:
    from registry.publication.releases import PUBLISHED, list_releases

    engine = make_engine(fresh_settings.effective_database_url)
    try:
        result = _data_load(fresh_settings, tmp_path, "AT_MOI")
        assert result.exit_code == 0, result.output
        assert "stored victims.csv in MOSY:DF_THB_VICTIMS(1.0.0) for AT_MOI" in result.output
        assert "250 added" in result.output
        with engine.connect() as conn:
            (release,) = list_releases(conn, status=PUBLISHED)
        assert f"published: release(s) {release.pk}" in result.output
    finally:
        engine.dispose()


def test_data_load_of_data_outside_the_provider_s_area_stores_nothing(
    fresh_settings, tmp_path
) -> None:
    from registry.publication.releases import list_releases

    engine = make_engine(fresh_settings.effective_database_url)
    try:
        result = _data_load(fresh_settings, tmp_path, "BG_NREM")
        assert result.exit_code == 1, result.output
        assert "rejected: nothing was stored" in result.output
        with engine.connect() as conn:
            assert list_releases(conn, status=None) == []
    finally:
        engine.dispose()
