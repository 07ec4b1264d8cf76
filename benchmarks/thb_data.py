"""THB-shaped benchmark data: DF_THB_VICTIMS observations and the files peers read.

Six coded breakdown dimensions (REF_AREA, DATA_SOURCE, PERS_STAT, SEX, AGE,
CITIZEN, EXPLOIT, plus FREQ) and annual TIME_PERIOD 2008-2025; integer
OBS_VALUE, OBS_STATUS and CONF_STATUS per observation, UNIT_MEASURE and
COUNT_RULE per series, UNIT_MULT and DECIMALS on the dataset. Values are random,
so validation finds real additivity issues to count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.export import export_structures

FLOW = "DF_THB_VICTIMS"
PROVIDER = "PT_NREM"
YEARS = [str(y) for y in range(2008, 2026)]
VICTIM_STATUS = ["PER_VICT", "PER_VICT_ID", "PER_VICT_PR"]


def make_dataset(n_obs: int, seed: int = 2026) -> Dataset:
    """About ``n_obs`` observations (whole series of 18 years), unique keys."""
    structures = builtin_structures()
    layout = structures.layout(FLOW)
    allowed = structures.allowed_codes(FLOW, PROVIDER)
    rng = np.random.default_rng(seed)
    n_series = -(-n_obs // len(YEARS))

    def codes(dim: str) -> np.ndarray:
        pool = allowed.get(dim) or layout.components[dim].codes
        return np.array(sorted(pool))

    pools = {
        "FREQ": np.array(["A"]),
        "REF_AREA": codes("REF_AREA"),
        "DATA_SOURCE": codes("DATA_SOURCE"),
        "PERS_STAT": np.array(VICTIM_STATUS),
        "SEX": codes("SEX"),
        "AGE": codes("AGE"),
        "CITIZEN": codes("CITIZEN"),
        "EXPLOIT": codes("EXPLOIT"),
    }
    # Draw series keys as mixed-radix numbers without replacement: unique keys, no loops.
    sizes = np.array([len(pools[d]) for d in layout.dimensions], dtype=np.int64)
    space = int(np.prod(sizes))
    picks = np.sort(rng.choice(space, size=min(n_series, space), replace=False))
    series_cols = {}
    rest = picks
    for dim, size in zip(reversed(layout.dimensions), reversed(sizes), strict=True):
        series_cols[dim] = pools[dim][rest % size]
        rest = rest // size
    n_series = len(picks)
    frame = {}
    for dim in layout.dimensions:
        frame[dim] = pd.Categorical(np.repeat(series_cols[dim], len(YEARS)))
    frame["TIME_PERIOD"] = np.tile(np.array(YEARS, dtype=object), n_series)
    total = n_series * len(YEARS)
    frame["OBS_VALUE"] = rng.integers(0, 500, size=total).astype("float64")
    frame["OBS_STATUS"] = pd.Categorical(np.where(rng.random(total) < 0.95, "A", "P"))
    frame["CONF_STATUS"] = pd.Categorical(np.full(total, "F"))
    frame["UNIT_MEASURE"] = pd.Categorical(np.full(total, "NR"))
    frame["COUNT_RULE"] = pd.Categorical(np.full(total, "PERS_YEAR"))
    data = pd.DataFrame(frame).iloc[:n_obs].reset_index(drop=True)
    return Dataset(
        data=data,
        structure_urn=layout.structure_urn,
        provider=PROVIDER,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )


def write_files(dataset: Dataset, folder: Path) -> dict[str, Path]:
    """The same observations in every format the benchmark reads, plus the structures."""
    from mosy_sdmx.io import write_data

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "structure": folder / "structure-2.1.xml",
        "sdmx-ml-2.1-ss": folder / "data-ss.xml",
        "sdmx-csv-2.0": folder / "data-2.0.csv",
        "sdmx-csv-1.0": folder / "data-1.0.csv",
    }
    export_structures(builtin_structures(), "sdmx-ml-2.1", files["structure"])
    for fmt in ("sdmx-ml-2.1-ss", "sdmx-csv-2.0", "sdmx-csv-1.0"):
        write_data(dataset, files[fmt], fmt, flow=FLOW)
    return files
