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


def big_victims(structures, n_obs: int, provider: str = "AT_MOI", seed: int = 5):
    """About ``n_obs`` valid observations of ``provider``: whole series of 18 years with
    distinct keys, all values 0 (so every additive relation holds), as a Dataset."""
    import numpy as np
    import pandas as pd

    from mosy_sdmx.dataset import Dataset

    layout = structures.layout(FLOW)
    allowed = structures.allowed_codes(FLOW, provider)
    years = [str(y) for y in range(2008, 2026)]
    pools = {
        dim: np.array(sorted(allowed.get(dim) or layout.components[dim].codes))
        for dim in layout.dimensions
    }
    pools["FREQ"] = np.array(["A"])
    pools["PERS_STAT"] = np.array(["PER_VICT", "PER_VICT_ID", "PER_VICT_PR"])
    sizes = np.array([len(pools[d]) for d in layout.dimensions], dtype=np.int64)
    rng = np.random.default_rng(seed)
    n_series = -(-n_obs // len(years))
    picks = np.sort(rng.choice(int(np.prod(sizes)), size=n_series, replace=False))
    frame: dict[str, object] = {}
    rest = picks
    for dim, size in zip(reversed(layout.dimensions), reversed(sizes), strict=True):
        frame[dim] = pd.Categorical(np.repeat(pools[dim][rest % size], len(years)))
        rest = rest // size
    total = n_series * len(years)
    frame["TIME_PERIOD"] = np.tile(np.array(years, dtype=object), n_series)
    frame["OBS_VALUE"] = np.zeros(total)
    for name, value in (("OBS_STATUS", "A"), ("CONF_STATUS", "F"), ("UNIT_MEASURE", "NR"),
                        ("COUNT_RULE", "PERS_YEAR"), ("EXPLOIT_RULE", "MAIN")):  # fmt: skip
        frame[name] = pd.Categorical(np.full(total, value))
    columns = [*layout.dimensions, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "CONF_STATUS",
               "UNIT_MEASURE", "COUNT_RULE", "EXPLOIT_RULE"]  # fmt: skip
    data = pd.DataFrame(frame)[columns]
    return Dataset(
        data=data.iloc[:n_obs].reset_index(drop=True),
        structure_urn=layout.structure_urn,
        provider=provider,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )
