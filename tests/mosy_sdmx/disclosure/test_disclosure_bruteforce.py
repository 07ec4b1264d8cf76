"""Brute force: on random THB-shaped tables no suppressed value can be recovered.

The attacker's view is rebuilt here independently of the library: every
additive group of rules.yaml becomes an equation over the table's cells, the
published values are constants, and a suppressed cell is recoverable iff its
unit vector lies in the row space of the equations restricted to suppressed
cells (rank test). Tiny tables are also checked by enumerating every
non-negative integer table consistent with what was published.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure import Reason, load_disclosure_rules, protect
from mosy_sdmx.structures.rules import AdditiveGroup, load_additive_groups

SEX_LEAVES = ["M", "F", "UNK"]
AGE_LEAVES = ["Y_LT12", "Y12-17", "Y_GE18", "UNK"]
EXPLOIT_LEAVES = ["SEX", "LAB", "BEG", "OTH"]
STAT_LEAVES = ["PER_VICT_ID", "PER_VICT_PR"]
TOTAL_CODES = {"SEX": {"T"}, "AGE": {"TOTAL"}, "EXPLOIT": {"_T"}, "PERS_STAT": {"PER_VICT"}}


def _rollup(dim: str, leaf: str) -> list[str]:
    """The codes a leaf value contributes to (itself and its ancestors)."""
    if dim == "SEX":
        return [leaf, "T"]
    if dim == "AGE":
        return [leaf, "Y_LT18", "TOTAL"] if leaf in ("Y_LT12", "Y12-17") else [leaf, "TOTAL"]
    if dim == "EXPLOIT":
        return [leaf, "_T"]
    return [leaf, "PER_VICT"]


def _small_counts(rng: np.random.Generator, size: int) -> np.ndarray:
    """Many zeros and small counts, a few larger ones."""
    small = rng.integers(0, 6, size)
    large = rng.integers(5, 31, size)
    return np.where(rng.random(size) < 0.6, small, large)


def make_table(rng: np.random.Generator, dims: dict[str, list[str]], families=None) -> pd.DataFrame:
    """A consistent table: leaf counts summed up every hierarchy, all totals present.

    ``families`` restricts which dimensions may be broken down together (e.g.
    SEX×AGE and SEX×EXPLOIT, as Eurostat tables are), others stay at total.
    """
    names = list(dims)
    leaves = list(itertools.product(*dims.values()))
    values = _small_counts(rng, len(leaves))
    cells: dict[tuple, int] = {}
    for leaf, v in zip(leaves, values, strict=True):
        for combo in itertools.product(*(_rollup(d, c) for d, c in zip(names, leaf, strict=True))):
            cells[combo] = cells.get(combo, 0) + int(v)
    rows = []
    for combo, v in cells.items():
        broken = {d for d, c in zip(names, combo, strict=True) if c not in TOTAL_CODES[d]}
        if families is not None and not any(broken <= set(f) for f in families):
            continue
        rows.append(dict(zip(names, combo, strict=True), OBS_VALUE=float(v)))
    frame = pd.DataFrame(rows)
    frame.insert(0, "REF_AREA", "PT")
    frame.insert(0, "FREQ", "A")
    frame["TIME_PERIOD"] = "2023"
    for c in ["FREQ", "REF_AREA", *names]:
        frame[c] = frame[c].astype("category")
    return frame


def equations(frame: pd.DataFrame, groups: list[AdditiveGroup]) -> np.ndarray:
    """One row per (group, other-key) with every cell of the total and its parts."""
    keys = [c for c in frame.columns if c not in ("OBS_VALUE", "OBS_STATUS", "CONF_STATUS")]
    index = {tuple(str(v) for v in row): i for i, row in enumerate(frame[keys].itertuples(False))}
    out = []
    for g in groups:
        if g.dimension not in keys:
            continue
        d = keys.index(g.dimension)
        for key, i in index.items():
            if key[d] != g.total:
                continue
            row = np.zeros(len(frame))
            row[i] = 1.0
            for part in g.parts:
                j = index.get((*key[:d], part, *key[d + 1 :]))
                if j is not None:
                    row[j] = -1.0
            if (row < 0).any():
                out.append(row)
    return np.array(out)


def recoverable(frame: pd.DataFrame, hidden: np.ndarray, groups) -> list[int]:
    """Suppressed cells whose value the published values pin down (rank test)."""
    a = equations(frame, groups)
    unknown = np.flatnonzero(hidden)
    if len(a) == 0 or len(unknown) == 0:
        return []
    a_u = a[:, unknown]
    base = np.linalg.matrix_rank(a_u)
    found = []
    for k, cell in enumerate(unknown):
        unit = np.zeros(len(unknown))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a_u, unit])) == base:
            found.append(int(cell))
    return found


def _country_total(frame: pd.DataFrame) -> np.ndarray:
    total = np.ones(len(frame), dtype=bool)
    for dim, codes in TOTAL_CODES.items():
        if dim in frame.columns:
            total &= frame[dim].astype(str).isin(codes | {"PER_VICT"}).to_numpy()
    return total


def check_protection(frame: pd.DataFrame, groups, confidential=None) -> None:
    """Every property the public table must have."""
    raw = frame.copy()
    if confidential is not None:
        raw["CONF_STATUS"] = np.where(confidential, "C", "F")
    public, audit = protect(Dataset(raw))
    out = public.data
    hidden = out["OBS_VALUE"].isna().to_numpy()
    value = raw["OBS_VALUE"].to_numpy()
    country = _country_total(raw)

    assert recoverable(raw, hidden, groups) == []
    assert audit.complete
    shown = ~hidden
    assert ((value[shown] == 0) | (value[shown] >= 5) | country[shown]).all()
    np.testing.assert_array_equal(out["OBS_VALUE"].to_numpy()[shown], value[shown])
    # Small breakdown counts are hidden, country totals never (unless confidential).
    assert hidden[(value > 0) & (value < 5) & ~country].all()
    conf = np.zeros(len(raw), bool) if confidential is None else confidential
    assert not hidden[country & ~conf].any()
    assert hidden[conf].all()
    # Flags.
    obs, cst = out["OBS_STATUS"].astype(str).to_numpy(), out["CONF_STATUS"].astype(str).to_numpy()
    assert (obs[hidden] == "Q").all() and (obs[shown] == "A").all()
    assert set(cst[hidden]) <= {"A", "S"} and (cst[shown] == "F").all()
    # The audit lists exactly the hidden cells, each with its reason and flag.
    assert len(audit.cells) == hidden.sum()
    key = ["SEX", "AGE", *(c for c in ("EXPLOIT", "PERS_STAT") if c in raw.columns)]
    listed = set(audit.cells[key].astype(str).itertuples(index=False, name=None))
    expected = set(raw.loc[hidden, key].astype(str).itertuples(index=False, name=None))
    assert listed == expected
    reasons = audit.cells["REASON"].astype(str)
    raw_in_audit = audit.cells["RAW_VALUE"].to_numpy()
    primary = reasons == Reason.PRIMARY
    assert ((raw_in_audit[primary] >= 1) & (raw_in_audit[primary] <= 4)).all()
    assert (audit.cells.loc[primary, "CONF_STATUS"] == "A").all()
    assert (audit.cells.loc[reasons == Reason.SECONDARY, "CONF_STATUS"] == "S").all()
    assert (reasons == Reason.CONFIDENTIAL).sum() == conf.sum()


GROUPS = list(load_additive_groups())


@pytest.mark.parametrize("seed", range(40))
def test_sex_by_age_with_totals(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = make_table(rng, {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES})
    check_protection(frame, GROUPS)


@pytest.mark.parametrize("seed", range(25))
def test_two_breakdown_families_of_one_key(seed: int) -> None:
    """SEX × AGE and SEX × EXPLOIT tables of the same victims, linked via SEX totals."""
    rng = np.random.default_rng(1000 + seed)
    frame = make_table(
        rng,
        {"PERS_STAT": STAT_LEAVES, "SEX": SEX_LEAVES, "AGE": AGE_LEAVES, "EXPLOIT": EXPLOIT_LEAVES},
        families=[("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")],
    )
    check_protection(frame, GROUPS)


CUBE = {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES, "EXPLOIT": EXPLOIT_LEAVES}


@pytest.mark.parametrize("seed", range(30))
def test_full_cube_three_dimensions(seed: int) -> None:
    """Every cell of SEX × AGE × EXPLOIT, where counting per group is not enough."""
    check_protection(make_table(np.random.default_rng(seed), CUBE), GROUPS)


def test_counting_alone_would_leak_in_the_cube(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the test above: without the exact stage some cube tables leak."""
    import importlib

    suppression = importlib.import_module("mosy_sdmx.disclosure.suppression")
    none = np.zeros(0, dtype=np.int64)
    monkeypatch.setattr(suppression, "determined_cells", lambda m, h: (none, none))
    leaked = []
    for seed in range(40):
        frame = make_table(np.random.default_rng(seed), CUBE)
        public, _ = protect(Dataset(frame))
        leaked = recoverable(frame, public.data["OBS_VALUE"].isna().to_numpy(), GROUPS)
        if leaked:
            break
    assert leaked


@pytest.mark.parametrize("seed", range(20))
def test_submitter_confidential_cells_are_protected_too(seed: int) -> None:
    rng = np.random.default_rng(3000 + seed)
    frame = make_table(rng, {"SEX": SEX_LEAVES, "AGE": AGE_LEAVES})
    confidential = (rng.random(len(frame)) < 0.08) & (frame["OBS_VALUE"].to_numpy() >= 5)
    check_protection(frame, GROUPS, confidential)


# -- exhaustive enumeration on tiny tables --------------------------------------

TINY_GROUPS = [AdditiveGroup("SEX", "T", ("M", "F")), AdditiveGroup("AGE", "TOTAL", ("A", "B"))]


def _tiny(rng: np.random.Generator) -> pd.DataFrame:
    inner = {(s, a): int(rng.choice([0, 0, 1, 2, 3, 4, 6, 9])) for s in "MF" for a in "AB"}
    rows = []
    for s in ("T", "M", "F"):
        for a in ("TOTAL", "A", "B"):
            sexes, ages = ("MF" if s == "T" else s), ("AB" if a == "TOTAL" else a)
            v = sum(inner[(x, y)] for x in sexes for y in ages)
            rows.append({"SEX": s, "AGE": a, "OBS_VALUE": float(v)})
    frame = pd.DataFrame(rows)
    frame["SEX"] = frame["SEX"].astype("category")
    frame["AGE"] = frame["AGE"].astype("category")
    return frame


def _solutions(frame: pd.DataFrame, published: np.ndarray) -> np.ndarray:
    """Every non-negative integer table agreeing with the published cells."""
    total = int(frame["OBS_VALUE"].max())
    grid = np.array(list(itertools.product(range(total + 1), repeat=4)))  # MA, MB, FA, FB
    ma, mb, fa, fb = grid.T
    full = {
        ("M", "A"): ma,
        ("M", "B"): mb,
        ("F", "A"): fa,
        ("F", "B"): fb,
        ("M", "TOTAL"): ma + mb,
        ("F", "TOTAL"): fa + fb,
        ("T", "A"): ma + fa,
        ("T", "B"): mb + fb,
        ("T", "TOTAL"): ma + mb + fa + fb,
    }
    keys = list(zip(frame["SEX"].astype(str), frame["AGE"].astype(str), strict=True))
    table = np.stack([full[k] for k in keys], axis=1)
    value = frame["OBS_VALUE"].to_numpy()
    ok = np.all(table[:, published] == value[published], axis=1)
    return table[ok]


@pytest.mark.parametrize("seed", range(60))
def test_tiny_tables_exhaustively(seed: int) -> None:
    rng = np.random.default_rng(4000 + seed)
    frame = _tiny(rng)
    rules = load_disclosure_rules().with_groups(TINY_GROUPS)
    public, audit = protect(Dataset(frame), rules)
    hidden = public.data["OBS_VALUE"].isna().to_numpy()
    solutions = _solutions(frame, ~hidden)
    assert len(solutions) >= 1  # the true table is always among them
    for cell in np.flatnonzero(hidden):
        assert len(np.unique(solutions[:, cell])) > 1, (frame, cell)
    assert len(audit.cells) == hidden.sum()
