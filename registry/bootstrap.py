"""Make a store ready to serve: migrations, first structures, demo data.

``mosy-registry serve`` runs this once, before any worker starts, so that
workers only check the schema. An empty store receives the THB structures
(or ``MOSY_STRUCTURE_FILE``); a store that holds structures is left as it is
(administrators change it with ``mosy-registry structures load`` or the
maintenance API).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures import load_structures
from mosy_sdmx.structures.structure_set import read_structure_bytes
from registry.db import migrate
from registry.db.engine import make_engine
from registry.settings import Settings
from registry.store.changes import Actor
from registry.store.structures import (
    SaveReport,
    count_artefacts,
    external_refs,
    fragments_of,
    save_structures,
)

log = logging.getLogger("registry")
BOOTSTRAP = Actor("bootstrap")


@dataclass
class Prepared:
    engine: Engine
    loaded: SaveReport | None = None
    demo_files: list = field(default_factory=list)


def prepare_store(settings: Settings, *, demo: bool = False) -> Prepared:
    """Upgrade the schema, seed an empty store; with ``demo``, generate demo data."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url, pool_size=2)
    migrate.upgrade(engine)
    prepared = Prepared(engine)
    with engine.begin() as conn:
        if count_artefacts(conn) == 0:
            if settings.structure_file is None:
                structures, external = load_structures(), frozenset()
            else:
                message = settings.structure_file.read_bytes()
                structures = read_structure_bytes(message, str(settings.structure_file))
                external = external_refs(message)
            report = save_structures(
                conn, fragments_of(structures), actor=BOOTSTRAP, external=external
            )
            if not report.ok:
                problems = "; ".join(r.message for r in report.results if not r.outcome.ok)
                raise StructureError("The structures cannot be stored", problems)
            prepared.loaded = report
    if demo:
        from registry.demo import load_demo

        prepared.demo_files = load_demo(engine, settings)
    return prepared
