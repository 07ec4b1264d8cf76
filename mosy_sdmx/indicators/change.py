"""Year-on-year change of any indicator frame of this package."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators._cells import FLAGS, derive, require, year_number


def year_on_year(
    frame: pd.DataFrame, value: str, *, keys: Sequence[str] | None = None
) -> pd.DataFrame:
    """Change of ``value`` against the year before, for the same keys.

    Works on annual periods; a year whose previous year is absent gets a
    missing change (OBS_STATUS ``O``), and a change from or to a value not
    published is withheld (OBS_STATUS ``Q``, the input's CONF_STATUS), never
    computed as if it were 0.

    Args:
        frame: an indicator frame with TIME_PERIOD, ``value`` and its OBS_STATUS
            and CONF_STATUS (e.g. ``victims_by_country(public)``).
        value: the column to compare (e.g. ``"VICTIMS"`` or ``"RATE"``).
        keys: the columns that identify a series; default every text column
            except TIME_PERIOD and the flags.

    Returns:
        The keys, TIME_PERIOD, ``value``, PREVIOUS, CHANGE (difference),
        CHANGE_PCT (percent of PREVIOUS; NaN from 0), OBS_STATUS and CONF_STATUS
        of the change.
    """
    require(frame, ["TIME_PERIOD", value, *FLAGS], "a year-on-year change")
    if keys is None:
        skip = {"TIME_PERIOD", value, *FLAGS}
        keys = [
            c
            for c in frame.columns
            if c not in skip and not pd.api.types.is_numeric_dtype(frame[c].dtype)
        ]
    keys = list(keys)
    if frame.duplicated([*keys, "TIME_PERIOD"]).any():
        raise DatasetError(
            "Cannot compute a year-on-year change",
            f"several rows share one key and period; name the keys (now {', '.join(keys)})",
            code="duplicate-observation",
        )
    cells = frame[[*keys, "TIME_PERIOD", value, *FLAGS]].reset_index(drop=True)
    cells["_YEAR"] = year_number(cells["TIME_PERIOD"])
    before = cells[[*keys, "_YEAR", value, *FLAGS]].rename(
        columns={value: "PREVIOUS", "OBS_STATUS": "_P_OBS", "CONF_STATUS": "_P_CONF"}
    )
    before["_YEAR"] += 1
    out = cells.merge(before[before["_YEAR"] > 0], on=[*keys, "_YEAR"], how="left")
    current = out[value].to_numpy(dtype=float)
    previous = out["PREVIOUS"].to_numpy(dtype=float)
    ok, obs, conf = derive(
        [current, previous],
        [out["OBS_STATUS"].to_numpy(), out["_P_OBS"].to_numpy()],
        [out["CONF_STATUS"].to_numpy(), out["_P_CONF"].to_numpy()],
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["CHANGE"] = np.where(ok, current - previous, np.nan)
        out["CHANGE_PCT"] = np.where(ok & (previous != 0), 100 * (current / previous - 1), np.nan)
    out["OBS_STATUS"], out["CONF_STATUS"] = obs, conf
    out = out.sort_values([*keys, "_YEAR"], kind="stable").reset_index(drop=True)
    return out[[*keys, "TIME_PERIOD", value, "PREVIOUS", "CHANGE", "CHANGE_PCT", *FLAGS]]
