"""The common THB indicators across partners, from public data (issue 15, THB-DATA-MODEL §3.6).

Every function takes public (``_PUB``) data, a Dataset or its DataFrame, and
returns a tidy DataFrame with the OBS_STATUS and CONF_STATUS of what it
computes. A cell not published stays missing with its flags: it is never
imputed or counted as 0, and a share, rate, ratio or change that needs it is
withheld (OBS_STATUS ``Q``, the cell's CONF_STATUS). Totals are the total
codes of ``dsd/rules.yaml``, not sums of parts; DATA_SOURCE defaults to
``NREM`` (the consolidated national figure) and is never summed over.

- ``victims_by_country``: registered victims per country and year;
- ``victims_per_million``: the same per million inhabitants (``population()``);
- ``shares``: by form of exploitation, sex, age or citizenship group;
- ``citizenship_flows``: victims' country of citizenship -> reporting country;
- ``justice_chain``: suspected -> prosecuted -> convicted persons;
- ``year_on_year``: the change of any of these against the year before;
- ``rates_dataset``: the DF_THB_RATES_PUB publication (§3.6 rule 5);
- ``indicator_tables``: the indicators above shaped as a dashboard's charts and tables.
"""

from __future__ import annotations

from mosy_sdmx.indicators.change import year_on_year
from mosy_sdmx.indicators.counts import citizenship_flows, justice_chain, victims_by_country
from mosy_sdmx.indicators.population import population, population_sources
from mosy_sdmx.indicators.rates import rates_dataset, victims_per_million
from mosy_sdmx.indicators.shares import shares
from mosy_sdmx.indicators.tables import (
    IndicatorTable,
    data_sources,
    indicator_series,
    indicator_tables,
)

__all__ = [
    "IndicatorTable",
    "citizenship_flows",
    "data_sources",
    "indicator_series",
    "indicator_tables",
    "justice_chain",
    "population",
    "population_sources",
    "rates_dataset",
    "shares",
    "victims_by_country",
    "victims_per_million",
    "year_on_year",
]
