"""One value per series key and period (§3.5-1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.exceptions import Location
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext


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
                **_first(ctx, int(np.argmax(ids == ids[r]))),
            },
            ctx.location(r, ctx.time, whole_row=True),
        ),
    )


def _first(ctx: ValidationContext, row: int) -> dict:
    """The first occurrence: its ordinal, and its line, sheet row or CSV row when known.

    A file read without positions (SDMX-ML, SDMX-JSON) gets them later, by
    ``validation.api.add_xml_lines``, which finds the ordinal in the file.
    """
    ds = ctx.dataset
    if ds.source is not None and ds.source_lines is None and ds.row_offset is None:
        return {"first_observation": row + 1}
    return {"first_observation": row + 1, "first": Location(**ctx.position(row))}
