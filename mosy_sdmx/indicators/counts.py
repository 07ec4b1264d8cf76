"""Counts across partners: victims by country and year, citizenship flows, the justice chain.

Each function takes public data (a ``_PUB`` Dataset or its DataFrame) and
returns a tidy DataFrame, one row per published or withheld cell: codes as
strings, the count (NaN where not published) and its OBS_STATUS and
CONF_STATUS as published. Counts are taken at the total codes of every other
breakdown; DATA_SOURCE defaults to ``NREM``, the consolidated national figure,
and sources asked for together are kept apart, never summed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.indicators._cells import FLAGS, MEASURE, Codes, derive, select
from mosy_sdmx.structures import StructureSet, builtin_structures

KEY = ["REF_AREA", "DATA_SOURCE", "TIME_PERIOD"]
#: Persons along the criminal-justice chain, in order (CL_THB_PERS_STAT).
JUSTICE_STAGES = ("PER_SUSP", "PER_PRSC", "PER_CNV")
#: CITIZEN code for citizens of the reporting country.
NATIONALS = "NAT"


def _sorted(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    return frame.sort_values(list(by), kind="stable").reset_index(drop=True)


def victims_by_country(
    public: Dataset | pd.DataFrame, *, data_source: Codes = "NREM", pers_stat: str = "PER_VICT"
) -> pd.DataFrame:
    """Registered victims per country and year (every breakdown at its total).

    Args:
        public: DF_THB_VICTIMS_PUB data.
        data_source: DATA_SOURCE code(s) to keep; None keeps every source, apart.
        pers_stat: ``PER_VICT`` (registered), ``PER_VICT_ID`` or ``PER_VICT_PR``.

    Returns:
        REF_AREA, DATA_SOURCE, TIME_PERIOD, VICTIMS, OBS_STATUS, CONF_STATUS.
    """
    cells = select(
        public,
        what="victims by country",
        fixed={"DATA_SOURCE": data_source, "PERS_STAT": pers_stat},
    )
    out = cells[[*KEY, MEASURE, *FLAGS]].rename(columns={MEASURE: "VICTIMS"})
    return _sorted(out, KEY)


def citizenship_flows(
    public: Dataset | pd.DataFrame,
    *,
    data_source: Codes = "NREM",
    pers_stat: str = "PER_VICT",
    countries_only: bool = True,
    structures: StructureSet | None = None,
) -> pd.DataFrame:
    """Victims by citizenship and reporting country: where victims come from and are found.

    ORIGIN is the country of citizenship: the CITIZEN code, or the reporting
    country itself for ``NAT`` (citizens of the reporting country). Public
    flows round country-level citizenship and hide small values (THB-DATA-MODEL
    §3.6 rule 4); those cells stay as published.

    Args:
        public: DF_THB_VICTIMS_PUB data.
        data_source: DATA_SOURCE code(s); None keeps every source, apart.
        pers_stat: the victims' status code.
        countries_only: keep countries of citizenship (and ``NAT``) only; False
            also keeps the group codes (FOR, EU27_2020_FOR, STLS, UNK, ...).
        structures: where CL_GEO_WORLD (the country codes) comes from.

    Returns:
        ORIGIN, CITIZEN, REF_AREA, DATA_SOURCE, TIME_PERIOD, VICTIMS, OBS_STATUS,
        CONF_STATUS. The CITIZEN total is left out: it is no flow.
    """
    cells = select(
        public,
        what="citizenship flows",
        fixed={"DATA_SOURCE": data_source, "PERS_STAT": pers_stat},
        free=["CITIZEN"],
    )
    structures = structures if structures is not None else builtin_structures()
    countries = set(structures.codelist("CL_GEO_WORLD").items)
    citizen = cells["CITIZEN"]
    is_country = citizen.isin(countries) | (citizen == NATIONALS)
    keep = is_country if countries_only else citizen != "TOTAL"
    cells = cells[keep.to_numpy()].copy()
    cells["ORIGIN"] = np.where(cells["CITIZEN"] == NATIONALS, cells["REF_AREA"], cells["CITIZEN"])
    out = cells[["ORIGIN", "CITIZEN", *KEY, MEASURE, *FLAGS]].rename(columns={MEASURE: "VICTIMS"})
    return _sorted(out, [*KEY, "ORIGIN"])


def justice_chain(
    offenders_public: Dataset | pd.DataFrame, *, data_source: Codes = "NREM"
) -> pd.DataFrame:
    """Suspected -> prosecuted -> convicted persons per country, source and year.

    RATIO is each stage over the stage before it (prosecuted per suspected,
    convicted per prosecuted) in the same year and DATA_SOURCE: a throughput
    indicator, not a follow-up of the same persons. It is withheld (RATIO
    NaN, flagged) where either count is not published.

    Args:
        offenders_public: DF_THB_OFFENDERS_PUB data.
        data_source: DATA_SOURCE code(s); None keeps every source, apart.

    Returns:
        REF_AREA, DATA_SOURCE, TIME_PERIOD, PERS_STAT (in chain order), PERSONS,
        OBS_STATUS, CONF_STATUS (of PERSONS), PREVIOUS (persons at the stage
        before), RATIO, RATIO_OBS_STATUS, RATIO_CONF_STATUS.
    """
    cells = select(
        offenders_public,
        what="the justice chain",
        fixed={"DATA_SOURCE": data_source, "PERS_STAT": JUSTICE_STAGES},
    )
    cells = cells.rename(columns={MEASURE: "PERSONS"})
    order = {stage: i for i, stage in enumerate(JUSTICE_STAGES)}
    cells["_STAGE"] = cells["PERS_STAT"].map(order).astype(int)
    before = cells[[*KEY, "_STAGE", "PERSONS", *FLAGS]].rename(
        columns={"PERSONS": "PREVIOUS", "OBS_STATUS": "_P_OBS", "CONF_STATUS": "_P_CONF"}
    )
    before["_STAGE"] += 1
    out = cells.merge(before, on=[*KEY, "_STAGE"], how="left")
    first = (out["_STAGE"] == 0).to_numpy()
    previous = out["PREVIOUS"].to_numpy(dtype=float)
    # A stage with no stage before it has no ratio; one whose previous stage was
    # not reported at all is missing, like any value not reported.
    ok, obs, conf = derive(
        [out["PERSONS"].to_numpy(dtype=float), previous],
        [out["OBS_STATUS"].to_numpy(), out["_P_OBS"].to_numpy()],
        [out["CONF_STATUS"].to_numpy(), out["_P_CONF"].to_numpy()],
    )
    persons = out["PERSONS"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok & (previous > 0), persons / previous, np.nan)
    obs[ok & (previous == 0)] = "M"  # no one at the stage before: no ratio exists
    ratio[first], obs[first], conf[first] = np.nan, None, None
    out["RATIO"], out["RATIO_OBS_STATUS"], out["RATIO_CONF_STATUS"] = ratio, obs, conf
    out = _sorted(out, [*KEY, "_STAGE"])
    ratio_columns = ["RATIO", "RATIO_OBS_STATUS", "RATIO_CONF_STATUS"]
    return out[[*KEY, "PERS_STAT", "PERSONS", *FLAGS, "PREVIOUS", *ratio_columns]]
