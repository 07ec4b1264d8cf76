"""OBS_VALUE: numeric, counts whole and non-negative, empty only when explained (§3.5-3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import per_row, rows_where
from mosy_sdmx.structures.layout import ValueKind
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext

_NUMERIC_KINDS = (ValueKind.NUMBER, ValueKind.INTEGER)


def measure_values(ctx: ValidationContext) -> tuple[np.ndarray, np.ndarray]:
    """(float values, non-numeric mask) of the primary measure; NaN = empty or bad."""
    if "measure" not in ctx.cache:
        ctx.cache["measure"] = _measure_values(ctx)
    return ctx.cache["measure"]


def _measure_values(ctx: ValidationContext) -> tuple[np.ndarray, np.ndarray]:
    m = ctx.layout.primary_measure
    s = ctx.frame[m]
    if pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(ctx.n, dtype=bool)
    enc = ctx.encoded(m)
    as_num = pd.to_numeric(pd.Series(enc.values, dtype=object).str.strip(), errors="coerce")
    per_value = as_num.to_numpy(dtype=np.float64, na_value=np.nan)
    values = per_row(enc.codes, per_value, np.nan)
    bad = rows_where(enc.codes, np.isnan(per_value))
    return values, bad


def count_mask(ctx: ValidationContext) -> np.ndarray:
    """Rows whose value is a count: by unit attribute, else by the DSD's agency."""
    rules = ctx.rules
    unit = rules.count_unit_attribute
    if unit and rules.count_units:
        if ctx.has(unit):
            return ctx.encoded(unit).mask_in(rules.count_units)
        if unit in ctx.dataset.attributes:
            hit = str(ctx.dataset.attributes[unit]) in rules.count_units
            return np.full(ctx.n, hit, dtype=bool)
    return np.full(ctx.n, ctx.layout.agency in rules.count_agencies, dtype=bool)


@check(
    "measure",
    "non-numeric-value",
    "negative-count",
    "non-integer-count",
    "missing-value-without-status",
    "value-with-missing-status",
)
def check_measure(ctx: ValidationContext) -> None:
    m = ctx.layout.primary_measure
    ctx.require(m)
    comp = ctx.layout.components.get(m)
    col = ctx.frame[m]
    numeric = comp is not None and comp.kind in _NUMERIC_KINDS
    if numeric:
        values, bad = measure_values(ctx)
        raw = ctx.encoded(m) if bad.any() else None
        rows = np.flatnonzero(bad)
        ctx.collector.add_rows(
            "non-numeric-value",
            rows,
            lambda r: ({"component": m, "value": raw.value_at(r)}, ctx.location(r, m)),
        )
        counts = count_mask(ctx)
        integer = counts | (comp.kind is ValueKind.INTEGER)
        with np.errstate(invalid="ignore"):
            neg = np.flatnonzero(counts & (values < 0))
            frac = np.flatnonzero(integer & ~np.isnan(values) & (values != np.floor(values)))
        ctx.collector.add_rows(
            "negative-count",
            neg,
            lambda r: ({"component": m, "value": _num(values[r])}, ctx.location(r, m)),
        )
        ctx.collector.add_rows(
            "non-integer-count",
            frac,
            lambda r: ({"component": m, "value": _num(values[r])}, ctx.location(r, m)),
        )
        empty = np.isnan(values) & ~bad
    else:
        empty = (
            col.isna().to_numpy()
            if not isinstance(col.dtype, pd.CategoricalDtype)
            else ctx.empty(m)
        )
        values = None
    _check_missing(ctx, m, empty, values)


def _check_missing(ctx: ValidationContext, m: str, empty: np.ndarray, values) -> None:
    rules = ctx.rules
    status_col = rules.missing_status_attribute
    if status_col not in ctx.layout.components:
        return  # the DSD has no way to explain an empty value
    allowed = ", ".join(sorted(rules.missing_status_codes)) or "a missing-value code"
    if ctx.has(status_col):
        status = ctx.encoded(status_col)
        explained = status.mask_in(rules.missing_status_codes)
        status_at = status.value_at
    else:
        fixed = ctx.dataset.attributes.get(status_col)
        explained = np.full(ctx.n, fixed is not None and str(fixed) in rules.missing_status_codes)
        status_at = lambda r: fixed  # noqa: E731
    rows = np.flatnonzero(empty & ~explained)
    ctx.collector.add_rows(
        "missing-value-without-status",
        rows,
        lambda r: (
            {"component": m, "status": status_at(r) or "not given", "allowed": allowed},
            ctx.location(r, m),
        ),
    )
    if values is not None:
        rows = np.flatnonzero(~empty & explained & ~np.isnan(values))
        ctx.collector.add_rows(
            "value-with-missing-status",
            rows,
            lambda r: (
                {"component": m, "value": _num(values[r]), "status": status_at(r)},
                ctx.location(r, m),
            ),
        )


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
