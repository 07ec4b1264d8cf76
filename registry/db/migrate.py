"""Apply the Alembic migrations; check that a database is at the newest revision.

``mosy-registry serve`` upgrades before it starts any worker; the app itself
only checks (several workers upgrading at once would race). On PostgreSQL an
advisory lock keeps two ``serve`` commands on different machines from
migrating the same database at the same moment.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 0x4D4F5359  # "MOSY"


class SchemaOutOfDateError(RuntimeError):
    """The database is not at the migrations' head revision."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Bring the schema to ``target`` (default: the newest revision)."""
    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def downgrade(engine: Engine, target: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDateError unless the database is at head."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"the database is at schema revision {current or 'none'}, the registry needs "
            f"{head}: run 'mosy-registry db upgrade' (or 'mosy-registry serve', which upgrades)"
        )
