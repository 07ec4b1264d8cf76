"""Hand-made THB observations for the indicator tests.

``obs(area, year, value, **codes)`` is one observation of DSD_THB_PERSONS with
every breakdown at its total unless a code is given; ``dataset(rows)`` makes
a Dataset of them as the readers do (codes as categoricals, float measure).
A value of None is a cell without a value; give its flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import builtin_structures

DIMENSIONS = ("FREQ", "REF_AREA", "DATA_SOURCE", "PERS_STAT", "SEX", "AGE", "CITIZEN", "EXPLOIT")
AT_TOTAL = {
    "FREQ": "A",
    "DATA_SOURCE": "NREM",
    "PERS_STAT": "PER_VICT",
    "SEX": "T",
    "AGE": "TOTAL",
    "CITIZEN": "TOTAL",
    "EXPLOIT": "_T",
}
CODED = (*DIMENSIONS, "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "COUNT_RULE", "EXPLOIT_RULE")


def obs(
    area: str,
    year: int | str,
    value: float | None,
    *,
    status: str = "A",
    conf: str = "F",
    comment: str | None = None,
    **codes: str,
) -> dict:
    row = {**AT_TOTAL, "REF_AREA": area, **codes, "TIME_PERIOD": str(year)}
    row["OBS_VALUE"] = np.nan if value is None else float(value)
    row.update(OBS_STATUS=status, CONF_STATUS=conf, COMMENT_OBS=comment)
    row.update(UNIT_MEASURE="NR", COUNT_RULE="PERS_YEAR")
    return row


def hidden(area: str, year: int | str, conf: str = "C", **codes: str) -> dict:
    """A cell disclosure control did not publish (no value, OBS_STATUS Q)."""
    return obs(area, year, None, status="Q", conf=conf, **codes)


def frame(rows: list[dict]) -> pd.DataFrame:
    data = pd.DataFrame(rows)
    if "EXPLOIT_RULE" not in data.columns:
        data["EXPLOIT_RULE"] = None
    for column in CODED:
        data[column] = data[column].astype("category")
    return data


def dataset(rows: list[dict], flow: str = "DF_THB_VICTIMS_PUB") -> Dataset:
    urn = builtin_structures().dataflow(flow).urn
    return Dataset(frame(rows), structure_urn=urn, attributes={"UNIT_MULT": "0", "DECIMALS": "0"})


def one(frame: pd.DataFrame, **key: str) -> pd.Series:
    """The single row of ``frame`` with these column values."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in key.items():
        mask &= (frame[column].astype(str) == str(value)).to_numpy()
    assert mask.sum() == 1, (key, int(mask.sum()))
    return frame[mask].iloc[0]
