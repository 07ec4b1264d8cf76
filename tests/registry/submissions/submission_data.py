"""A store to submit to, tokens of every role, and files to submit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mosy_sdmx as ms
from registry.db.engine import make_engine
from registry.demo import demo_dataset
from registry.store.structures import StructureCache
from registry.store.tokens import Role, create_token

FLOW = "DF_THB_VICTIMS"
#: (name, role, provider) of the tokens every submission test gets.
TOKENS = (
    ("admin", Role.ADMIN, None),
    ("at", Role.SUBMITTER, "AT_MOI"),
    ("at-reader", Role.READER, "AT_MOI"),
    ("bg", Role.SUBMITTER, "BG_NREM"),
)


@dataclass
class Desk:
    """What a submission test works with: settings, engine, structures, token secrets."""

    settings: object
    engine: object
    structures: object
    secrets: dict[str, str]
    folder: Path

    def headers(self, name: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[name]}"} if name else {}

    def victims_file(
        self, provider: str = "AT_MOI", *, seed: int = 7, fmt: str = "sdmx-csv-2.0", **changes
    ) -> Path:
        import numpy as np

        dataset = demo_dataset(self.structures, FLOW, provider, np.random.default_rng(seed))
        frame = dataset.data.copy()
        for column, value in changes.items():
            frame[column] = frame[column].astype(object)
            frame[column] = value
        dataset = dataset.with_data(frame)
        suffix = {"sdmx-csv-2.0": ".csv", "sdmx-ml-3.0": ".xml"}.get(fmt, ".dat")
        path = self.folder / f"{provider}-{seed}-{len(changes)}{suffix}"
        ms.write_data(dataset, path, fmt, self.structures, flow=FLOW)
        return path

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()


def make_desk(settings, folder: Path) -> Desk:
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:
        structures = StructureCache().get(conn).structures
        secrets = {
            name: create_token(conn, name=name, role=role, provider=provider)[1]
            for name, role, provider in TOKENS
        }
    folder.mkdir(parents=True, exist_ok=True)
    return Desk(settings, engine, structures, secrets, folder)
