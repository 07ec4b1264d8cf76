"""SDMX-CSV structure references <-> URNs, through sdmx1's URN type."""

from __future__ import annotations

import pytest

from mosy_sdmx.io.frame import ref_from_urn, urn_from_ref

DF = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="


@pytest.mark.parametrize(
    ("kind", "ref", "urn"),
    [
        ("dataflow", "ESTAT:NA_MAIN(1.6.0)", f"{DF}ESTAT:NA_MAIN(1.6.0)"),
        ("DataFlow", "ECB:EXR", f"{DF}ECB:EXR(1.0)"),  # no version: 1.0, as SDMX-CSV 1.0 did
        (
            "datastructure",
            "ECB:ECB_EXR1(1.0)",
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ECB:ECB_EXR1(1.0)",
        ),
        (
            "dataprovision",
            "A.B:PA_1(2.0)",
            "urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=A.B:PA_1(2.0)",
        ),
        ("dataflow", "not a reference", None),
        ("metadataflow", "ECB:EXR(1.0)", None),
    ],
)
def test_urn_from_ref(kind, ref, urn):
    assert urn_from_ref(kind, ref) == urn


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        (f"{DF}ESTAT:NA_MAIN(1.6.0)", ("dataflow", "ESTAT:NA_MAIN(1.6.0)")),
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataflowDefinition=ECB:EXR(1.0)",
            ("dataflow", "ECB:EXR(1.0)"),
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructureDefinition=ECB:ECB_EXR1(1.0)",
            ("datastructure", "ECB:ECB_EXR1(1.0)"),
        ),
        (
            "urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=A.B:PA_1(2.0)",
            ("dataprovision", "A.B:PA_1(2.0)"),
        ),
        ("MOSY:DF_THB_VICTIMS(1.0.0)", ("dataflow", "MOSY:DF_THB_VICTIMS(1.0.0)")),
    ],
)
def test_ref_from_urn(urn, expected):
    assert ref_from_urn(urn) == expected


def test_round_trip():
    for kind in ("dataflow", "datastructure", "dataprovision"):
        urn = urn_from_ref(kind, "MOSY:X_1(1.0.0)")
        assert ref_from_urn(urn) == (kind, "MOSY:X_1(1.0.0)")
