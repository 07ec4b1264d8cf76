"""The cells an indicator reads from public data, and the flags of what it derives.

Public (``_PUB``) data mark every value that was not published with flags and
no value: OBS_STATUS ``Q`` and a confidentiality CONF_STATUS (disclosure
control), or a missing-value OBS_STATUS (``M``, ``L``, ``O``) for a figure the
provider did not have. An indicator never fills such a cell in: it keeps it
missing with its flags, and a value derived from it (a share, a rate, a ratio,
a change) is withheld with the flags of the input that was not published.

Totals are taken from the total codes of ``dsd/rules.yaml`` (the additive
groups), never summed from their parts; DATA_SOURCE is never summed over.
Everything here works on whole columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import per_row
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.structures.rules import AdditiveGroup, load_additive_groups

MEASURE = "OBS_VALUE"
FLAGS = ("OBS_STATUS", "CONF_STATUS")
#: Annual data only: the population is the population on 1 January, and counts of
#: different frequencies are not comparable.
ANNUAL = "A"
#: OBS_STATUS of a value not published for confidentiality (SDMX CL_OBS_STATUS).
SUPPRESSED_STATUS = "Q"
#: OBS_STATUS codes of a value the provider did not have; ``O`` when none was given.
MISSING_STATUSES = frozenset({"M", "L", "O"})
NOT_GIVEN_STATUS = "O"
#: OBS_STATUS of an undefined derived value (a share of a total of 0).
UNDEFINED_STATUS = "M"
FREE = "F"

Codes = str | Sequence[str] | None


@lru_cache(maxsize=1)
def _groups() -> tuple[AdditiveGroup, ...]:
    return load_additive_groups()


def top_totals() -> dict[str, str]:
    """Dimension -> its top total code: a group total that is no other group's part."""
    parts = {(g.dimension, p) for g in _groups() for p in g.parts}
    out: dict[str, str] = {}
    for group in _groups():
        if (group.dimension, group.total) not in parts:
            out.setdefault(group.dimension, group.total)
    return out


def top_parts(dimension: str) -> tuple[str, ...]:
    """The parts of ``dimension``'s top total (e.g. SEX -> M, F, UNK)."""
    total = top_totals().get(dimension)
    for group in _groups():
        if group.dimension == dimension and group.total == total:
            return group.parts
    raise DatasetError(
        "No breakdown to share out",
        f"{dimension} has no total with parts in dsd/rules.yaml",
        context={"dimension": dimension},
        code="unknown-component",
    )


def frame_of(data: Dataset | pd.DataFrame) -> pd.DataFrame:
    return data.data if isinstance(data, Dataset) else data


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"Cannot compute {what}",
            f"the data has no {', '.join(missing)} column",
            context={"missing": missing},
            code="missing-measure" if missing == [MEASURE] else "missing-dimension",
        )


def _as_tuple(codes: Codes) -> tuple[str, ...] | None:
    if codes is None:
        return None
    return (codes,) if isinstance(codes, str) else tuple(codes)


def select(
    data: Dataset | pd.DataFrame,
    *,
    what: str,
    fixed: dict[str, Codes],
    free: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Annual rows with ``fixed`` codes and every other breakdown at its top total.

    Args:
        data: public observations.
        what: the indicator's name, for errors.
        fixed: dimension -> allowed code(s); None keeps every code (DATA_SOURCE
            kept apart, never summed).
        free: breakdown dimensions left at any code (the one being broken down).
        keep: further columns (attributes) to keep when the data has them.

    Returns:
        REF_AREA, the fixed and free dimensions, TIME_PERIOD, OBS_VALUE and
        the flags, codes as plain strings, a fresh index.
    """
    frame = frame_of(data)
    require(frame, ["REF_AREA", "TIME_PERIOD", MEASURE, *fixed, *free], what)
    mask = np.ones(len(frame), dtype=bool)
    if "FREQ" in frame.columns:
        mask &= (frame["FREQ"] == ANNUAL).to_numpy()
    for dim, codes in fixed.items():
        allowed = _as_tuple(codes)
        if allowed is not None:
            mask &= frame[dim].isin(allowed).to_numpy()
    at_total = [d for d in top_totals() if d in frame.columns and d not in fixed and d not in free]
    for dim in at_total:
        mask &= (frame[dim] == top_totals()[dim]).to_numpy()
    columns = ["REF_AREA", *fixed, *free, "TIME_PERIOD"]
    extra = [c for c in (*FLAGS, *keep) if c in frame.columns]
    out = frame.loc[mask, [*columns, MEASURE, *extra]].reset_index(drop=True)
    for column in (*columns, *extra):
        out[column] = strings(out[column])
    for flag in FLAGS:
        if flag not in out.columns:
            out[flag] = None
    out[MEASURE] = pd.to_numeric(out[MEASURE], errors="coerce").astype(float)
    return out


def strings(column: pd.Series) -> pd.Series:
    """Codes as Python strings, missing ones as None (categoricals would say 'nan')."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = np.asarray(column.cat.categories.astype(str), dtype=object)
        codes = column.cat.codes.to_numpy()
        return pd.Series(per_row(codes, categories, None), index=column.index, dtype=object)
    missing = column.isna().to_numpy()
    values = column.astype(str).to_numpy(dtype=object)
    values[missing] = None
    return pd.Series(values, index=column.index, dtype=object)


def flags(values) -> np.ndarray:
    """Flag codes as an object array, every missing one (None, NaN, pd.NA) as None."""
    out = np.asarray(values, dtype=object).copy()
    out[pd.isna(out)] = None
    return out


def suppressed(value: np.ndarray, obs: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """Cells not published for confidentiality: no value and a confidentiality flag."""
    obs, conf = flags(obs), flags(conf)
    flagged = (obs == SUPPRESSED_STATUS) | ((conf != None) & (conf != FREE))  # noqa: E711
    return np.isnan(value) & flagged


def derive(
    values: Sequence[np.ndarray],
    obs: Sequence[np.ndarray],
    conf: Sequence[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether a value derived from these inputs may be computed, and its flags.

    One rule for every indicator: computed only where every input has a value.
    Otherwise it is withheld with OBS_STATUS ``Q`` and the CONF_STATUS of the
    first input not published for confidentiality, or, where no input was
    suppressed, left missing with the first missing input's OBS_STATUS
    (``O`` when it had none). A computed value keeps the first OBS_STATUS other
    than ``A`` among its inputs (``E`` estimated, ``P`` provisional, ...) and
    is free (CONF_STATUS ``F``).

    Returns:
        (computable mask, OBS_STATUS, CONF_STATUS) as object arrays.
    """
    n = len(values[0])
    ok = np.ones(n, dtype=bool)
    out_obs = np.full(n, None, dtype=object)
    out_conf = np.full(n, FREE, dtype=object)
    hidden = np.zeros(n, dtype=bool)
    absent = np.zeros(n, dtype=bool)
    for value, o, c in zip(values, obs, conf, strict=True):
        o, c = flags(o), flags(c)
        has = ~np.isnan(value)
        ok &= has
        secret = suppressed(value, o, c) & ~hidden
        out_obs[secret] = SUPPRESSED_STATUS
        out_conf[secret] = np.where(c[secret] == None, FREE, c[secret])  # noqa: E711
        hidden |= secret
        lack = ~has & ~hidden & ~absent
        given = pd.Series(o, dtype=object).isin(MISSING_STATUSES).to_numpy()
        out_obs[lack] = np.where(given[lack], o[lack], NOT_GIVEN_STATUS)
        absent |= lack
        qualify = has & ok & (out_obs == None) & (o != None) & (o != "A")  # noqa: E711
        out_obs[qualify] = o[qualify]
    out_obs[ok & (out_obs == None)] = "A"  # noqa: E711
    return ok, out_obs, out_conf


def year_number(period: pd.Series) -> np.ndarray:
    """Annual TIME_PERIOD strings ('2023') as integer years (-1 where not a year)."""
    years = pd.to_numeric(period.astype(str).str.slice(0, 4), errors="coerce")
    plain = period.astype(str).str.fullmatch(r"\d{4}").to_numpy()
    return np.where(plain & years.notna().to_numpy(), years.fillna(-1), -1).astype(np.int64)
