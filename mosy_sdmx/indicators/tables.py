"""The dashboard's indicator tables: each indicator shaped as one chart and its table.

``indicator_tables`` turns public (``_PUB``) data into the common indicators
across borders, each an ``IndicatorTable``: a tidy frame of cells (one row per
row code and column code, with the value's OBS_STATUS and CONF_STATUS) and
the two dimensions a chart and a table lay it out by. Victims and rates run
over the years (one line per country); the breakdowns (form of exploitation,
sex, age, citizenship) and the criminal-justice chain are one year's, per country.

A cell that was not published keeps no value and its flags (``Q`` with its
CONF_STATUS, or a missing-value status): ``grid`` shows it as such, never as
0, and a chart leaves a gap. Only one DATA_SOURCE is laid out at a time:
figures of different sources are not comparable, and are never summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.indicators._cells import (
    FLAGS,
    MEASURE,
    SUPPRESSED_STATUS,
    frame_of,
    select,
    strings,
    top_totals,
)
from mosy_sdmx.indicators.counts import JUSTICE_STAGES, justice_chain, victims_by_country
from mosy_sdmx.indicators.rates import victims_per_million
from mosy_sdmx.indicators.shares import shares

#: The breakdowns shared out per country on the dashboard, in the order shown.
BREAKDOWNS = ("EXPLOIT", "SEX", "AGE", "CITIZEN")
_TIME = "TIME_PERIOD"


@dataclass(frozen=True)
class IndicatorTable:
    """One indicator laid out as ``rows`` x ``columns`` cells of ``measure``."""

    name: str
    title: str
    measure: str
    unit: str
    rows: str
    columns: str
    #: rows, columns, measure, OBS_STATUS, CONF_STATUS, and the indicator's other columns.
    cells: pd.DataFrame
    #: The year of a one-year table (breakdowns, justice chain); None for a time series.
    year: str | None = None

    @property
    def empty(self) -> bool:
        return self.cells.empty

    def row_codes(self) -> list[str]:
        return _unique(self.cells[self.rows])

    def column_codes(self) -> list[str]:
        return _unique(self.cells[self.columns])

    def grid(self) -> list[tuple[str, list[Cell | None]]]:
        """Per row code, one ``Cell`` per column code (None where the data has no cell)."""
        columns = self.column_codes()
        where = {c: i for i, c in enumerate(columns)}
        out: dict[str, list[Cell | None]] = {r: [None] * len(columns) for r in self.row_codes()}
        values = self.cells[self.measure].to_numpy(dtype=float)
        for i, (row, column, obs, conf) in enumerate(
            zip(
                self.cells[self.rows],
                self.cells[self.columns],
                self.cells["OBS_STATUS"],
                self.cells["CONF_STATUS"],
                strict=True,
            )
        ):
            value = None if np.isnan(values[i]) else float(values[i])
            out[row][where[column]] = Cell(value, _flag(obs), _flag(conf))
        return list(out.items())

    def series(self) -> dict[str, list[float | None]]:
        """Per row code, the values in column order: None where not published (a gap)."""
        return {row: [c.value if c else None for c in cells] for row, cells in self.grid()}

    def tidy(self) -> pd.DataFrame:
        """The cells as a download: codes, the value (empty where not published), flags."""
        return self.cells.reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Cell:
    value: float | None
    obs_status: str | None
    conf_status: str | None

    @property
    def withheld(self) -> bool:
        """Not published for confidentiality (as opposed to not reported)."""
        return self.value is None and self.obs_status == SUPPRESSED_STATUS


def _flag(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _unique(column: pd.Series) -> list[str]:
    return list(dict.fromkeys(str(v) for v in column))


def indicator_series(keys: pd.DataFrame) -> np.ndarray:
    """Which series ``indicator_tables`` reads: a mask over series keys (one row each).

    Annual series with at most one of the breakdowns (form of exploitation,
    sex, age, citizenship) at another code than its total: a store reads just
    these instead of every cross-classification.
    """
    totals = top_totals()
    mask = np.ones(len(keys), dtype=bool)
    if "FREQ" in keys.columns:
        mask &= (strings(keys["FREQ"]) == "A").to_numpy()
    broken = np.zeros(len(keys), dtype=np.int64)
    for dim in BREAKDOWNS:
        if dim in keys.columns:
            broken += (strings(keys[dim]) != totals[dim]).to_numpy()
    return mask & (broken <= 1)


def data_sources(public: Dataset | pd.DataFrame) -> list[str]:
    """The DATA_SOURCE codes of the data, the consolidated national figure (NREM) first,
    then by the number of countries they cover."""
    frame = frame_of(public)
    if frame.empty or "DATA_SOURCE" not in frame.columns or "REF_AREA" not in frame.columns:
        return []
    pairs = pd.DataFrame(
        {"source": strings(frame["DATA_SOURCE"]), "area": strings(frame["REF_AREA"])}
    ).drop_duplicates()
    counts = pairs.groupby("source")["area"].nunique()
    order = sorted(counts.index, key=lambda s: (s != "NREM", -int(counts[s]), s))
    return [str(s) for s in order]


def latest_year(table: IndicatorTable) -> str | None:
    """The last year of a time-series table with at least one published value."""
    cells = table.cells
    published = cells[cells[table.measure].notna()]
    years = sorted(str(y) for y in published[_TIME]) if len(published) else []
    return years[-1] if years else None


def indicator_tables(
    victims: Dataset | pd.DataFrame,
    *,
    rates: Dataset | pd.DataFrame | None = None,
    offenders: Dataset | pd.DataFrame | None = None,
    data_source: str = "NREM",
    year: str | None = None,
    population: pd.DataFrame | None = None,
) -> dict[str, IndicatorTable]:
    """The common THB indicators across borders, each shaped as a chart's table.

    Args:
        victims: DF_THB_VICTIMS_PUB data.
        rates: DF_THB_RATES_PUB data: the published rates. Without it the rates
            are computed from the public counts and the population table.
        offenders: DF_THB_OFFENDERS_PUB data, for the criminal-justice chain.
        data_source: the one DATA_SOURCE laid out.
        year: the year of the one-year tables; default the last year with a
            published victims figure.
        population: REF_AREA, TIME_PERIOD, POPULATION when ``rates`` is None;
            default the shipped table.

    Returns:
        By name: ``victims`` and ``rates`` (REF_AREA x TIME_PERIOD),
        ``exploitation``, ``sex``, ``age`` and ``citizenship`` (REF_AREA x the
        breakdown's parts: nationals, foreigners, stateless, unknown for
        citizenship; SHARE of the total), and ``justice`` (REF_AREA x suspected, prosecuted,
        convicted) when ``offenders`` is given. Tables without data are empty.
    """
    out: dict[str, IndicatorTable] = {}
    counts = victims_by_country(victims, data_source=data_source)
    out["victims"] = IndicatorTable(
        "victims",
        "Registered victims by country and year",
        "VICTIMS",
        "persons",
        "REF_AREA",
        _TIME,
        _drop(counts, ["DATA_SOURCE"]),
    )
    out["rates"] = IndicatorTable(
        "rates",
        "Registered victims per million inhabitants",
        "RATE",
        "per million inhabitants",
        "REF_AREA",
        _TIME,
        _rates(victims, rates, data_source, population),
    )
    year = year or latest_year(out["victims"])
    titles = {
        "EXPLOIT": ("exploitation", "Victims by form of exploitation"),
        "SEX": ("sex", "Victims by sex"),
        "AGE": ("age", "Victims by age"),
        "CITIZEN": ("citizenship", "Victims by citizenship"),
    }
    for by in BREAKDOWNS:
        name, title = titles[by]
        cells = shares(victims, by, data_source=data_source)
        out[name] = IndicatorTable(
            name, title, "SHARE", "share of the country's victims", "REF_AREA", by,
            _in_year(_drop(cells, ["DATA_SOURCE"]), year), year,
        )  # fmt: skip
    if offenders is not None:
        chain = justice_chain(offenders, data_source=data_source)
        chain = _in_year(_drop(chain, ["DATA_SOURCE"]), year)
        order = {stage: i for i, stage in enumerate(JUSTICE_STAGES)}
        chain = chain.assign(_O=chain["PERS_STAT"].map(order))
        chain = chain.sort_values(["_O", "REF_AREA"], kind="stable").drop(columns="_O")
        out["justice"] = IndicatorTable(
            "justice", "Suspected, prosecuted and convicted persons", "PERSONS", "persons",
            "REF_AREA", "PERS_STAT", chain.reset_index(drop=True), year,
        )  # fmt: skip
    return out


def _rates(victims, rates, data_source: str, population) -> pd.DataFrame:
    if rates is None:
        computed = victims_per_million(victims, population, data_source=data_source)
        return _drop(computed, ["DATA_SOURCE"])
    cells = select(
        rates,
        what="rates per million",
        fixed={"DATA_SOURCE": data_source, "PERS_STAT": "PER_VICT"},
    )
    cells = cells.rename(columns={MEASURE: "RATE"})
    cells = cells.sort_values(["REF_AREA", _TIME], kind="stable")
    return cells[["REF_AREA", _TIME, "RATE", *FLAGS]].reset_index(drop=True)


def _drop(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return frame.drop(columns=[c for c in columns if c in frame.columns]).reset_index(drop=True)


def _in_year(frame: pd.DataFrame, year: str | None) -> pd.DataFrame:
    if year is None:
        return frame.iloc[:0].drop(columns=[_TIME]).reset_index(drop=True)
    rows = frame[frame[_TIME].astype(str) == str(year)]
    return rows.drop(columns=[_TIME]).reset_index(drop=True)
