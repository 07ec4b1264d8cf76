"""Per-cell facts decided before any relation is looked at (§3.6 rules 1, 2, 4, 6).

Each is a column over the observation rows: country total, in rounding scope,
flagged confidential by the submitter, a small count (primary suppression),
kept suppressed from the previous release (revision), and already known from
the previous release (published there with the value it still has, so hiding
it now would protect nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.rules import DisclosureRules


@dataclass(frozen=True, slots=True)
class CellFacts:
    value: np.ndarray  # float64 raw values, NaN = missing
    valued: np.ndarray
    country_total: np.ndarray  # every breakdown dimension at a total code
    as_reported: np.ndarray  # published unchanged whatever its size (country totals)
    rounding: np.ndarray  # rounding scope (§3.6 rule 4)
    threshold: np.ndarray  # per-row small-count threshold
    confidential: np.ndarray
    primary: np.ndarray
    revision: np.ndarray
    known: np.ndarray

    @property
    def sensitive(self) -> np.ndarray:
        """Cells hidden for their own sake, which need a protection interval."""
        return self.confidential | self.primary | self.revision


def _as_str(column: pd.Series) -> pd.Series:
    return column.astype(str)


def match_rows(data: pd.DataFrame, keys: pd.DataFrame | None) -> np.ndarray:
    """Rows of ``data`` whose values equal a row of ``keys`` on the columns ``keys`` has."""
    if keys is None or keys.empty:
        return np.zeros(len(data), dtype=bool)
    columns = [c for c in keys.columns if c in data.columns]
    if not columns:
        return np.zeros(len(data), dtype=bool)
    right = keys[columns].astype(str).drop_duplicates().assign(_hit=True)
    left = data[columns].astype(str).reset_index(drop=True)
    merged = left.merge(right, how="left", on=columns)
    return merged["_hit"].notna().to_numpy()


def _previous_release(
    data: pd.DataFrame, key_columns: list[str], previous: pd.DataFrame | None, measure: str
) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed there, published there with the same value) per row."""
    none = np.zeros(len(data), dtype=bool)
    if previous is None or not set(key_columns) <= set(previous.columns):
        return none, none
    hidden = (
        previous["OBS_STATUS"].astype(str).to_numpy() == "Q"
        if "OBS_STATUS" in previous.columns
        else np.zeros(len(previous), dtype=bool)
    )
    suppressed = match_rows(data, previous.loc[hidden, key_columns])
    if measure not in previous.columns:
        return suppressed, none
    shown = previous.loc[~hidden, [*key_columns, measure]]
    shown = shown[pd.to_numeric(shown[measure], errors="coerce").notna()]
    right = shown[key_columns].astype(str).assign(_was=pd.to_numeric(shown[measure]).to_numpy())
    right = right.drop_duplicates(key_columns)
    left = data[key_columns].astype(str).reset_index(drop=True)
    was = left.merge(right, how="left", on=key_columns)["_was"].to_numpy(dtype=float)
    value = pd.to_numeric(data[measure], errors="coerce").to_numpy(dtype=float)
    return suppressed, was == value


def classify(
    data: pd.DataFrame,
    *,
    key_columns: list[str],
    measure: str,
    rules: DisclosureRules,
    flow_id: str | None,
    sensitive: np.ndarray,
    previous: pd.DataFrame | None,
) -> CellFacts:
    """Decide the per-cell facts, all columnar."""
    n = len(data)
    value = pd.to_numeric(data[measure], errors="coerce").to_numpy(dtype=float)
    valued = ~np.isnan(value)
    breakdown = np.zeros(n, dtype=bool)
    for dim, totals in rules.breakdowns.items():
        if dim in data.columns and dim in key_columns:
            breakdown |= ~_as_str(data[dim]).isin(totals).to_numpy()
    country_total = ~breakdown
    as_reported = country_total & rules.country_totals_as_reported

    if flow_id is not None and flow_id in rules.rounding_flows:
        rounding = np.ones(n, dtype=bool)
    elif rules.country_level_dimension in data.columns:
        column = _as_str(data[rules.country_level_dimension])
        rounding = ~column.isin(rules.country_level_group_codes).to_numpy()
    else:
        rounding = np.zeros(n, dtype=bool)
    rounding &= ~as_reported
    threshold = np.where(rounding, rules.rounding_threshold, rules.threshold)

    if "CONF_STATUS" in data.columns:
        flagged = _as_str(data["CONF_STATUS"]).isin(rules.never_publish).to_numpy()
        confidential = flagged & data["CONF_STATUS"].notna().to_numpy()
    else:
        confidential = np.zeros(n, dtype=bool)

    small = valued & (value < threshold) & ((value > 0) | ((value == 0) & sensitive))
    primary = small & ~as_reported & ~confidential
    kept, known = _previous_release(data, key_columns, previous, measure)
    revision = kept & valued & (value >= 0) & (value < threshold)
    revision &= ~as_reported & ~confidential & ~primary
    return CellFacts(
        value,
        valued,
        country_total,
        as_reported,
        rounding,
        threshold,
        confidential,
        primary,
        revision,
        known & valued,
    )
