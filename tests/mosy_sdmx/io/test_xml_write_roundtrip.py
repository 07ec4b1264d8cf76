"""Write with our SDMX-ML writers, read with our readers: the same observations."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.io.sdmx_ml import generic_reader, generic_writer, ss_reader, ss_writer

pytestmark = pytest.mark.usefixtures("both_xml_paths")

DIMS = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"]
CASES = {
    "generic": (generic_writer.write, generic_reader.read),
    "ss21": (ss_writer.write_21, ss_reader.read),
    "ss30": (ss_writer.write_30, ss_reader.read),
}


def frame() -> pd.DataFrame:
    rows = [
        ("A", "USD", "EUR", "SP00", "A", "2020", 50.0, "A", "t1"),
        ("M", "CHF", "EUR", "SP00", "A", "2020-01", 1.25, None, "t2"),
        ("A", "USD", "EUR", "SP00", "A", "2021", np.nan, "M", "t1"),
        ("M", "CHF", "EUR", "SP00", "A", "2020-02", 0.0, "A", "t2"),
    ]
    return pd.DataFrame(rows, columns=[*DIMS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "TITLE"])


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    cols = [*DIMS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "TITLE"]
    out = df[cols].copy()
    for col in cols:
        if col != "OBS_VALUE":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["OBS_VALUE"] = out["OBS_VALUE"].astype("float64")
    return out.sort_values([*DIMS, "TIME_PERIOD"]).reset_index(drop=True)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dao", ["TIME_PERIOD", "AllDimensions"])
def test_round_trip(ecb_structures, case, dao):
    layout = ecb_structures.layout("EXR")
    write, read = CASES[case]
    ds = Dataset(frame(), structure_urn=layout.structure_urn, action=Action.REPLACE)
    buffer = io.BytesIO()
    write(ds, buffer, layout=layout, dimension_at_observation=dao)
    back = read(io.BytesIO(buffer.getvalue()), layout=layout, source_name="rt.xml")
    pd.testing.assert_frame_equal(canonical(back.data), canonical(frame()))
    assert back.action is Action.REPLACE
