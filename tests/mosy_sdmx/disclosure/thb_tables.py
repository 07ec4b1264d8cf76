"""Consistent THB victims tables for the disclosure tests (and the longer attack run)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

SEX_LEAVES = ["M", "F", "UNK"]
AGE_LEAVES = ["Y_LT12", "Y12-17", "Y_GE18", "UNK"]
EXPLOIT_LEAVES = ["SEX", "LAB", "BEG", "OTH"]
STAT_LEAVES = ["PER_VICT_ID", "PER_VICT_PR"]
TOTAL_CODES = {
    "SEX": {"T"},
    "AGE": {"TOTAL"},
    "EXPLOIT": {"_T"},
    "PERS_STAT": {"PER_VICT"},
    "CITIZEN": {"TOTAL"},
}
CUBE = {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES, "EXPLOIT": EXPLOIT_LEAVES}
VICTIMS_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)"


def rollup(dim: str, leaf: str) -> list[str]:
    """The codes a leaf value contributes to (itself and its ancestors)."""
    if dim == "SEX":
        return [leaf, "T"]
    if dim == "AGE":
        return [leaf, "Y_LT18", "TOTAL"] if leaf in ("Y_LT12", "Y12-17") else [leaf, "TOTAL"]
    if dim == "EXPLOIT":
        return [leaf, "_T"]
    return [leaf, "PER_VICT"]


def small_counts(rng: np.random.Generator, size: int) -> np.ndarray:
    """Many zeros and small counts, a few larger ones."""
    small = rng.integers(0, 6, size)
    large = rng.integers(5, 31, size)
    return np.where(rng.random(size) < 0.6, small, large)


def tiny_counts(rng: np.random.Generator, size: int) -> np.ndarray:
    """Mostly zeros and ones: tables whose broken-down cells stay small after summing."""
    return rng.choice([0, 0, 0, 1, 1, 2, 3], size)


def make_table(
    rng: np.random.Generator,
    dims: dict[str, list[str]],
    families=None,
    years: int = 1,
    counts=small_counts,
) -> pd.DataFrame:
    """A consistent table: leaf counts summed up every hierarchy, all totals present.

    ``families`` restricts which dimensions may be broken down together (e.g.
    SEX×AGE and SEX×EXPLOIT, as Eurostat tables are), others stay at total.
    Each year is an independent table of the same shape.
    """
    names = list(dims)
    leaves = list(itertools.product(*dims.values()))
    frames = []
    for year in range(years):
        values = counts(rng, len(leaves))
        cells: dict[tuple, int] = {}
        for leaf, v in zip(leaves, values, strict=True):
            for combo in itertools.product(
                *(rollup(d, c) for d, c in zip(names, leaf, strict=True))
            ):
                cells[combo] = cells.get(combo, 0) + int(v)
        rows = []
        for combo, v in cells.items():
            broken = {d for d, c in zip(names, combo, strict=True) if c not in TOTAL_CODES[d]}
            if families is not None and not any(broken <= set(f) for f in families):
                continue
            rows.append(dict(zip(names, combo, strict=True), OBS_VALUE=float(v)))
        frame = pd.DataFrame(rows)
        frame["TIME_PERIOD"] = str(2023 - year)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "REF_AREA", "PT")
    frame.insert(0, "FREQ", "A")
    frame = frame[["FREQ", "REF_AREA", *names, "TIME_PERIOD", "OBS_VALUE"]]
    for c in ["FREQ", "REF_AREA", *names]:
        frame[c] = frame[c].astype("category")
    return frame


def country_total(frame: pd.DataFrame) -> np.ndarray:
    """Rows where every breakdown dimension is at its total."""
    total = np.ones(len(frame), dtype=bool)
    for dim, codes in TOTAL_CODES.items():
        if dim in frame.columns:
            total &= frame[dim].astype(str).isin(codes).to_numpy()
    return total


def cells(rows: list[tuple], columns=("SEX", "AGE"), **extra) -> pd.DataFrame:
    """Rows of (code, code, ..., value); FREQ/REF_AREA/TIME_PERIOD added."""
    data = pd.DataFrame(rows, columns=[*columns, "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype(float)
    data.insert(0, "REF_AREA", "PT")
    data.insert(0, "FREQ", "A")
    data.insert(len(columns) + 2, "TIME_PERIOD", "2023")
    for name, values in extra.items():
        data[name] = values
    for c in ("FREQ", "REF_AREA", *columns):
        data[c] = data[c].astype("category")
    return data


def victims_dataset(
    rng: np.random.Generator, ages=AGE_LEAVES, areas=("PT",), years=("2023",), counts=small_counts
):
    """A DF_THB_VICTIMS submission that ``mosy validate`` accepts (every attribute set).

    SEX × AGE × EXPLOIT of registered victims per area and year; with the
    default ages it holds the restricted children's split (Y_LT12, Y12-17).
    """
    from mosy_sdmx.dataset import Dataset
    from mosy_sdmx.structures import builtin_structures

    frames = []
    for area in areas:
        for year in years:
            frame = make_table(
                rng,
                {"SEX": SEX_LEAVES, "AGE": list(ages), "EXPLOIT": EXPLOIT_LEAVES},
                counts=counts,
            )
            frame["REF_AREA"] = area
            frame["TIME_PERIOD"] = year
            frames.append(frame.astype({"REF_AREA": str, "SEX": str, "AGE": str, "EXPLOIT": str}))
    data = pd.concat(frames, ignore_index=True)
    data["DATA_SOURCE"] = "NREM"
    data["PERS_STAT"] = "PER_VICT"
    data["CITIZEN"] = "TOTAL"
    data["OBS_STATUS"] = "A"
    data["CONF_STATUS"] = "F"
    data["UNIT_MEASURE"] = "NR"
    data["COUNT_RULE"] = "PERS_YEAR"
    data["EXPLOIT_RULE"] = np.where(data["EXPLOIT"] == "_T", None, "MAIN")
    layout = builtin_structures().layout("DF_THB_VICTIMS")
    columns = [*layout.dimensions, "TIME_PERIOD", "OBS_VALUE"]
    columns += ["OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "COUNT_RULE", "EXPLOIT_RULE"]
    data = data[columns]
    for c in columns:
        if c not in ("TIME_PERIOD", "OBS_VALUE"):
            data[c] = data[c].astype("category")
    return Dataset(
        data,
        structure_urn=layout.structure_urn,
        provider="PT_NREM",
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )
