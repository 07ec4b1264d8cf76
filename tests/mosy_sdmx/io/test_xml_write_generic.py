"""SDMX-ML 2.1 GenericData writer: official schema, read-back in sdmx1 and pysdmx."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import sdmx
from lxml import etree
from paths import SPECIMENS
from schemas import assert_valid_xml

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.io.sdmx_ml.generic_writer import write

ECB_STRUCTURE = SPECIMENS / "ECB_EXR" / "1" / "structure-full.xml"
DIMS = ["FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"]
G = f"{{{ns.GENERIC_21}}}"


@pytest.fixture(scope="module")
def layout(ecb_structures):
    return ecb_structures.layout("EXR")


def frame() -> pd.DataFrame:
    rows = [
        ("M", "USD", "EUR", "SP00", "A", "2020-02", 7.0, "A", "x"),
        ("A", "CHF", "EUR", "SP00", "A", "2020", 1.5, None, None),
        ("M", "USD", "EUR", "SP00", "A", "2020-01", np.nan, "M", "x"),
        ("A", "CHF", "EUR", "SP00", "A", "2021", 2.0, None, None),
    ]
    cols = [*DIMS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "TITLE"]
    return pd.DataFrame(rows, columns=cols)


def written(layout, dao="TIME_PERIOD", **options) -> bytes:
    buffer = io.BytesIO()
    ds = Dataset(frame(), structure_urn=layout.structure_urn, action=Action.APPEND,
                 provider="ECB")  # fmt: skip
    write(ds, buffer, layout=layout, dimension_at_observation=dao, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("dao", ["TIME_PERIOD", "AllDimensions", "CURRENCY"])
def test_valid_generic_data(layout, dao):
    assert_valid_xml(written(layout, dao), "2.1")
    doc = written(layout, dao, data_provider=True)
    assert_valid_xml(doc, "2.1")
    assert etree.fromstring(doc).find(f".//{G}DataProvider/Ref").get("id") == "ECB"


def test_structure_values_and_attribute_wrappers(layout):
    root = etree.fromstring(written(layout))
    header_structure = root.find(f"{{{ns.MESSAGE_21}}}Header/{{{ns.MESSAGE_21}}}Structure")
    assert header_structure.get("namespace") is None  # generic data has no such namespace
    dataset = root.find(f"{{{ns.MESSAGE_21}}}DataSet")
    assert dataset.get("structureRef") == header_structure.get("structureID")
    assert dataset.get("action") == "Append"
    series = dataset.findall(f"{G}Series")
    assert len(series) == 2  # rows of one series were not adjacent in the input
    chf = next(s for s in series if s.find(f"{G}SeriesKey/{G}Value[@id='CURRENCY']")
               .get("value") == "CHF")  # fmt: skip
    assert chf.find(f"{G}Attributes") is None  # no series attribute value: no wrapper
    values = [o.find(f"{G}ObsValue").get("value") for o in chf.findall(f"{G}Obs")]
    assert values == ["1.5", "2"]
    usd = next(s for s in series if s is not chf)
    assert usd.find(f"{G}Attributes/{G}Value[@id='TITLE']").get("value") == "x"
    missing = [o for o in usd.findall(f"{G}Obs") if o.find(f"{G}ObsValue") is None]
    assert [o.find(f"{G}ObsDimension").get("value") for o in missing] == ["2020-01"]


@pytest.mark.parametrize("dao", ["TIME_PERIOD", "AllDimensions"])
def test_reads_back_identically(layout, tmp_path, dao):
    from pysdmx.io import get_datasets

    path = tmp_path / "generic.xml"
    path.write_bytes(written(layout, dao))
    df = frame()
    want = {tuple(r[c] for c in [*DIMS, "TIME_PERIOD"]): r["OBS_VALUE"] for _, r in df.iterrows()}
    dsd = sdmx.read_sdmx(ECB_STRUCTURE).structure["ECB_EXR1"]
    out = sdmx.to_pandas(sdmx.read_sdmx(path, structure=dsd).data[0]).reset_index()
    got1 = {tuple(r[c] for c in [*DIMS, "TIME_PERIOD"]): r["value"] for _, r in out.iterrows()}
    data = get_datasets(path, ECB_STRUCTURE)[0].data
    got2 = {tuple(r[c] for c in [*DIMS, "TIME_PERIOD"]): r["OBS_VALUE"] for _, r in data.iterrows()}
    for got in (got1, got2):
        assert set(got) == set(want)
        for key, value in want.items():
            g = pd.to_numeric(pd.Series([got[key]]), errors="coerce").iloc[0]
            assert (np.isnan(value) and np.isnan(g)) or g == value, key
