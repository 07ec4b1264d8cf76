"""One value per series key and period (§3.5-1)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext

#: The first occurrence of a repeat read from a file that keeps no positions
#: (SDMX-ML, SDMX-JSON): its ordinal among the observations. ``validation.api``
#: reads it back with ``FIRST_OBSERVATION`` to give the line of an SDMX-ML input.
FIRST_OBSERVATION_TEXT = "observation {}"
FIRST_OBSERVATION = re.compile(r"\(first at observation (\d+)\)")


@check("duplicates", "duplicate-observation")
def check_duplicates(ctx: ValidationContext) -> None:
    cols = [c for c in ctx.layout.key_columns() if c in ctx.frame.columns]
    if not cols or ctx.n < 2:
        return
    radix = ctx.radix_key(tuple(cols))
    ids = radix[0] if radix is not None else ctx.key_ids(cols)[0]
    dup = pd.Series(ids, copy=False).duplicated(keep="first").to_numpy()
    ctx.cache["duplicate"] = dup  # later checks ignore the repeats
    rows = np.flatnonzero(dup)
    # The first occurrence is looked up for the few examples only.
    ctx.collector.add_rows(
        "duplicate-observation",
        rows,
        lambda r: (
            {
                "series_key": ctx.series_key(r),
                "period": ctx.period(r),
                "first": _first(ctx, int(np.argmax(ids == ids[r]))),
            },
            ctx.location(r, ctx.time, whole_row=True),
        ),
    )


def _first(ctx: ValidationContext, row: int) -> str:
    """Where the first occurrence is: line, sheet row or CSV row; else its ordinal."""
    ds = ctx.dataset
    if ds.source is not None and ds.source_lines is None and ds.row_offset is None:
        return FIRST_OBSERVATION_TEXT.format(row + 1)
    return ctx.where(row)
