"""Plausibility warnings of §3.5-7, thresholds and code pairs from rules.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import combine_codes
from mosy_sdmx.validation.checks.additivity import GroupFrame
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.checks.measure import measure_values
from mosy_sdmx.validation.context import SkipCheck, ValidationContext


@check("ordered-values", "implausible-order", thb_only=True)
def check_ordered(ctx: ValidationContext) -> None:
    ctx.require(ctx.layout.primary_measure)
    values, _ = measure_values(ctx)
    for pair in ctx.rules.ordered:
        if not ctx.has(pair.dimension):
            continue
        # Reuse the additivity machinery: "upper" plays the total, "lower" the only part.
        extra = ctx.rules.additivity_same_attributes
        gf = GroupFrame(ctx, pair.dimension, pair.upper, (pair.lower,), values, extra)
        lower = ~gf.is_total & ~np.isnan(gf.values)
        with np.errstate(invalid="ignore"):
            bad = lower & (gf.values > gf.total_value[gf.gid])
        ctx.collector.add_rows(
            "implausible-order",
            gf.rows[bad],
            lambda r, p=pair, g=gf: (
                {
                    "dimension": p.dimension,
                    "lower": p.lower,
                    "upper": p.upper,
                    "lower_value": values[r],
                    "upper_value": g.total_value[g.group_of(r)],
                    "reason": p.reason,
                    "series_key": ctx.series_key(r),
                    "period": ctx.period(r),
                },
                ctx.location(r, p.dimension),
            ),
        )


@check("consolidated-figure", "consolidated-below-source", thb_only=True)
def check_consolidated(ctx: ValidationContext) -> None:
    dim, code = ctx.rules.consolidated_dimension, ctx.rules.consolidated_code
    if not dim or not code or not ctx.has(dim):
        raise SkipCheck("no consolidated source dimension")
    ctx.require(ctx.layout.primary_measure)
    values, _ = measure_values(ctx)
    enc = ctx.encoded(dim)
    gid, uniques = pd.factorize(ctx.others_key(dim))
    k = len(uniques)
    is_cons = enc.mask_in({code})
    known = ~np.isnan(values)
    other = ~is_cons & known & (enc.codes >= 0)
    best = np.full(k, -np.inf)
    np.maximum.at(best, gid[other], values[other])
    bad = is_cons & known & (values < best[gid])
    rows = np.flatnonzero(bad)

    def describe(r: int):
        same = np.flatnonzero((gid == gid[r]) & other)
        top = same[np.argmax(values[same])]
        return (
            {
                "code": code,
                "value": values[r],
                "source": enc.value_at(top),
                "source_value": values[top],
                "series_key": ctx.series_key(r),
                "period": ctx.period(r),
            },
            ctx.location(r, dim),
        )

    ctx.collector.add_rows("consolidated-below-source", rows, describe)


@check("implausible-combinations", "implausible-combination", thb_only=True)
def check_combinations(ctx: ValidationContext) -> None:
    ctx.require(ctx.layout.primary_measure)
    values, _ = measure_values(ctx)
    for combo in ctx.rules.implausible:
        where = ctx.mask_where(combo.when)
        if where is None:
            continue
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(where & (values > 0))
        ctx.collector.add_rows(
            "implausible-combination",
            rows,
            lambda r, c=combo: (
                {"reason": c.reason, "series_key": ctx.series_key(r), "period": ctx.period(r)},
                ctx.location(r, next(iter(c.when))),
            ),
        )


@check("year-on-year", "large-change", thb_only=True)
def check_year_on_year(ctx: ValidationContext) -> None:
    prev = ctx.previous
    rel, absolute = ctx.rules.yoy_relative, ctx.rules.yoy_absolute
    if prev is None or rel is None or absolute is None:
        raise SkipCheck("no previous data given")
    time, m = ctx.time, ctx.layout.primary_measure
    dims = [d for d in ctx.dimensions if d in ctx.frame.columns]
    if (
        time is None
        or not ctx.has(time, m)
        or any(c not in prev.data.columns for c in [*dims, time, m])
    ):
        raise SkipCheck("previous data lacks key columns")
    values, _ = measure_values(ctx)
    pdata = prev.data
    n_cur, n_prev = ctx.n, len(pdata)
    parts = []
    for d in dims:
        enc = ctx.encoded(d)
        p_codes, p_vals = pd.factorize(pdata[d].astype(object), use_na_sentinel=True)
        joint = pd.Index(enc.values.astype(object)).append(pd.Index(p_vals)).unique()
        cur = _remap(enc.codes, joint.get_indexer(enc.values.astype(object)))
        old = _remap(p_codes, joint.get_indexer(pd.Index(p_vals)))
        parts.append((np.concatenate([cur, old]), len(joint)))
    # The current period moved back one year, against the previous data's own periods.
    tp = ctx.encoded(time)
    shifted = _year_back(tp.values.astype(str))
    p_codes, p_vals = pd.factorize(pdata[time].astype(str), use_na_sentinel=True)
    joint = pd.Index(shifted).append(pd.Index(p_vals)).unique()
    cur = _remap(tp.codes, joint.get_indexer(pd.Index(shifted)))
    old = _remap(p_codes, joint.get_indexer(pd.Index(p_vals)))
    parts.append((np.concatenate([cur, old]), len(joint)))
    ids, _ = combine_codes(parts, n_cur + n_prev)
    cur_ids, old_ids = ids[:n_cur], ids[n_cur:]
    old_index = pd.Index(old_ids)
    keep = ~old_index.duplicated()
    where = pd.Index(old_ids[keep]).get_indexer(cur_ids)
    old_values = pd.to_numeric(pdata[m], errors="coerce").to_numpy(np.float64)[keep]
    found = where >= 0
    before = np.where(found, old_values[np.maximum(where, 0)], np.nan)
    change = np.abs(values - before)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad = found & (change > absolute) & (change > rel * np.abs(before))
    old_periods = pdata[time].astype(str).to_numpy()[keep]

    def describe(r: int):
        b = before[r]
        ratio = (values[r] - b) / b if b else float("inf")
        return (
            {
                "value": values[r],
                "previous": b,
                "change": ratio,
                "previous_period": old_periods[where[r]],
                "series_key": ctx.series_key(r),
            },
            ctx.location(r, m),
        )

    ctx.collector.add_rows("large-change", np.flatnonzero(bad), describe)


def _remap(codes: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    out = np.full(codes.size, -1, dtype=np.int64)
    ok = codes >= 0
    out[ok] = mapping[codes[ok]]
    return out


def _year_back(periods: pd.Index) -> list[str]:
    out = []
    for p in periods:  # distinct periods only: a few dozen
        out.append(f"{int(p[:4]) - 1:04d}{p[4:]}" if p[:4].isdigit() else f"?{p}")
    return out
