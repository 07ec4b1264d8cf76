"""The migrations build exactly the tables the code queries, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from registry.db import migrate
from registry.db.engine import make_engine
from registry.db.tables import metadata


def test_migrated_schema_matches_the_tables_module(databases) -> None:
    engine = make_engine(databases.new())
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_nothing_and_up_again(databases) -> None:
    engine = make_engine(databases.new())
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_migrations_have_one_head() -> None:
    """A migration added on two branches at once must be re-chained on merge."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    assert len(script.get_heads()) == 1, script.get_heads()
    chain = [rev.revision for rev in script.walk_revisions()]
    assert len(chain) == len(set(chain))


def test_the_load_ranges_migration_fills_in_the_ranges_of_existing_loads(databases) -> None:
    """0006 replaces the created_load index by per-load row ranges, for data stored before."""
    engine = make_engine(databases.new())
    migrate.upgrade(engine, "0004")
    at = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO data_flows (agency, id, version) VALUES ('A', 'F', '1')"))
        for _ in range(3):
            conn.execute(
                text(
                    "INSERT INTO data_loads (flow_pk, provider, action, at, actor, rows, added, "
                    "changed, deleted, unchanged) VALUES (1, 'P', 'Replace', :at, 'x', 0, 0, 0, "
                    "0, 0)"
                ),
                {"at": at},
            )
        for pk, load in ((1, 1), (2, 1), (3, 2), (4, 1), (5, 2)):
            conn.execute(
                text(
                    "INSERT INTO observations (pk, series_pk, period, period_start, period_end, "
                    "created_load, deleted) VALUES (:pk, 1, :p, 0, 1, :load, :f)"
                ),
                {"pk": pk, "p": str(2000 + pk), "load": load, "f": False},
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        ranges = conn.execute(
            text("SELECT pk, first_obs, last_obs FROM data_loads ORDER BY pk")
        ).all()
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("observations")}
    engine.dispose()
    assert [tuple(r) for r in ranges] == [(1, 1, 4), (2, 3, 5), (3, None, None)]
    assert "ix_observations_created_load" not in indexes
