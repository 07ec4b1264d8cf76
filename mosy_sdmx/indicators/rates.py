"""Victims per million inhabitants: an indicator frame, and the DF_THB_RATES_PUB dataset.

``victims_per_million`` reads public counts (what anyone may see) and is what a
dashboard draws. ``rates_dataset`` is the publication itself (THB-DATA-MODEL
§3.6 rule 5): rates are computed from the raw, unsuppressed counts, but only
where the public flow published that count unchanged; where disclosure control
hid it, the rate is withheld with the count's public flags, so a rate never
reveals a hidden count (rate x population / 10^6 would give it back). Which
cells it holds (annual country totals of registered victims), its unit and its
decimals come from the dataflow's own constraints in ``dsd/DSD_THB_RATES.yaml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.indicators._cells import (
    FLAGS,
    FREE,
    MEASURE,
    Codes,
    derive,
    flags,
    frame_of,
    require,
    strings,
    suppressed,
)
from mosy_sdmx.indicators.counts import KEY, victims_by_country
from mosy_sdmx.indicators.population import population as shipped_population
from mosy_sdmx.structures import AttachmentLevel, StructureSet, builtin_structures

if TYPE_CHECKING:  # pragma: no cover
    from mosy_sdmx.disclosure import DisclosureRules

RATES_FLOW = "DF_THB_RATES_PUB"
PER_INHABITANTS = 1_000_000
#: OBS_STATUS of a rate without a population figure: the figure exists, the table lacks it.
NO_POPULATION_STATUS = "L"
_TIME = "TIME_PERIOD"
_COMMENT = "COMMENT_OBS"


def _population_frame(population: pd.DataFrame | None) -> pd.DataFrame:
    table = shipped_population() if population is None else population
    require(table, ["REF_AREA", _TIME, "POPULATION"], "a rate per inhabitant")
    out = table[["REF_AREA", _TIME, "POPULATION"]].copy()
    out["REF_AREA"] = strings(out["REF_AREA"])
    out[_TIME] = strings(out[_TIME])
    out["POPULATION"] = pd.to_numeric(out["POPULATION"], errors="coerce").astype(float)
    if out.duplicated(["REF_AREA", _TIME]).any():
        raise DatasetError(
            "Cannot compute a rate per inhabitant",
            "the population table has several figures for one country and year",
            code="duplicate-observation",
        )
    return out


def victims_per_million(
    public: Dataset | pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    data_source: Codes = "NREM",
) -> pd.DataFrame:
    """Registered victims per million inhabitants, per country, source and year.

    Args:
        public: DF_THB_VICTIMS_PUB data.
        population: REF_AREA, TIME_PERIOD, POPULATION; default the shipped table.
        data_source: DATA_SOURCE code(s); None keeps every source, apart.

    Returns:
        REF_AREA, DATA_SOURCE, TIME_PERIOD, VICTIMS, POPULATION, RATE (not
        rounded), OBS_STATUS and CONF_STATUS of RATE: ``Q`` with the count's
        CONF_STATUS where the count was not published, ``L`` where the table
        has no population for that country and year.
    """
    counts = victims_by_country(public, data_source=data_source)
    table = _population_frame(population)
    out = counts.merge(table, on=["REF_AREA", _TIME], how="left")
    victims = out["VICTIMS"].to_numpy(dtype=float)
    people = out["POPULATION"].to_numpy(dtype=float)
    no_people = np.where(np.isnan(people), NO_POPULATION_STATUS, None)
    ok, obs, conf = derive(
        [victims, people],
        [out["OBS_STATUS"].to_numpy(), no_people],
        [out["CONF_STATUS"].to_numpy(), np.full(len(out), None)],
    )
    out["RATE"] = np.where(ok, victims / people * PER_INHABITANTS, np.nan)
    out["OBS_STATUS"], out["CONF_STATUS"] = obs, conf
    return out[[*KEY, "VICTIMS", "POPULATION", "RATE", *FLAGS]]


def _hidden_flags(rules: DisclosureRules | None) -> tuple[str, str]:
    """The one public flag of every value disclosure control hid (``flag`` in disclosure.yaml)."""
    if rules is None:
        from mosy_sdmx.disclosure import load_disclosure_rules

        rules = load_disclosure_rules()
    return rules.flag_obs_status, rules.flag_conf_status


def _single(allowed: dict[str, frozenset[str]], component: str) -> str:
    """The one code the dataflow allows for ``component`` (its unit, its decimals)."""
    codes = allowed.get(component, frozenset())
    if len(codes) != 1:
        raise DatasetError(
            f"Cannot compute {RATES_FLOW}",
            f"the dataflow must fix {component} to one code, not {sorted(codes)}",
            code="unusable-dataset",
        )
    return next(iter(codes))


def _in_flow(frame: pd.DataFrame, dims: list[str], allowed: dict[str, frozenset[str]]):
    mask = np.ones(len(frame), dtype=bool)
    for dim in dims:
        if dim in allowed:
            mask &= frame[dim].isin(sorted(allowed[dim])).to_numpy()
    return mask


def _cells(dataset: Dataset, dims: list[str], allowed, extra: list[str], what: str):
    frame = frame_of(dataset)
    require(frame, [*dims, _TIME, MEASURE], what)
    columns = [*dims, _TIME, MEASURE, *(c for c in extra if c in frame.columns)]
    out = frame.loc[_in_flow(frame, dims, allowed), columns].reset_index(drop=True)
    for column in out.columns:
        if column != MEASURE:
            out[column] = strings(out[column])
    out[MEASURE] = pd.to_numeric(out[MEASURE], errors="coerce").astype(float)
    for column in extra:
        if column not in out.columns:
            out[column] = None
    if out.duplicated([*dims, _TIME]).any():
        raise DatasetError(
            f"Cannot compute {RATES_FLOW}",
            f"the {what} hold several observations for one key and period",
            code="duplicate-observation",
        )
    return out


def rates_dataset(
    raw: Dataset,
    public: Dataset,
    population: pd.DataFrame | None = None,
    *,
    structures: StructureSet | None = None,
    rules: DisclosureRules | None = None,
) -> Dataset:
    """The DF_THB_RATES_PUB dataset: victims per million from raw counts, withheld where hidden.

    Args:
        raw: DF_THB_VICTIMS observations as submitted (restricted, unsuppressed).
        public: the DF_THB_VICTIMS_PUB release made from them by ``disclosure.protect``.
        population: REF_AREA, TIME_PERIOD, POPULATION; default the shipped table.
        structures: the THB structures (default built-in); the dataflow's
            constraints choose the cells, the unit and the decimals.
        rules: disclosure rules, for the flag of a count published altered.

    Returns:
        One observation per cell of the dataflow that the public release holds:
        the rate rounded to the dataflow's DECIMALS (OBS_STATUS and COMMENT_OBS
        of the public count), or no value with the public count's flags where it
        was not published (OBS_STATUS ``Q``), with the disclosure flag where it
        was published altered, or with OBS_STATUS ``L`` where the population
        table has no figure. Validates against DF_THB_RATES_PUB.
    """
    structures = structures if structures is not None else builtin_structures()
    layout = structures.layout(RATES_FLOW)
    allowed = structures.allowed_codes(RATES_FLOW)
    dims = list(layout.dimensions)
    # Series attributes the counts carry (COUNT_RULE, ...) describe their rates too.
    raw_columns = frame_of(raw).columns
    series = [
        a
        for a in layout.attributes
        if layout.components[a].level is AttachmentLevel.SERIES
        and a != "UNIT_MEASURE"
        and a in raw_columns
    ]
    key = [*dims, _TIME]
    counts = _cells(raw, dims, allowed, series, "raw counts")
    published = _cells(public, dims, allowed, [*FLAGS, _COMMENT], "public counts")
    published = published.rename(columns={MEASURE: "_PUBLIC"})
    # Only cells the public release holds: what it left out is not published at all.
    out = counts.merge(published, on=key)
    out = out.merge(_population_frame(population), on=["REF_AREA", _TIME], how="left")

    raw_value = out[MEASURE].to_numpy(dtype=float)
    public_value = out["_PUBLIC"].to_numpy(dtype=float)
    people = out["POPULATION"].to_numpy(dtype=float)
    obs, conf = flags(out["OBS_STATUS"]), flags(out["CONF_STATUS"])
    comment = flags(out[_COMMENT])

    hidden = suppressed(public_value, obs, conf)
    # A count published altered (rounded) must not be given back by its rate.
    altered = ~np.isnan(public_value) & ~np.isnan(raw_value) & (public_value != raw_value)
    missing = np.isnan(raw_value) & ~hidden
    no_people = ~hidden & ~altered & ~missing & np.isnan(people)
    computed = ~(hidden | altered | missing | no_people)

    decimals = int(_single(allowed, "DECIMALS"))
    with np.errstate(invalid="ignore"):
        rate = np.round(raw_value / people * PER_INHABITANTS, decimals)
    value = np.where(computed, rate, np.nan)
    hidden_obs, hidden_conf = _hidden_flags(rules)
    obs[altered], conf[altered] = hidden_obs, hidden_conf
    comment[hidden | altered] = None
    obs[missing & (obs == None)] = "O"  # noqa: E711
    obs[no_people], conf[no_people] = NO_POPULATION_STATUS, FREE
    comment[no_people] = (
        "No population on 1 January " + out.loc[no_people, _TIME] + " in the population table"
    ).to_numpy(dtype=object)
    obs[computed & (obs == None)] = "A"  # noqa: E711
    conf[~(hidden | altered) & (conf == None)] = FREE  # noqa: E711

    data = out[key].copy()
    data[MEASURE] = value
    data["OBS_STATUS"], data["CONF_STATUS"], data[_COMMENT] = obs, conf, comment
    data["UNIT_MEASURE"] = _single(allowed, "UNIT_MEASURE")
    for attribute in series:
        data[attribute] = out[attribute].to_numpy(dtype=object)
    for column in (*dims, "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", *series):
        data[column] = data[column].astype("category")
    data = data.sort_values(key, kind="stable").reset_index(drop=True)
    attributes = {a: _single(allowed, a) for a in ("UNIT_MULT", "DECIMALS")}
    return Dataset(
        data,
        structure_urn=structures.dataflow(RATES_FLOW).urn,
        action=public.action,
        attributes=attributes,
    )
