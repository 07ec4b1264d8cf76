"""The attacker of docs/disclosure.md, run on protected tables of every shape.

The attacker (``attacker.py``) is independent of the library: it rebuilds the
relations from the published table and rules.yaml and solves integer programs
with scipy. For every hidden cell it must find more than one value; for every
sensitive cell (a count of 1-4 below the totals, or one the submitter flagged
confidential) its interval must reach the protection level (the threshold on
each side, never below 0) wherever the table allows it: the reach is computed
independently, by the same attacker on the table with every cell hidden that
may be hidden. The library's own claim in the audit (PROTECTED_LOW/HIGH) must
hold too. Longer runs: ``benchmarks/disclosure_attack.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from disclosure_attacker import intervals, knowledge
from thb_tables import (
    AGE_LEAVES,
    CUBE,
    EXPLOIT_LEAVES,
    SEX_LEAVES,
    STAT_LEAVES,
    cells,
    country_total,
    make_table,
    tiny_counts,
)

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure import Reason, protect
from mosy_sdmx.structures.rules import load_additive_groups

GROUPS = list(load_additive_groups())
THRESHOLD = 5


def _reach(raw: pd.DataFrame, sensitive: np.ndarray, fixed: np.ndarray) -> pd.DataFrame:
    """How far the table allows each sensitive cell to move: all but ``fixed`` hidden."""
    everything = raw.copy()
    everything["OBS_STATUS"] = "A"
    open_ = ~fixed | sensitive
    everything.loc[open_, "OBS_VALUE"] = np.nan
    everything.loc[open_, "OBS_STATUS"] = "Q"
    k = knowledge(everything, GROUPS)
    k.hidden = sensitive.copy()
    return intervals(k)


def attack(raw: pd.DataFrame, public: pd.DataFrame, audit, confidential=None) -> dict:
    """Every property the public table must have against the attacker; some counts."""
    value = raw["OBS_VALUE"].to_numpy()
    hidden = public["OBS_VALUE"].isna().to_numpy()
    country = country_total(raw)
    conf = np.zeros(len(raw), bool) if confidential is None else confidential
    found = intervals(knowledge(public, GROUPS))
    # 1. No hidden cell is exactly derivable.
    exact = found[found["low"] == found["high"]]
    assert exact.empty, raw.assign(HIDDEN=hidden).iloc[exact.index]
    # 2. Sensitive cells: interval reaches the protection level where the table allows.
    sensitive = hidden & (((value > 0) & (value < THRESHOLD) & ~country) | conf)
    rows = np.flatnonzero(sensitive)
    high = found["high"].reindex(rows).to_numpy()
    low = found["low"].reindex(rows).to_numpy()
    short = (high < value[rows] + THRESHOLD) | (low > np.maximum(value[rows] - THRESHOLD, 0))
    if short.any():  # below the full level: the table must not allow more
        only = np.zeros(len(raw), dtype=bool)
        only[rows[short]] = True
        reach = _reach(raw, only, country & ~conf)
        for row in rows[short]:
            x, got, most = value[row], found.loc[row], reach.loc[row]
            assert got["high"] >= min(x + THRESHOLD, most["high"]), (row, x, got, most)
            assert got["low"] <= max(x - THRESHOLD, most["low"]), (row, x, got, most)
    # 3. The audit's claims hold against the attacker.
    claims = audit.cells.dropna(subset=["PROTECTED_LOW"])
    keys = audit.key_columns
    lookup = {
        tuple(str(v) for v in r): i
        for i, r in enumerate(raw[keys].itertuples(index=False, name=None))
    }
    for _, claim in claims.iterrows():
        row = lookup[tuple(str(claim[c]) for c in keys)]
        assert found.loc[row, "low"] <= claim["PROTECTED_LOW"], claim
        assert found.loc[row, "high"] >= claim["PROTECTED_HIGH"], claim
    # 4. One flag for every hidden cell; the reason only in the audit.
    obs = public["OBS_STATUS"].astype(str).to_numpy()
    conf_status = public["CONF_STATUS"].astype(str).to_numpy()
    assert set(obs[hidden]) <= {"Q"} and set(conf_status[hidden]) <= {"C"}
    assert (conf_status[~hidden] == "F").all()
    assert len(audit.hidden) == hidden.sum()
    return {"hidden": int(hidden.sum()), "sensitive": int(sensitive.sum())}


def run(frame: pd.DataFrame, confidential=None, **kwargs):
    raw = frame.copy()
    if confidential is not None:
        raw["CONF_STATUS"] = np.where(confidential, "C", "F")
    public, audit = protect(Dataset(raw), **kwargs)
    return raw, public.data, audit


@pytest.mark.parametrize("method", ["optimal", "hypercube"])
@pytest.mark.parametrize("seed", range(4))
def test_sex_by_age(seed: int, method: str) -> None:
    frame = make_table(np.random.default_rng(seed), {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES})
    raw, public, audit = run(frame, method=method)
    attack(raw, public, audit)


@pytest.mark.parametrize("seed", range(2))
def test_two_breakdown_families_of_one_key(seed: int) -> None:
    """SEX × AGE and SEX × EXPLOIT tables of the same victims, linked via SEX totals."""
    frame = make_table(
        np.random.default_rng(1000 + seed),
        {"PERS_STAT": STAT_LEAVES, "SEX": SEX_LEAVES, "AGE": AGE_LEAVES, "EXPLOIT": EXPLOIT_LEAVES},
        families=[("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")],
        counts=tiny_counts,
    )
    raw, public, audit = run(frame, method="optimal" if seed % 2 else "hypercube")
    assert attack(raw, public, audit)["sensitive"] > 0


def test_keys_of_one_shape_protected_with_one_search() -> None:
    """Years of one shape share hypercube corners (the shape decides them); each stays protected."""
    frame = make_table(
        np.random.default_rng(4000),
        {"PERS_STAT": STAT_LEAVES, "SEX": SEX_LEAVES, "AGE": AGE_LEAVES, "EXPLOIT": EXPLOIT_LEAVES},
        families=[("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")],
        years=2,
        counts=tiny_counts,
    )
    raw, public, audit = run(frame, method="hypercube")
    assert attack(raw, public, audit)["sensitive"] > 0


@pytest.mark.parametrize("seed", range(2))
def test_cube_sex_age_exploit(seed: int) -> None:
    frame = make_table(np.random.default_rng(2000 + seed), CUBE)
    raw, public, audit = run(frame, method="hypercube" if seed % 2 else "optimal")
    attack(raw, public, audit)


@pytest.mark.parametrize("seed", range(3))
def test_submitter_confidential_cells(seed: int) -> None:
    rng = np.random.default_rng(3000 + seed)
    frame = make_table(rng, {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES}, years=2)
    confidential = (rng.random(len(frame)) < 0.08) & (frame["OBS_VALUE"].to_numpy() >= 5)
    raw, public, audit = run(frame, confidential)
    attack(raw, public, audit, confidential)
    assert audit.counts()["confidential"] == confidential.sum()


def test_exploit_forms_that_overlap() -> None:
    """EXPLOIT_RULE MULTI: forms may exceed the total; only 'part ≤ total ≤ Σ parts' is known."""
    rng = np.random.default_rng(7)
    frame = make_table(rng, {"SEX": SEX_LEAVES, "EXPLOIT": EXPLOIT_LEAVES})
    frame["EXPLOIT_RULE"] = np.where(frame["EXPLOIT"].astype(str) == "_T", None, "MULTI")
    forms = frame["EXPLOIT"].astype(str) != "_T"
    frame.loc[forms, "OBS_VALUE"] += rng.integers(0, 3, int(forms.sum()))  # overlaps
    totals = frame["EXPLOIT"].astype(str) == "_T"
    # Keep SEX additive: totals by sex are the sums of M, F, UNK per form.
    for form in EXPLOIT_LEAVES:
        at = (frame["EXPLOIT"].astype(str) == form).to_numpy()
        t = at & (frame["SEX"].astype(str) == "T").to_numpy()
        parts = at & (frame["SEX"].astype(str) != "T").to_numpy()
        frame.loc[t, "OBS_VALUE"] = frame.loc[parts, "OBS_VALUE"].sum()
    assert totals.any()
    raw, public, audit = run(frame)
    attack(raw, public, audit)


# -- the smallest cases found by the attack on the pattern rules -----------------

ALL_FEMALE = [
    ("T", "TOTAL", 3),
    ("M", "TOTAL", 0),
    ("F", "TOTAL", 3),
    ("UNK", "TOTAL", 0),
    ("T", "Y_LT18", 0),
    ("M", "Y_LT18", 0),
    ("F", "Y_LT18", 0),
    ("UNK", "Y_LT18", 0),
    ("T", "Y_GE18", 2),
    ("M", "Y_GE18", 0),
    ("F", "Y_GE18", 2),
    ("UNK", "Y_GE18", 0),
    ("T", "UNK", 1),
    ("M", "UNK", 0),
    ("F", "UNK", 1),
    ("UNK", "UNK", 0),
]


def test_three_victims_all_female_are_not_given_away() -> None:
    """A published T/Y_LT18 = 0 once forced M = F = 0 below 18, then F/TOTAL = 3."""
    raw, public, audit = run(cells(ALL_FEMALE))
    attack(raw, public, audit)
    hidden = public.loc[public["OBS_VALUE"].isna(), ["SEX", "AGE"]].astype(str)
    assert ("F", "TOTAL") in set(hidden.itertuples(index=False, name=None))


@pytest.mark.parametrize("total, part", [(2, 1), (8, 4)])
def test_flags_do_not_tell_small_from_secondary(total: int, part: int) -> None:
    """T = 2 with M and F both hidden: with A/S flags both were known to be 1."""
    rows = [("T", "TOTAL", total), ("M", "TOTAL", part), ("F", "TOTAL", part), ("UNK", "TOTAL", 0)]
    raw, public, audit = run(cells(rows))
    attack(raw, public, audit)
    hidden = public["OBS_VALUE"].isna()
    assert set(public.loc[hidden, "CONF_STATUS"].astype(str)) == {"C"}
    reasons = set(audit.cells["REASON"].astype(str))
    assert reasons <= {Reason.PRIMARY.value, Reason.SECONDARY.value}


def test_a_zero_part_alone_protects_nothing_below_a_published_zero() -> None:
    """Hiding a zero whose row total is a published 0 would fix it at 0."""
    rows = [
        ("T", "TOTAL", 9),
        ("M", "TOTAL", 2),
        ("F", "TOTAL", 7),
        ("UNK", "TOTAL", 0),
        ("T", "Y_LT18", 0),
        ("M", "Y_LT18", 0),
        ("F", "Y_LT18", 0),
        ("UNK", "Y_LT18", 0),
        ("T", "Y_GE18", 9),
        ("M", "Y_GE18", 2),
        ("F", "Y_GE18", 7),
        ("UNK", "Y_GE18", 0),
    ]
    raw, public, audit = run(cells(rows))
    attack(raw, public, audit)
