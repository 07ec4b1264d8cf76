"""Victims data with what disclosure control must hide: confidential and small counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset

#: The confidential values: distinctive, so that no other cell, id or date holds them.
CONFIDENTIAL = 123457
KEY = ["FREQ", "REF_AREA", "DATA_SOURCE", "PERS_STAT", "SEX", "AGE", "CITIZEN", "EXPLOIT"]


def _sex_parts(frame: pd.DataFrame, year: str) -> dict[str, int]:
    """Row of each SEX part (M, F, UNK; other breakdowns at their totals) of a year."""
    totals = (
        (frame["AGE"] == "TOTAL")
        & (frame["CITIZEN"] == "TOTAL")
        & (frame["EXPLOIT"] == "_T")
        & (frame["PERS_STAT"] == "PER_VICT")
        & (frame["TIME_PERIOD"].astype(str) == year)
    )
    rows = frame.index[totals & frame["SEX"].isin(["M", "F", "UNK"])]
    return dict(zip(frame.loc[rows, "SEX"], rows, strict=True))


def sensitive_victims(dataset: Dataset) -> tuple[Dataset, pd.DataFrame]:
    """``dataset`` scaled up, with two confidential cells (2016) and a small one (2017).

    Every additive relation still holds. Returns the dataset and the sensitive
    cells (key columns, TIME_PERIOD, OBS_VALUE and KIND).
    """
    frame = dataset.data.copy()
    for column in (*KEY, "CONF_STATUS"):
        frame[column] = frame[column].astype(object)
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype(str)
    frame["OBS_VALUE"] = frame["OBS_VALUE"].astype(np.float64) * 100_000
    cells: list[tuple[int, str]] = []
    sex = _sex_parts(frame, "2016")
    both = frame.loc[sex["M"], "OBS_VALUE"] + frame.loc[sex["F"], "OBS_VALUE"]
    assert both > 2 * CONFIDENTIAL
    frame.loc[sex["M"], "OBS_VALUE"] = float(CONFIDENTIAL)
    frame.loc[sex["F"], "OBS_VALUE"] = both - CONFIDENTIAL
    frame.loc[[sex["M"], sex["F"]], "CONF_STATUS"] = "C"
    cells += [(sex["M"], "confidential"), (sex["F"], "confidential")]
    sex = _sex_parts(frame, "2017")
    moved = frame.loc[sex["UNK"], "OBS_VALUE"] - 3
    frame.loc[sex["UNK"], "OBS_VALUE"] = 3.0
    frame.loc[sex["F"], "OBS_VALUE"] += moved
    cells.append((sex["UNK"], "primary"))
    sensitive = frame.loc[[i for i, _ in cells], [*KEY, "TIME_PERIOD", "OBS_VALUE"]].copy()
    sensitive["KIND"] = [kind for _, kind in cells]
    return dataset.with_data(frame), sensitive.reset_index(drop=True)
