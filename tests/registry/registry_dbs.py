"""Test databases: SQLite files and uniquely named PostgreSQL databases.

Each test session makes one baseline database per engine (migrated, THB
structures loaded) and never writes to it. A test that writes gets the
session's scratch database, reset to the baseline's rows (``Snapshot``):
deleting and re-inserting a few hundred rows takes milliseconds, where a
new PostgreSQL database costs a second to drop. Every PostgreSQL database
made here is dropped at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get(
    "MOSY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = bool(os.environ.get("MOSY_TEST_REQUIRE_POSTGRES"))


class PostgresUnavailable(RuntimeError):
    pass


def _admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)


def check_postgres() -> None:
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver or network failure means "not here"
        raise PostgresUnavailable(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}") from None


def _pg_url(name: str) -> str:
    return sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def unique_name(prefix: str = "mosy_test") -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def create_pg_database(name: str, template: str | None = None) -> str:
    engine = _admin_engine()
    with engine.connect() as conn:
        clause = f" TEMPLATE {template}" if template else ""
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return _pg_url(name)


def drop_pg_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


class Snapshot:
    """Every row of every table of a database, to put back into another one."""

    def __init__(self, url: str) -> None:
        from registry.db.tables import metadata

        self.tables = metadata.sorted_tables
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            self.rows = {
                t.name: [dict(r) for r in conn.execute(t.select()).mappings()] for t in self.tables
            }
        engine.dispose()

    def restore(self, engine: sa.Engine) -> None:
        """Make ``engine``'s database hold exactly the snapshot's rows (same schema)."""
        with engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(table.delete())
            for table in self.tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
            if conn.dialect.name == "postgresql":
                for table in self.tables:
                    for column in table.primary_key.columns:
                        if column.autoincrement is True or (
                            column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
                        ):
                            conn.execute(
                                sa.text(
                                    f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                    f"'{column.name}'), COALESCE((SELECT MAX({column.name}) "
                                    f"FROM {table.name}), 0) + 1, false)"
                                )
                            )


class Databases:
    """Makes and drops the session's databases for one engine kind."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self.created: list[str] = []

    def new(self, template_url: str | None = None) -> str:
        if self.kind == "sqlite":
            path = self.folder / f"{unique_name('db')}.sqlite3"
            if template_url:
                source = Path(sa.engine.make_url(template_url).database)
                shutil.copyfile(source, path)
            return f"sqlite:///{path}"
        name = unique_name()
        template = sa.engine.make_url(template_url).database if template_url else None
        url = create_pg_database(name, template)
        self.created.append(name)
        return url

    def drop_all(self) -> None:
        """Drop the session's databases, several at once (each drop waits for a checkpoint)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(drop_pg_database, self.created))
        self.created.clear()
