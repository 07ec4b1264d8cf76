"""Escaped characters survive a write and a read in every SDMX-ML form.

The hardened parser does not substitute entities, and libxml2 then reports each
"&" in an attribute value as "&#38;"; the readers must undo exactly that.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mosy_sdmx import Dataset, read_data, write_data
from mosy_sdmx.structures import builtin_structures

pytestmark = pytest.mark.usefixtures("both_xml_paths")

TRICKY = ["a&b", '<tag> & "quoted"', "literal &#38; stays", "tab\there", "plain"]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    layout = builtin_structures().layout("DF_THB_VICTIMS")
    n = len(TRICKY)
    frame = pd.DataFrame(
        {
            "FREQ": ["A"] * n,
            "REF_AREA": ["PT"] * n,
            "DATA_SOURCE": ["NREM"] * n,
            "PERS_STAT": ["PER_VICT"] * n,
            "SEX": ["T"] * n,
            "AGE": ["TOTAL"] * n,
            "CITIZEN": ["TOTAL"] * n,
            "EXPLOIT": ["_T"] * n,
            "TIME_PERIOD": [str(2015 + i) for i in range(n)],
            "OBS_VALUE": [float(i) for i in range(n)],
            "OBS_STATUS": ["E"] * n,
            "CONF_STATUS": ["F"] * n,
            "COMMENT_OBS": TRICKY,
            "UNIT_MEASURE": ["NR"] * n,
            "COUNT_RULE": ["PERS_YEAR"] * n,
            "NAT_LEGAL_BASIS": ["Art. 160 & 160-A"] * n,
        }
    )
    return Dataset(
        data=frame,
        structure_urn=layout.structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )


@pytest.mark.parametrize("fmt", ["sdmx-ml-2.1-ss", "sdmx-ml-2.1-generic", "sdmx-ml-3.0"])
def test_special_characters_read_back_as_written(dataset: Dataset, fmt: str) -> None:
    message = write_data(dataset, None, fmt)
    back = read_data(message, structure="DF_THB_VICTIMS").data
    back = back.sort_values("TIME_PERIOD").reset_index(drop=True)
    assert back["COMMENT_OBS"].astype(str).tolist() == TRICKY
    assert set(back["NAT_LEGAL_BASIS"].astype(str)) == {"Art. 160 & 160-A"}
