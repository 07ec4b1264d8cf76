"""Time of the indicators on a large, THB-shaped public table.

    python benchmarks/indicators.py                   # about 1M observations
    python benchmarks/indicators.py --sources 2 --repeat 1

The table has every CL_GEO country, 2008-2025 and ``--sources`` DATA_SOURCEs;
per country, source and year the published tables of a public victims flow:
SEX x AGE, forms of exploitation (EXPLOIT_RULE MAIN), citizenship groups and
50 countries of citizenship, each for PER_VICT, PER_VICT_ID and PER_VICT_PR.
One cell in ten is hidden (no value, OBS_STATUS Q, CONF_STATUS C), as
disclosure control leaves them. Prints rows in and out and the median time of
each indicator; ``rates_dataset`` gets the same table as raw and public.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from mosy_sdmx import indicators as ind
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import builtin_structures

YEARS = [str(y) for y in range(2008, 2026)]
SOURCES = ["NREM", "POL", "NGO", "PROS", "COURT"]
GROUPS = ["NAT", "FOR", "EU27_2020_FOR", "NEU27_2020_FOR", "STLS", "UNK"]
TOTALS = {"SEX": "T", "AGE": "TOTAL", "CITIZEN": "TOTAL", "EXPLOIT": "_T"}


def _tables(citizens: list[str]) -> pd.DataFrame:
    """One country-year-source's cells: the three tables, every breakdown else at its total."""
    sex_age = pd.MultiIndex.from_product(
        [["T", "M", "F", "UNK"], ["TOTAL", "Y_LT18", "Y_GE18", "UNK"]], names=["SEX", "AGE"]
    ).to_frame(index=False)
    forms = pd.DataFrame({"EXPLOIT": ["SEX", "LAB", "SLAV", "BEG", "CRIM", "ORG", "OTH", "UNK"]})
    citizen = pd.DataFrame({"CITIZEN": GROUPS + citizens})
    cells = pd.concat([sex_age, forms, citizen], ignore_index=True).fillna(TOTALS)
    return pd.concat(
        [cells.assign(PERS_STAT=s) for s in ("PER_VICT", "PER_VICT_ID", "PER_VICT_PR")],
        ignore_index=True,
    )


def make_public(n_sources: int, seed: int = 2026) -> Dataset:
    structures = builtin_structures()
    areas = sorted(set(structures.codelist("CL_GEO").items))
    world = sorted(set(structures.codelist("CL_GEO_WORLD").items))[:50]
    cells = _tables(world)
    keys = pd.MultiIndex.from_product(
        [areas, SOURCES[:n_sources], YEARS], names=["REF_AREA", "DATA_SOURCE", "TIME_PERIOD"]
    ).to_frame(index=False)
    n_cells, n_keys = len(cells), len(keys)
    frame = {c: np.repeat(keys[c].to_numpy(), n_cells) for c in keys.columns}
    frame.update({c: np.tile(cells[c].to_numpy(), n_keys) for c in cells.columns})
    rng = np.random.default_rng(seed)
    total = n_cells * n_keys
    value = rng.integers(0, 400, total).astype(float)
    hide = rng.random(total) < 0.1
    value[hide] = np.nan
    data = pd.DataFrame(frame)
    data.insert(0, "FREQ", "A")
    data["OBS_VALUE"] = value
    data["OBS_STATUS"] = np.where(hide, "Q", "A")
    data["CONF_STATUS"] = np.where(hide, "C", "F")
    data["UNIT_MEASURE"] = "NR"
    data["COUNT_RULE"] = "PERS_YEAR"
    data["EXPLOIT_RULE"] = np.where(data["EXPLOIT"] == "_T", None, "MAIN")
    for column in data.columns:
        if column not in ("TIME_PERIOD", "OBS_VALUE"):
            data[column] = data[column].astype("category")
    urn = structures.dataflow("DF_THB_VICTIMS_PUB").urn
    return Dataset(data, structure_urn=urn, attributes={"UNIT_MULT": "0", "DECIMALS": "0"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    public = make_public(args.sources)
    frame = ind.victims_by_country(public, data_source=None)
    operations = {
        "victims_by_country": lambda: ind.victims_by_country(public, data_source=None),
        "victims_per_million": lambda: ind.victims_per_million(public, data_source=None),
        "shares EXPLOIT": lambda: ind.shares(public, "EXPLOIT", data_source=None),
        "shares SEX": lambda: ind.shares(public, "SEX", data_source=None),
        "citizenship_flows": lambda: ind.citizenship_flows(public, data_source=None),
        "year_on_year": lambda: ind.year_on_year(frame, "VICTIMS"),
        "rates_dataset": lambda: ind.rates_dataset(public, public),
    }
    print(f"{len(public.data):,} observations in")
    for name, operation in operations.items():
        times, rows = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = operation()
            times.append(time.perf_counter() - start)
            rows = len(out)
        print(f"{name:22} {statistics.median(times):7.3f} s  {rows:>9,} rows out")


if __name__ == "__main__":
    main()
