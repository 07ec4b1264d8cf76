"""Fit the data to the public dataflow's codes before anything is protected.

A public flow may allow fewer codes than its submission flow (AGE ``Y_LT12``
and ``Y12-17`` are collected but only ``Y_LT18`` is published). Rows with a
code the public flow excludes are:

- dropped, when their total is in the data already (it is published instead);
- aggregated into that total, when the additive groups of ``rules.yaml`` say
  so (every part present with a value): one new row with the sum, whose
  attributes are those of its first part;
- dropped otherwise.

Protection then runs on the public shape only, so a restricted code can never
be recovered from it. The audit lists each dropped row and each row made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.structures.rules import AdditiveGroup


@dataclass(frozen=True, slots=True)
class Restricted:
    data: pd.DataFrame  # public shape: restricted rows out, aggregates in
    dropped: pd.DataFrame  # rows removed (original columns)
    aggregated: np.ndarray  # bool per row of ``data``: made from restricted codes


def _as_str(column: pd.Series) -> pd.Series:
    return column.astype(str)


def _aggregate(
    data: pd.DataFrame,
    group: AdditiveGroup,
    key_columns: list[str],
    measure: str,
    restricted_rows: np.ndarray,
    never_publish: frozenset[str],
) -> pd.DataFrame:
    """New total rows for instances whose parts are all present and whose total is absent.

    A made row takes the attributes of its first part, or of a part the
    submitter flagged not for publication, so that the flag is inherited.
    """
    dim = group.dimension
    parts = data[_as_str(data[dim]).isin(group.parts).to_numpy() & restricted_rows]
    if parts.empty:
        return data.iloc[0:0]
    others = [c for c in key_columns if c != dim]
    if others:
        gid = parts[others].astype(str).groupby(others, sort=False).ngroup().to_numpy()
    else:
        gid = np.zeros(len(parts), dtype=np.int64)
    value = pd.to_numeric(parts[measure], errors="coerce").to_numpy(dtype=float)
    n_valued = np.bincount(gid, weights=~np.isnan(value))
    total = np.bincount(gid, weights=np.nan_to_num(value))
    flagged = np.zeros(len(parts), dtype=bool)
    if "CONF_STATUS" in parts.columns:
        flagged = _as_str(parts["CONF_STATUS"]).isin(never_publish).to_numpy()
    # Per instance, the representative part: a flagged one if any, else the first.
    order = np.lexsort((np.arange(len(parts)), ~flagged, gid))
    first = order[np.r_[True, gid[order][1:] != gid[order][:-1]]]
    complete = n_valued[gid[first]] == len(group.parts)
    made = parts.iloc[first[complete]].copy()
    made[dim] = pd.Series(group.total, index=made.index, dtype=object)
    made[measure] = total[gid[first[complete]]]
    return made[~_present(data, made, key_columns)]


def _present(data: pd.DataFrame, rows: pd.DataFrame, key_columns: list[str]) -> np.ndarray:
    if rows.empty:
        return np.zeros(0, dtype=bool)
    left = rows[key_columns].astype(str)
    right = data[key_columns].astype(str).drop_duplicates().assign(_hit=True)
    return left.merge(right, how="left", on=key_columns)["_hit"].notna().to_numpy()


def restrict_to_public(
    data: pd.DataFrame,
    allowed: dict[str, frozenset[str]],
    key_columns: list[str],
    measure: str,
    groups: tuple[AdditiveGroup, ...] | list[AdditiveGroup],
    never_publish: frozenset[str] = frozenset(),
) -> Restricted:
    """Drop or aggregate rows holding codes the public dataflow does not allow."""
    restricted = np.zeros(len(data), dtype=bool)
    for dim in key_columns:
        if dim in allowed and dim in data.columns:
            restricted |= ~_as_str(data[dim]).isin(allowed[dim]).to_numpy()
    if not restricted.any():
        return Restricted(data, data.iloc[0:0], np.zeros(len(data), dtype=bool))
    made = []
    for group in groups:
        dim = group.dimension
        if dim not in allowed or dim not in data.columns or group.total not in allowed[dim]:
            continue
        if set(group.parts) & allowed[dim]:
            continue  # only groups whose parts are all excluded are folded into their total
        made.append(_aggregate(data, group, key_columns, measure, restricted, never_publish))
    made = [m for m in made if not m.empty]
    kept = data[~restricted]
    dropped = data[restricted]
    if made:
        new = pd.concat(made, ignore_index=True)
        out = pd.concat([kept, new], ignore_index=True)
        for column in data.columns:
            if isinstance(data[column].dtype, pd.CategoricalDtype):
                out[column] = out[column].astype(str).where(out[column].notna()).astype("category")
        aggregated = np.r_[np.zeros(len(kept), dtype=bool), np.ones(len(new), dtype=bool)]
    else:
        out = kept.reset_index(drop=True)
        aggregated = np.zeros(len(out), dtype=bool)
    return Restricted(out.reset_index(drop=True), dropped.reset_index(drop=True), aggregated)
