"""Population on 1 January by country and year: the denominator of every rate.

The table ships with the package (``resources/population/``): real Eurostat
figures (``tps00001``/``demo_gind``, CC BY 4.0), each row naming its source,
described in ``sources.csv``; its README gives the coverage, the gaps and how
to update it. A missing country or year is simply absent: a rate is then
withheld, never computed from a guessed population.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

COLUMNS = ("REF_AREA", "TIME_PERIOD", "POPULATION", "OBS_FLAG", "SOURCE")
_FOLDER = "resources/population"


def _read(name: str) -> pd.DataFrame:
    path = resources.files("mosy_sdmx").joinpath(f"{_FOLDER}/{name}")
    with path.open("r", encoding="utf-8") as stream:
        return pd.read_csv(stream, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    table = _read("population.csv")
    table["POPULATION"] = table["POPULATION"].astype("int64")
    flag = table["OBS_FLAG"].to_numpy(dtype=object)
    flag[flag == ""] = None
    table["OBS_FLAG"] = flag
    return table[list(COLUMNS)]


def population(
    ref_areas: Iterable[str] | None = None, years: Iterable[int | str] | None = None
) -> pd.DataFrame:
    """The shipped population table, optionally for some countries and years.

    Args:
        ref_areas: REF_AREA codes of CL_GEO (e.g. ``["EL", "PT"]``); all when None.
        years: years as ints or ``"2023"`` strings; all when None.

    Returns:
        A fresh DataFrame: REF_AREA, TIME_PERIOD (``"2023"``, as in SDMX data),
        POPULATION (persons on 1 January, int64), OBS_FLAG (Eurostat's ``b``,
        ``e``, ``p`` or None) and SOURCE (an id of ``population_sources()``).
    """
    table = _table()
    mask = pd.Series(True, index=table.index)
    if ref_areas is not None:
        mask &= table["REF_AREA"].isin(list(ref_areas))
    if years is not None:
        mask &= table["TIME_PERIOD"].isin([str(y) for y in years])
    return table[mask].reset_index(drop=True)


def population_sources() -> pd.DataFrame:
    """Where each SOURCE of the table comes from: publisher, dataset, release, copy read."""
    return _read("sources.csv")
