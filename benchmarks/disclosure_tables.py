"""THB victims tables for disclosure-control benchmarks and attacks.

Four shapes (``SHAPES``), each consistent by construction (every total is the sum of its
parts, as ``mosy validate`` requires):

- ``two_families``: per country, data source and year, the SEX × AGE and the
  SEX × EXPLOIT tables of the victims (PERS_STAT total and its two parts),
  linked through their SEX margins, as Eurostat publishes them. 35 countries
  × 15 years × 192 cells = 100,800 rows. Counts are realistic: a national
  total of about 400 split by sex, age and form shares, so small counts
  appear where they would in real data.
- ``cube``: the full PERS_STAT × SEX × AGE × EXPLOIT cube per key, many small
  counts (the worst case for suppression): 160 keys × 624 cells = 99,840 rows.
- ``one_provider``: what one national provider submits (one REF_AREA, e.g. PT
  for PT_NREM): the full cube per data source and year, realistic counts as in
  ``two_families``, NREM the consolidated figure (no cell below any single
  source's). 9 data sources × 18 years × 624 cells = 101,088 rows at most.
- ``several_areas``: a provider of many areas (42 countries), the cube with
  the children's ages and a citizenship breakdown beside it: 1,368 rows per
  key, up to 1,034,208 rows.

Leaf counts are drawn once per key; totals are sums of leaves through one
incidence matrix per shape, so building 100k rows takes milliseconds.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd

SEX = {"T": ["M", "F", "UNK"]}
AGE = {"TOTAL": ["Y_LT18", "Y_GE18", "UNK"]}
EXPLOIT = {
    "_T": ["SEX", "LAB", "SLAV", "BEG", "CRIM", "ORG", "MARR", "ADOPT", "SURR", "BEN", "OTH", "UNK"]
}
PERS_STAT = {"PER_VICT": ["PER_VICT_ID", "PER_VICT_PR"]}
DIMENSIONS = {"PERS_STAT": PERS_STAT, "SEX": SEX, "AGE": AGE, "EXPLOIT": EXPLOIT}
#: Shares of the leaves of each dimension in the realistic table.
SHARES = {
    "PERS_STAT": [0.7, 0.3],
    "SEX": [0.3, 0.68, 0.02],
    "AGE": [0.22, 0.74, 0.04],
    "EXPLOIT": [0.5, 0.22, 0.04, 0.04, 0.05, 0.005, 0.01, 0.005, 0.005, 0.01, 0.06, 0.05],
}
COUNTRIES = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "NO", "CH", "IS",
    "LI", "ME", "MK", "AL", "RS",
]  # fmt: skip


#: The wider breakdowns of ``several_areas``: the children's ages (restricted: the public
#: flow shows Y_LT18 only) and citizenship, each code with the leaves it adds up.
AGE_WITH_CHILDREN = {
    "TOTAL": ["Y_LT12", "Y12-17", "Y_GE18", "UNK"],
    "Y_LT18": ["Y_LT12", "Y12-17"],
}
CITIZEN = {
    "TOTAL": ["NAT", "EU27_2020_FOR", "NEU27_2020_FOR", "STLS", "UNK"],
    "FOR": ["EU27_2020_FOR", "NEU27_2020_FOR"],
}
WIDER_SHARES = {
    "AGE": [0.08, 0.14, 0.74, 0.04],
    "CITIZEN": [0.35, 0.15, 0.42, 0.03, 0.05],
}


def _codes(hierarchy: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """(code, leaves under it) for the total, the subtotals and each leaf."""
    total, *_ = hierarchy
    leaves = hierarchy[total]
    return [*hierarchy.items(), *((p, [p]) for p in leaves if p not in hierarchy)]


def _template(
    families: list[tuple[str, ...]], dimensions: dict | None = None
) -> tuple[pd.DataFrame, np.ndarray, list[tuple]]:
    """Cells of one key, and the cells × leaves incidence matrix of the full cube."""
    dimensions = dimensions or DIMENSIONS
    dims = list(dimensions)
    totals = {next(iter(h)) for h in dimensions.values()}
    leaves = list(itertools.product(*(h[next(iter(h))] for h in dimensions.values())))
    leaf_index = {leaf: i for i, leaf in enumerate(leaves)}
    cells, rows = [], []
    for combo in itertools.product(*(_codes(h) for h in dimensions.values())):
        codes = tuple(code for code, _ in combo)
        broken = {d for d, (code, _) in zip(dims, combo, strict=True) if code not in totals}
        if not any(broken <= set(f) for f in families):
            continue
        row = np.zeros(len(leaves))
        for leaf in itertools.product(*(under for _, under in combo)):
            row[leaf_index[leaf]] = 1.0
        cells.append(codes)
        rows.append(row)
    return pd.DataFrame(cells, columns=dims), np.array(rows), leaves


def _frame(template: pd.DataFrame, values: np.ndarray, keys: list[dict[str, str]]) -> pd.DataFrame:
    """Rows of every key's cells, with the attributes ``mosy validate`` asks for."""
    n_cells = len(template)
    dims = list(template.columns)
    frame = pd.concat([template] * len(keys), ignore_index=True)
    for column in ("FREQ", "REF_AREA", "DATA_SOURCE"):
        frame.insert(0 if column == "FREQ" else frame.columns.get_loc("PERS_STAT"), column, "")
    frame["FREQ"] = "A"
    frame["REF_AREA"] = np.repeat([k["REF_AREA"] for k in keys], n_cells)
    frame["DATA_SOURCE"] = np.repeat([k.get("DATA_SOURCE", "NREM") for k in keys], n_cells)
    frame = frame[["FREQ", "REF_AREA", "DATA_SOURCE", *dims]]
    frame["TIME_PERIOD"] = np.repeat([k["TIME_PERIOD"] for k in keys], n_cells)
    frame["OBS_VALUE"] = values.reshape(-1).astype("float64")
    n = len(frame)
    frame["OBS_STATUS"] = "A"
    frame["CONF_STATUS"] = "F"
    frame["UNIT_MEASURE"] = "NR"
    frame["COUNT_RULE"] = "PERS_YEAR"
    frame["EXPLOIT_RULE"] = np.where(frame["EXPLOIT"] == "_T", None, "MAIN")
    for column in frame.columns:
        if column not in ("TIME_PERIOD", "OBS_VALUE", "EXPLOIT_RULE"):
            frame[column] = frame[column].astype("category")
    frame["EXPLOIT_RULE"] = frame["EXPLOIT_RULE"].astype("category")
    assert len(frame) == n
    return frame


def _realistic_leaves(
    rng: np.random.Generator,
    n_keys: int,
    leaves: list[tuple],
    dimensions: dict | None = None,
    shares: dict | None = None,
) -> np.ndarray:
    """Leaf counts per key: a total of about 400 split by the SHARES of each dimension."""
    dimensions, shares = dimensions or DIMENSIONS, shares or SHARES
    share = np.ones(len(leaves))
    for i, dim in enumerate(dimensions):
        parts = dimensions[dim][next(iter(dimensions[dim]))]
        weights = dict(zip(parts, shares[dim], strict=True))
        share *= np.array([weights[leaf[i]] for leaf in leaves])
    totals = rng.lognormal(mean=np.log(400), sigma=1.0, size=n_keys)
    return rng.poisson(np.outer(totals, share / share.sum()))


def two_families(seed: int = 11, countries: int = 35, years: int = 15) -> pd.DataFrame:
    """SEX × AGE and SEX × EXPLOIT of the victims per key; realistic counts."""
    rng = np.random.default_rng(seed)
    template, incidence, leaves = _template(
        [("PERS_STAT", "SEX", "AGE"), ("PERS_STAT", "SEX", "EXPLOIT")]
    )
    keys = [
        {"REF_AREA": c, "TIME_PERIOD": str(2009 + y)}
        for c in COUNTRIES[:countries]
        for y in range(years)
    ]
    leaf_values = _realistic_leaves(rng, len(keys), leaves)
    return _frame(template, leaf_values @ incidence.T, keys)


def cube(seed: int = 7, keys: int = 160) -> pd.DataFrame:
    """The full PERS_STAT × SEX × AGE × EXPLOIT cube per key; many small counts."""
    rng = np.random.default_rng(seed)
    families = [tuple(DIMENSIONS)]
    template, incidence, leaves = _template(families)
    key_list = [
        {"REF_AREA": COUNTRIES[k % len(COUNTRIES)], "TIME_PERIOD": str(2009 + k // len(COUNTRIES))}
        for k in range(keys)
    ]
    size = (len(key_list), len(leaves))
    small = rng.integers(0, 6, size)
    large = rng.integers(5, 31, size)
    leaf_values = np.where(rng.random(size) < 0.6, small, large)
    return _frame(template, leaf_values @ incidence.T, key_list)


#: DATA_SOURCE codes a provider of type NREM may report (``dsd/rules.yaml``).
NREM_SOURCES = ["NREM", "POL", "BORD", "LAB", "PROS", "COURT", "NGO", "IO", "OTH"]


def one_provider(
    n_obs: int, area: str = "PT", sources: list[str] = NREM_SOURCES, seed: int = 5
) -> pd.DataFrame:
    """About ``n_obs`` rows of one provider's victims: the full cube per data source and year.

    Years 2008-2025 (the validator refuses earlier and future years), so one
    area holds at most ``len(sources)`` × 18 × 624 rows.
    """
    rng = np.random.default_rng(seed)
    template, incidence, leaves = _template([tuple(DIMENSIONS)])
    pairs = [(s, str(y)) for y in range(2008, 2026) for s in sources]
    n_keys = -(-n_obs // len(template))
    if n_keys > len(pairs):
        raise ValueError(
            f"one area holds at most {len(pairs) * len(template):,} rows of this shape"
        )
    keys = [{"REF_AREA": area, "DATA_SOURCE": s, "TIME_PERIOD": y} for s, y in pairs[:n_keys]]
    leaf_values = _realistic_leaves(rng, len(keys), leaves)
    # NREM is the consolidated figure: no cell below the same cell of any single source
    # (leafwise maximum over the year's sources; the validator warns otherwise).
    year = np.array([k["TIME_PERIOD"] for k in keys])
    nrem = np.array([k["DATA_SOURCE"] == "NREM" for k in keys])
    for i in np.flatnonzero(nrem):
        leaf_values[i] = leaf_values[year == year[i]].max(axis=0)
    return _frame(template, leaf_values @ incidence.T, keys)


#: A provider reporting many areas (``dsd/providers.yaml``: OSCE, every participating
#: State; its type, IO, reports DATA_SOURCE IO only).
MANY_AREAS_PROVIDER = "INT_OSCE"
MANY_AREAS = [
    "AL", "AT", "BA", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI",
    "FR", "GE", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MD", "ME", "MK",
    "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "TR", "UA", "UK", "XK",
]  # fmt: skip
MANY_AREAS_SOURCES = ["IO"]


def several_areas(
    n_obs: int,
    areas: list[str] = MANY_AREAS,
    sources: list[str] = MANY_AREAS_SOURCES,
    seed: int = 5,
) -> pd.DataFrame:
    """About ``n_obs`` rows of a provider reporting many areas (OSCE: 42 countries), with a
    second breakdown: per area, source and year the full
    PERS_STAT × SEX × AGE × EXPLOIT cube, ages down to the children's split (Y_LT12,
    Y12-17: restricted, the public flow shows Y_LT18), and PERS_STAT × SEX × AGE ×
    CITIZEN (nationals, EU and non-EU foreigners, stateless, unknown), linked to the
    cube through their common margins. 1,368 rows per key: 42 areas × 18 years
    hold 1,034,208 rows at most; 912 cells per key in the public flow.
    """
    rng = np.random.default_rng(seed)
    dimensions = {
        "PERS_STAT": PERS_STAT,
        "SEX": SEX,
        "AGE": AGE_WITH_CHILDREN,
        "EXPLOIT": EXPLOIT,
        "CITIZEN": CITIZEN,
    }
    shares = {**SHARES, **WIDER_SHARES}
    families = [("PERS_STAT", "SEX", "AGE", "EXPLOIT"), ("PERS_STAT", "SEX", "AGE", "CITIZEN")]
    template, incidence, leaves = _template(families, dimensions)
    keys = [
        {"REF_AREA": a, "DATA_SOURCE": s, "TIME_PERIOD": str(y)}
        for a in areas
        for y in range(2008, 2026)
        for s in sources
    ]
    n_keys = -(-n_obs // len(template))
    if n_keys > len(keys):
        raise ValueError(f"these areas hold at most {len(keys) * len(template):,} rows")
    keys = keys[:n_keys]
    leaf_values = _realistic_leaves(rng, len(keys), leaves, dimensions, shares)
    return _frame(template, leaf_values @ incidence.T, keys)


SHAPES = {
    "two-families": two_families,
    "cube": cube,
    # What one national provider submits (101,088 rows), and a provider of many areas (1M).
    "one_provider": functools.partial(one_provider, 101_088),
    "several_areas": functools.partial(several_areas, 1_034_208),
}
