"""Registry fixtures: every test here runs on SQLite and on PostgreSQL.

``db_kind`` is parametrised; the baseline database of each kind is migrated
and holds the THB structures (built once per session, never written to);
``fresh_settings`` gives a test a store to write to, reset to the baseline. ``client`` is a
TestClient on the baseline, ``live_server`` a real uvicorn on 127.0.0.1.
PostgreSQL tests skip (with the reason) only when PostgreSQL is unreachable
and ``MOSY_TEST_REQUIRE_POSTGRES`` is unset; CI sets it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from registry_dbs import (
    REQUIRE_POSTGRES,
    Databases,
    PostgresUnavailable,
    Snapshot,
    check_postgres,
)
from registry_servers import ThreadServer

from registry.app import create_app
from registry.bootstrap import prepare_store
from registry.db import migrate
from registry.db.engine import make_engine
from registry.publication.publish import publish_pending
from registry.settings import Settings, load_settings
from registry.store.tokens import Role, create_token


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    if request.param == "postgresql":
        try:
            check_postgres()
        except PostgresUnavailable as exc:
            if REQUIRE_POSTGRES:
                pytest.fail(f"{exc} (MOSY_TEST_REQUIRE_POSTGRES is set)")
            pytest.skip(str(exc))
    return request.param


@pytest.fixture(scope="session")
def databases(db_kind, tmp_path_factory) -> Iterator[Databases]:
    dbs = Databases(db_kind, tmp_path_factory.mktemp(f"db-{db_kind}"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def base_settings(databases, tmp_path_factory) -> Settings:
    """Settings of the session's baseline store (migrated, THB structures loaded)."""
    settings = load_settings(
        {},
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=databases.new(),
    )
    prepare_store(settings).engine.dispose()
    return settings


@pytest.fixture(scope="session")
def _scratch(databases, base_settings) -> Iterator[tuple[str, Snapshot, object]]:
    url = databases.new()
    engine = make_engine(url, pool_size=1)
    migrate.upgrade(engine)
    yield url, Snapshot(base_settings.database_url), engine
    engine.dispose()


@pytest.fixture
def fresh_settings(_scratch, tmp_path) -> Settings:
    """Settings of a store this test may write to: the baseline's rows, reset for it."""
    url, snapshot, engine = _scratch
    snapshot.restore(engine)
    return load_settings({}, data_dir=tmp_path / "data", database_url=url)


@pytest.fixture(scope="session")
def client(base_settings) -> Iterator[TestClient]:
    with TestClient(create_app(base_settings)) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(fresh_settings) -> Iterator[TestClient]:
    with TestClient(create_app(fresh_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(base_settings) -> Iterator[ThreadServer]:
    with ThreadServer(base_settings) as server:
        yield server


@pytest.fixture(scope="session")
def data_settings(databases, tmp_path_factory) -> Settings:
    """A store holding THB victims data of two providers (never written to by tests)."""
    from registry_data import PROVIDERS, load, victims

    from registry.store.structures import StructureCache

    settings = load_settings(
        {}, data_dir=tmp_path_factory.mktemp("data-store"), database_url=databases.new()
    )
    engine = prepare_store(settings).engine
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    folder = tmp_path_factory.mktemp("data-files")
    for provider in PROVIDERS:
        load(engine, structures, victims(structures, provider), folder, provider=provider)
    publish_pending(engine)
    engine.dispose()
    return settings


@pytest.fixture(scope="session")
def data_admin(data_settings) -> str:
    """An admin token of the data store: restricted dataflows need one."""
    engine = make_engine(data_settings.effective_database_url, pool_size=1)
    with engine.begin() as conn:
        _, secret = create_token(conn, name="data-tests", role=Role.ADMIN)
    engine.dispose()
    return secret


@pytest.fixture(scope="session")
def data_client(data_settings, data_admin) -> Iterator[TestClient]:
    """A client of the data store that reads as an administrator."""
    headers = {"Authorization": f"Bearer {data_admin}"}
    with TestClient(create_app(data_settings), headers=headers) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def public_data_client(data_settings) -> Iterator[TestClient]:
    """A client of the data store without a token: what anyone sees."""
    with TestClient(create_app(data_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def data_server(data_settings) -> Iterator[ThreadServer]:
    with ThreadServer(data_settings) as server:
        yield server
