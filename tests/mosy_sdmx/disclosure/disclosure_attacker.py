"""An attacker who knows only the published table and the rules, written independently.

Nothing here comes from ``mosy_sdmx.disclosure``: the equations are rebuilt
from the additive groups of ``rules.yaml`` and the published rows alone, and
solved with scipy's MILP interface (HiGHS) rather than the library's own
model. What the attacker knows (docs/disclosure.md):

- every published value exactly, or, for a rounded one, every integer that
  rounds to it and is not below the rounding threshold;
- which cells are hidden (the flag), not why;
- every relation of ``rules.yaml`` among the published rows: ``equal``
  relations with all parts present as equalities, with parts missing as
  "total ≥ Σ present parts"; ``at_most`` (EXPLOIT_RULE other than MAIN) as
  "total ≤ Σ parts" and "part ≤ total"; only among rows that agree on
  COUNT_RULE;
- non-negativity and integrality of counts.

For every hidden cell it computes the smallest and largest value an integer
table consistent with all that can give it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from mosy_sdmx.structures.rules import AdditiveGroup

NON_KEYS = {
    "OBS_VALUE",
    "OBS_STATUS",
    "CONF_STATUS",
    "COMMENT_OBS",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "DECIMALS",
    "COUNT_RULE",
    "NAT_LEGAL_BASIS",
    "EXPLOIT_RULE",
}


@dataclass
class Knowledge:
    """The attacker's linear system: A v in [lo, hi], v in [vlo, vhi], integer."""

    keys: list[tuple]
    matrix: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    var_lower: np.ndarray
    var_upper: np.ndarray
    hidden: np.ndarray  # rows of the public table that are hidden


def _same_rule(table: pd.DataFrame, rows: list[int]) -> bool:
    if "COUNT_RULE" not in table.columns:
        return True
    return table["COUNT_RULE"].iloc[rows].astype(str).nunique() <= 1


def _relation(table: pd.DataFrame, parts: list[int], group: AdditiveGroup) -> str:
    if group.relation_attribute is None or group.relation_attribute not in table.columns:
        return group.relation
    said = set(table[group.relation_attribute].iloc[parts].dropna().astype(str))
    rels = {group.relation_by_value.get(v, group.relation) for v in said}
    return "equal" if rels == {"equal"} else "at_most"


def knowledge(
    public: pd.DataFrame,
    groups: list[AdditiveGroup],
    rounded: np.ndarray | None = None,
    rounding_base: int = 5,
    rounding_threshold: int = 10,
) -> Knowledge:
    """Everything the attacker can write down from the published table."""
    table = public.reset_index(drop=True)
    keys_cols = [c for c in table.columns if c not in NON_KEYS]
    keys = [tuple(str(v) for v in row) for row in table[keys_cols].itertuples(index=False)]
    index = {k: i for i, k in enumerate(keys)}
    value = pd.to_numeric(table["OBS_VALUE"], errors="coerce").to_numpy(dtype=float)
    status = table["OBS_STATUS"].astype(str).to_numpy()
    hidden = np.isnan(value) & (status == "Q")
    unknown = np.isnan(value)  # hidden, or reported missing: any count
    n = len(table)
    var_lower = np.where(unknown, 0.0, value)
    var_upper = np.where(unknown, np.inf, value)
    if rounded is not None:
        r = rounded & ~unknown
        lo = np.ceil(value[r] - rounding_base / 2)
        hi = np.ceil(value[r] + rounding_base / 2) - 1
        var_lower[r] = np.where(value[r] > 0, np.maximum(lo, rounding_threshold), 0)
        var_upper[r] = np.where(value[r] > 0, hi, 0)
    rows, lowers, uppers = [], [], []

    def add(coef: dict[int, float], lower: float, upper: float) -> None:
        row = np.zeros(n)
        for i, c in coef.items():
            row[i] += c
        rows.append(row)
        lowers.append(lower)
        uppers.append(upper)

    for g in groups:
        if g.dimension not in keys_cols:
            continue
        d = keys_cols.index(g.dimension)
        for key, t in index.items():
            if key[d] != g.total:
                continue
            present = [index.get((*key[:d], p, *key[d + 1 :])) for p in g.parts]
            parts = [i for i in present if i is not None and not (unknown[i] and not hidden[i])]
            if not parts or not _same_rule(table, [t, *parts]):
                continue
            complete = len(parts) == len(g.parts)
            coef = {t: 1.0, **{p: -1.0 for p in parts}}
            if _relation(table, parts, g) == "equal":
                add(coef, 0.0, 0.0 if complete else np.inf)
            else:
                if complete:
                    add(coef, -np.inf, 0.0)
                for p in parts:
                    add({t: 1.0, p: -1.0}, 0.0, np.inf)
    matrix = np.array(rows) if rows else np.zeros((0, n))
    return Knowledge(keys, matrix, np.array(lowers), np.array(uppers), var_lower, var_upper, hidden)


def _optimum(k: Knowledge, cell: int, sign: float, cap: float) -> float:
    n = len(k.var_lower)
    c = np.zeros(n)
    c[cell] = sign
    upper = np.minimum(k.var_upper, cap)  # a finite box: the optimum is never unbounded
    constraints = [LinearConstraint(k.matrix, k.row_lower, k.row_upper)] if len(k.matrix) else []
    res = milp(
        c,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(k.var_lower, upper),
        options={"time_limit": 20},
    )
    if res.status != 0:
        raise AssertionError(f"attacker's problem not solved: {res.message}")
    return float(round(res.x[cell]))


def intervals(k: Knowledge, cap: float | None = None) -> pd.DataFrame:
    """Smallest and largest integer value of every hidden cell (``cap``: 'unbounded')."""
    finite = k.var_upper[np.isfinite(k.var_upper)]
    cap = cap if cap is not None else 10.0 * (finite.sum() + 100.0)
    out = []
    for cell in np.flatnonzero(k.hidden):
        low = _optimum(k, cell, 1.0, cap)
        high = _optimum(k, cell, -1.0, cap)
        out.append((cell, low, high if high < cap else math.inf))
    return pd.DataFrame(out, columns=["row", "low", "high"]).set_index("row")
