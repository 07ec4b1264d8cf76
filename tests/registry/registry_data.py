"""THB observations for data tests: generated, valid, written as files and loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import mosy_sdmx as ms
from mosy_sdmx.dataset import Dataset
from registry.demo import demo_dataset
from registry.loading import LoadOutcome, load_file
from registry.store.changes import Actor

FLOW = "DF_THB_VICTIMS"
PROVIDERS = ("AT_MOI", "BG_NREM")
TESTER = Actor("tests")


def victims(structures, provider: str, seed: int = 7) -> Dataset:
    """Ten years of valid victims figures of one provider."""
    return demo_dataset(structures, FLOW, provider, np.random.default_rng(seed))


def write(dataset: Dataset, structures, path: Path, fmt: str = "sdmx-csv-2.0") -> Path:
    ms.write_data(dataset, path, fmt, structures, flow=FLOW)
    return path


def load(engine, structures, dataset: Dataset, folder: Path, *, provider: str, **kw) -> LoadOutcome:
    """Write ``dataset`` as a file and load it through the one load path."""
    path = write(dataset, structures, folder / f"{provider}-{id(dataset)}.csv")
    outcome = load_file(
        engine, path, flow=FLOW, provider=provider, actor=TESTER, structures=structures, **kw
    )
    assert outcome.accepted, outcome.report.to_dict()["issues"][:3]
    return outcome


def admin_headers(engine) -> dict[str, str]:
    """The Authorization header of a new admin token: restricted dataflows need one."""
    from registry.store.tokens import Role, create_token

    with engine.begin() as conn:
        _, secret = create_token(conn, name="tests-admin", role=Role.ADMIN)
    return {"Authorization": f"Bearer {secret}"}
