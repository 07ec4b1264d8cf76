"""The store a benchmark runs on: SQLite in the data folder, or a throwaway PostgreSQL database.

    with store_url("postgresql", "mosy_bench_sub") as database_url:
        settings = load_settings({}, data_dir=folder, database_url=database_url)

For ``"sqlite"`` the URL is ``None``: the registry's own default, a SQLite
file in its data folder. For ``"postgresql"`` a database of its own is
created (``<prefix>_<pid>_<random>``, through the administrative URL
``MOSY_BENCH_POSTGRES`` unless one is given) and dropped on the way out,
whatever ends the block (an error, ``KeyboardInterrupt``): ``WITH (FORCE)``
ends the connections a registry process may still hold to it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

PG_ADMIN = os.environ.get("MOSY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
KINDS = ("sqlite", "postgresql")


@contextmanager
def store_url(
    kind: str, prefix: str = "mosy_bench", admin_url: str = PG_ADMIN
) -> Iterator[str | None]:
    """The database URL to run on for ``kind``; a PostgreSQL database is dropped afterwards."""
    if kind not in KINDS:
        raise ValueError(f"unknown database {kind!r}: one of {', '.join(KINDS)}")
    if kind == "sqlite":
        yield None
        return
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    conn = admin.connect()  # the server unreachable: nothing made, nothing to drop
    try:
        with conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
