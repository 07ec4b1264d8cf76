"""Dataset facts derived from its structure reference."""

from __future__ import annotations

import pandas as pd
import pytest

from mosy_sdmx.dataset import Dataset


@pytest.mark.parametrize(
    ("reference", "structure_id"),
    [
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0.0)",
            "DF_THB_VICTIMS",
        ),
        ("urn:sdmx:org.sdmx.infomodel.datastructure.DataflowDefinition=ECB:EXR(1.0)", "EXR"),
        ("urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ECB:ECB_EXR1(1.0)", "ECB_EXR1"),
        ("urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=A.B:PA_1(2.0)", "PA_1"),
        ("ESTAT:NA_MAIN(1.6.0)", "NA_MAIN"),
        ("DF_PLAIN", "DF_PLAIN"),
        (None, None),
        ("", None),
    ],
)
def test_structure_id_from_urn_or_short_reference(reference, structure_id):
    assert Dataset(pd.DataFrame(), structure_urn=reference).structure_id == structure_id
