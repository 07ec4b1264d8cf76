"""One value per series key and period (§3.5-1)."""

from __future__ import annotations

import numpy as np

from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext


@check("duplicates", "duplicate-observation")
def check_duplicates(ctx: ValidationContext) -> None:
    cols = [c for c in ctx.layout.key_columns() if c in ctx.frame.columns]
    if not cols or ctx.n < 2:
        return
    ids, k = ctx.key_ids(cols)
    if k == ctx.n:
        return
    # The first row of each key: scatter row numbers in reverse so the earliest wins.
    first = np.empty(k, dtype=np.int64)
    order = np.arange(ctx.n - 1, -1, -1, dtype=np.int64)
    first[ids[order]] = order
    rows = np.flatnonzero(first[ids] != np.arange(ctx.n))
    ctx.collector.add_rows("duplicate-observation", rows, lambda r: (
        {"series_key": ctx.series_key(r), "period": ctx.period(r),
         "first": ctx.where(int(first[ids[r]]))},
        ctx.location(r, ctx.time)))
