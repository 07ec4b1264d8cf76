"""Small THB-shaped datasets built from the built-in structures, for I/O tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import builtin_structures

FLOW = "DF_THB_VICTIMS"


def thb_layout():
    return builtin_structures().layout(FLOW)


def thb_dataset(n_series: int = 12, years: int = 4, seed: int = 1) -> Dataset:
    """Series over real THB codes, yearly observations, observation and series attributes."""
    layout = thb_layout()
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for dim in layout.dimensions:
        codes = sorted(layout.components[dim].codes or [])
        pick = "A" if dim == "FREQ" and "A" in codes else None
        if pick:
            cols[dim] = np.array([pick] * n_series)
        else:
            cols[dim] = np.array(codes)[rng.integers(0, len(codes), n_series)]
    # Distinct reference areas keep the series keys distinct.
    ref_codes = sorted(layout.components[layout.dimensions[1]].codes or [])
    cols[layout.dimensions[1]] = np.array(ref_codes)[np.arange(n_series) % len(ref_codes)]
    series = pd.DataFrame(cols).drop_duplicates().reset_index(drop=True)
    frame = series.loc[series.index.repeat(years)].reset_index(drop=True)
    frame["TIME_PERIOD"] = np.tile([str(2015 + y) for y in range(years)], len(series))
    frame["OBS_VALUE"] = rng.integers(0, 400, len(frame)).astype("float64")
    frame.loc[1 % len(frame), "OBS_VALUE"] = np.nan
    status = sorted(layout.components["OBS_STATUS"].codes or [])
    frame["OBS_STATUS"] = np.array(status)[rng.integers(0, len(status), len(frame))]
    frame.loc[2 % len(frame), "OBS_STATUS"] = None
    unit = sorted(layout.components["UNIT_MEASURE"].codes or [])
    frame["UNIT_MEASURE"] = unit[0]
    frame["COMMENT_OBS"] = None
    frame.loc[0, "COMMENT_OBS"] = 'estimate, "revised"'
    for col in frame.columns:
        if col not in ("TIME_PERIOD", "OBS_VALUE"):
            frame[col] = frame[col].astype("category")
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype("str")
    return Dataset(data=frame, structure_urn=layout.structure_urn)


def canonical(df: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Sorted, plain-object view of a frame for comparing across formats."""
    out = df.copy()
    for col in out.columns:
        if col != "OBS_VALUE":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    keys = keys or [c for c in out.columns if c != "OBS_VALUE"]
    out = out.sort_values(keys, na_position="first").reset_index(drop=True)
    return out[sorted(out.columns)]
