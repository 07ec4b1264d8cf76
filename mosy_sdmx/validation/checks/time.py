"""TIME_PERIOD written as its FREQ requires, and within the accepted years (§3.5-2).

Patterns are matched once per distinct (FREQ, TIME_PERIOD) pair, then mapped
back to the rows: a million annual observations cost a handful of regexes.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from mosy_sdmx.categoricals import combine_codes, rows_where
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext

_MONTH = r"(0[1-9]|1[0-2])"
_DAY = rf"\d{{4}}-{_MONTH}-(0[1-9]|[12]\d|3[01])"
_DATETIME = rf"{_DAY}(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d+)?)?)?(Z|[+-]\d\d:\d\d)?)?"
#: SDMX time-period forms per CL_FREQ code, with a human example.
PATTERNS: dict[str, tuple[str, str]] = {
    "A": (r"\d{4}(-A1)?", "YYYY, e.g. 2023"),
    "S": (r"\d{4}-S[12]", "YYYY-S1 or YYYY-S2"),
    "H": (rf"\d{{4}}-S[12]|{_DATETIME}", "YYYY-S1 or YYYY-S2"),
    "Q": (r"\d{4}-Q[1-4]", "YYYY-Q1 ... YYYY-Q4"),
    "M": (rf"\d{{4}}-M?{_MONTH}", "YYYY-MM, e.g. 2023-01"),
    "W": (r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])", "YYYY-Www, e.g. 2023-W05"),
    "D": (rf"{_DAY}|\d{{4}}-D\d{{3}}", "YYYY-MM-DD"),
    "B": (rf"{_DAY}", "YYYY-MM-DD"),
    "N": (_DATETIME, "YYYY-MM-DDThh:mm:ss"),
}
_ANY = "|".join(f"(?:{p})" for p, _ in PATTERNS.values())
_COMPILED = {f: re.compile(rf"(?:{p})\Z") for f, (p, _) in PATTERNS.items()}
_COMPILED_ANY = re.compile(rf"(?:{_ANY})\Z")


@check("time-periods", "bad-time-period", "period-out-of-range")
def check_time_periods(ctx: ValidationContext) -> None:
    if ctx.time is None:
        return
    ctx.require(ctx.time)
    tp = ctx.encoded(ctx.time)
    has_freq = ctx.has("FREQ")
    freq = ctx.encoded("FREQ") if has_freq else None
    parts = [(tp.codes, len(tp.values))] + ([(freq.codes, len(freq.values))] if freq else [])
    ids, k = combine_codes(parts, ctx.n, dense=False)
    if k > 4 * ctx.n + 1024:  # many distinct pairs: densify first
        ids, k = combine_codes(parts, ctx.n)
    # A representative row per distinct pair (-1: the pair does not occur).
    rep = np.full(k, -1, dtype=np.int64)
    rep[ids[::-1]] = np.arange(ctx.n - 1, -1, -1)
    bad_pair = np.zeros(k, dtype=bool)
    expected: dict[int, tuple[str, str]] = {}
    for pair in np.flatnonzero(rep >= 0).tolist():
        row = int(rep[pair])
        period = tp.value_at(row)
        if period is None:
            continue  # reported as a missing dimension value
        f = freq.value_at(row) if freq else ctx.dataset.attributes.get("FREQ")
        regex = _COMPILED.get(str(f), _COMPILED_ANY) if f is not None else _COMPILED_ANY
        if not regex.match(str(period).strip()):
            bad_pair[pair] = True
            expected[pair] = (str(f), PATTERNS.get(str(f), ("", "an SDMX time period"))[1])
    rows = np.flatnonzero(bad_pair[ids])
    ctx.flag(ctx.time, rows)
    ctx.collector.add_rows(
        "bad-time-period",
        rows,
        lambda r: (
            {"value": tp.value_at(r), "freq": expected[ids[r]][0], "expected": expected[ids[r]][1]},
            ctx.location(r, ctx.time),
        ),
    )
    _check_years(ctx, tp, bad_pair[ids])


def _check_years(ctx: ValidationContext, tp, already_bad: np.ndarray) -> None:
    rules = ctx.rules
    if ctx.layout.agency not in rules.time_agencies or (
        rules.min_year is None and not rules.no_future
    ):
        return
    years = [str(v)[:4] for v in tp.values]  # distinct periods only
    numeric = np.array([y.isdigit() and len(y) == 4 for y in years], dtype=bool)
    year_num = np.array(
        [int(y) if ok else 0 for y, ok in zip(years, numeric, strict=True)], dtype=np.int64
    )
    lo = rules.min_year if rules.min_year is not None else -(10**9)
    hi = date.today().year if rules.no_future else 10**9
    out_values = numeric & ((year_num < lo) | (year_num > hi))
    if not out_values.any():
        return
    rows = np.flatnonzero(rows_where(tp.codes, out_values) & ~already_bad)
    ctx.collector.add_rows(
        "period-out-of-range",
        rows,
        lambda r: (
            {
                "value": tp.value_at(r),
                "min_year": lo if rules.min_year is not None else "",
                "max_year": hi if rules.no_future else "",
            },
            ctx.location(r, ctx.time),
        ),
    )
