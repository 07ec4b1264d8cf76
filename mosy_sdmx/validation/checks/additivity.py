"""Totals equal (or bound) the sum of their parts along hierarchical codelists (§3.5-4).

For each additive group of rules.yaml: keep the rows at the total or a part,
give each row the id of its key without the group's dimension (plus
COUNT_RULE), and compare per id with bincount. No loop over rows or series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.structures.rules import AdditiveGroup
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.checks.measure import measure_values
from mosy_sdmx.validation.context import ValidationContext


@check("additivity", "total-not-sum-of-parts", "total-exceeds-parts", "part-exceeds-total")
def check_additivity(ctx: ValidationContext) -> None:
    m = ctx.layout.primary_measure
    ctx.require(m)
    groups = [g for g in ctx.rules.additivity if g.dimension in ctx.layout.dimensions]
    if not groups:
        return
    values, _ = measure_values(ctx)
    for group in groups:
        if ctx.has(group.dimension):
            _check_group(ctx, group, values)


class GroupFrame:
    """The rows of one additive group, with per-key totals and part sums."""

    def __init__(
        self,
        ctx: ValidationContext,
        dimension: str,
        total: str,
        parts: tuple[str, ...],
        values: np.ndarray,
        extra: tuple[str, ...] = (),
    ):
        enc = ctx.encoded(dimension)
        lookup = {v: i for i, v in enumerate(enc.values)}
        total_code = lookup.get(total, -2)
        part_codes = np.array([lookup.get(p, -2) for p in parts], dtype=np.int64)
        codes = enc.codes
        is_total = codes == total_code
        is_part = np.isin(codes, part_codes[part_codes >= 0])
        member = is_total | is_part
        dup = ctx.cache.get("duplicate")
        if dup is not None:
            member &= ~dup  # a repeated observation is reported once, as a duplicate
        self.rows = np.flatnonzero(member)
        # Dense ids of the other key components, shared by groups on one dimension.
        cache_key = ("others", dimension, extra)
        if cache_key not in ctx.cache:
            ids, uniques = pd.factorize(ctx.others_key(dimension, extra))
            ctx.cache[cache_key] = (ids, len(uniques))
        ids, self.k = ctx.cache[cache_key]
        self.gid = ids[self.rows]
        self.is_total = is_total[self.rows]
        self.values = values[self.rows]
        known = ~np.isnan(self.values)
        # The total's row and value per key (-1: no total reported).
        self.total_row = np.full(self.k, -1, dtype=np.int64)
        t = self.is_total & known
        self.total_row[self.gid[t]] = self.rows[t]
        self.total_value = np.full(self.k, np.nan)
        self.total_value[self.gid[t]] = self.values[t]
        p = ~self.is_total
        self.part_sum = np.bincount(
            self.gid[p & known], weights=self.values[p & known], minlength=self.k
        )
        # Parts reported with a value, per key. Repeated observations were left out
        # above when the duplicates check ran; otherwise count distinct pairs.
        if dup is not None:
            self.n_parts = np.bincount(self.gid[p & known], minlength=self.k)
        else:
            n_codes = max(len(enc.values), 1)
            pairs = pd.unique(self.gid[p & known] * n_codes + codes[self.rows][p & known])
            self.n_parts = np.bincount(pairs // n_codes, minlength=self.k)
        self.complete = self.n_parts == len(parts)

    def group_of(self, row: int) -> int:
        return int(self.gid[np.searchsorted(self.rows, row)])


def _check_group(ctx: ValidationContext, group: AdditiveGroup, values: np.ndarray) -> None:
    same = ctx.rules.additivity_same_attributes
    gf = GroupFrame(ctx, group.dimension, group.total, group.parts, values, same)
    if gf.k == 0:
        return
    relation = _relations(ctx, group, gf)
    has_total = gf.total_row >= 0
    tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(gf.total_value)))
    diff = np.nan_to_num(gf.total_value) - gf.part_sum
    checked = has_total & gf.complete
    not_sum = checked & (relation == 0) & (np.abs(diff) > tol)
    exceeds = checked & (relation == 1) & (diff > tol)
    parts_text = " + ".join(group.parts)

    def describe_total(r: int):
        g = gf.group_of(r)
        return (
            {
                "dimension": group.dimension,
                "total": group.total,
                "total_value": gf.total_value[g],
                "parts": parts_text,
                "parts_value": gf.part_sum[g],
                "series_key": ctx.series_key(r),
                "period": ctx.period(r),
            },
            ctx.location(r, group.dimension, whole_row=True),
        )

    ctx.collector.add_rows("total-not-sum-of-parts", gf.total_row[not_sum], describe_total)
    ctx.collector.add_rows("total-exceeds-parts", gf.total_row[exceeds], describe_total)
    # Partial or not, no part may exceed its total.
    part_rows = ~gf.is_total & ~np.isnan(gf.values)
    tv = gf.total_value[gf.gid]
    with np.errstate(invalid="ignore"):
        over = part_rows & has_total[gf.gid] & (gf.values > tv + 1e-9 * np.maximum(1.0, tv))
    enc = ctx.encoded(group.dimension)

    def describe_part(r: int):
        g = gf.group_of(r)
        return (
            {
                "dimension": group.dimension,
                "part": enc.value_at(r),
                "part_value": values[r],
                "total": group.total,
                "total_value": gf.total_value[g],
                "series_key": ctx.series_key(r),
                "period": ctx.period(r),
            },
            ctx.location(r, group.dimension, whole_row=True),
        )

    ctx.collector.add_rows("part-exceeds-total", gf.rows[over], describe_part)


def _relations(ctx: ValidationContext, group: AdditiveGroup, gf: GroupFrame) -> np.ndarray:
    """Per key: 0 = equal, 1 = at_most (chosen by e.g. EXPLOIT_RULE on any of its rows)."""
    default = 0 if group.relation == "equal" else 1
    attr = group.relation_attribute
    if attr is None:
        return np.full(gf.k, default, dtype=np.int8)
    if not ctx.has(attr):
        fixed = ctx.dataset.attributes.get(attr)
        rel = group.relation_for(None if fixed is None else str(fixed))
        return np.full(gf.k, 0 if rel == "equal" else 1, dtype=np.int8)
    enc = ctx.encoded(attr)
    if not len(enc.values):  # the column is there but empty (e.g. a filled template)
        return np.full(gf.k, group.relation_for(None) == "at_most", dtype=np.int8)
    per_value = np.array(
        [0 if group.relation_for(str(v)) == "equal" else 1 for v in enc.values], dtype=np.int8
    )
    codes = enc.codes[gf.rows]
    given = codes >= 0
    out = np.full(gf.k, group.relation_for(None) == "at_most", dtype=np.int8)
    # Keys where any row says "at_most" are at_most; else any "equal" makes them equal.
    seen = np.zeros(gf.k, dtype=bool)
    seen[gf.gid[given]] = True
    at_most = np.zeros(gf.k, dtype=bool)
    at_most[gf.gid[given & (per_value[np.maximum(codes, 0)] == 1)]] = True
    out[seen] = at_most[seen].astype(np.int8)
    return out
