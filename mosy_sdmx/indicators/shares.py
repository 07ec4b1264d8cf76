"""Shares of a breakdown: by form of exploitation, by sex, by age (or citizenship group).

SHARE is a part over its total as published (the total code, never a sum of
parts), as a fraction from 0 to 1. Where the part or the total was not
published the share is withheld and flagged; the other parts' shares stand,
since they use published figures only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.indicators._cells import (
    FLAGS,
    MEASURE,
    UNDEFINED_STATUS,
    Codes,
    derive,
    select,
    top_parts,
    top_totals,
)
from mosy_sdmx.indicators.counts import KEY

#: Series attributes that say how to read a breakdown; kept when present.
_READING = {"EXPLOIT": "EXPLOIT_RULE"}


def shares(
    public: Dataset | pd.DataFrame,
    by: str,
    *,
    data_source: Codes = "NREM",
    pers_stat: str = "PER_VICT",
) -> pd.DataFrame:
    """The share of each part of ``by`` in its total, per country, source and year.

    Args:
        public: public data of a persons flow (DF_THB_VICTIMS_PUB, DF_THB_OFFENDERS_PUB).
        by: ``EXPLOIT``, ``SEX``, ``AGE`` or ``CITIZEN``: the parts are those of
            the dimension's top total in ``dsd/rules.yaml`` (SEX: M, F, UNK; AGE:
            Y_LT18, Y_GE18, UNK; EXPLOIT: every form).
        data_source: DATA_SOURCE code(s); None keeps every source, apart.
        pers_stat: the persons' status code (e.g. ``PER_CNV`` for convicted persons).

    Returns:
        REF_AREA, DATA_SOURCE, TIME_PERIOD, ``by``, COUNT, TOTAL, SHARE, OBS_STATUS,
        CONF_STATUS (of SHARE); for EXPLOIT also EXPLOIT_RULE where the data has
        it: with ``MULTI`` a person may count under several forms, so the shares
        of one total can add up to more than 1.
    """
    parts = top_parts(by)
    total_code = top_totals()[by]
    reading = [_READING[by]] if by in _READING else []
    cells = select(
        public,
        what=f"shares by {by}",
        fixed={"DATA_SOURCE": data_source, "PERS_STAT": pers_stat},
        free=[by],
        keep=reading,
    )
    is_total = (cells[by] == total_code).to_numpy()
    totals = cells.loc[is_total, [*KEY, MEASURE, *FLAGS]].rename(
        columns={MEASURE: "TOTAL", "OBS_STATUS": "_T_OBS", "CONF_STATUS": "_T_CONF"}
    )
    part_rows = cells[cells[by].isin(parts).to_numpy()]
    out = part_rows.merge(totals, on=KEY, how="left").rename(columns={MEASURE: "COUNT"})
    count = out["COUNT"].to_numpy(dtype=float)
    total = out["TOTAL"].to_numpy(dtype=float)
    ok, obs, conf = derive(
        [count, total],
        [out["OBS_STATUS"].to_numpy(), out["_T_OBS"].to_numpy()],
        [out["CONF_STATUS"].to_numpy(), out["_T_CONF"].to_numpy()],
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(ok & (total > 0), count / total, np.nan)
    obs[ok & (total == 0)] = UNDEFINED_STATUS  # no one in the total: no share exists
    out["SHARE"], out["OBS_STATUS"], out["CONF_STATUS"] = share, obs, conf
    order = {code: i for i, code in enumerate(parts)}
    out["_ORDER"] = out[by].map(order)
    out = out.sort_values([*KEY, "_ORDER"], kind="stable").reset_index(drop=True)
    reading = [c for c in reading if c in out.columns]  # a series attribute the data may lack
    return out[[*KEY, by, "COUNT", "TOTAL", "SHARE", *FLAGS, *reading]]
