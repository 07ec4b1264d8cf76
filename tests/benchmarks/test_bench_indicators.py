"""The indicators benchmark runs on the table it describes (no timings asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from indicators import YEARS, make_public

from mosy_sdmx import indicators as ind
from mosy_sdmx.structures import builtin_structures


def test_benchmark_table_is_a_public_victims_table_with_hidden_cells() -> None:
    public = make_public(1)
    data = public.data
    assert public.structure_id == "DF_THB_VICTIMS_PUB"
    assert not data.duplicated([c for c in data.columns if c not in ("OBS_VALUE",)]).any()
    hidden = data["OBS_VALUE"].isna()
    assert 0.05 < hidden.mean() < 0.15 and set(data.loc[hidden, "OBS_STATUS"]) == {"Q"}
    areas = len(builtin_structures().codelist("CL_GEO").items)
    counts = ind.victims_by_country(public)
    assert len(counts) == areas * len(YEARS)
    assert counts["VICTIMS"].isna().sum() == (counts["OBS_STATUS"] == "Q").sum()
