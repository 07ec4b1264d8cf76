"""THB-shaped structures and frames for the validation tests (no THB DSD needed).

``thb_layout()`` mirrors DSD_THB_PERSONS of THB-DATA-MODEL §3.3; ``thb_frame()``
builds a fully additive cube (every total is the sum of its parts) by adding
totals bottom-up from random leaf counts, so it is valid by construction.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures.layout import AttachmentLevel, Component, ComponentLayout, ValueKind

C, S, OBS, D = (
    ValueKind.CODED,
    AttachmentLevel.SERIES,
    AttachmentLevel.OBSERVATION,
    AttachmentLevel.DATASET,
)

CODES = {
    "FREQ": ["A", "S", "Q", "M"],
    "REF_AREA": ["PT", "EL", "CY", "AT", "BG", "DE", "FR", "IT", "ES", "EU27_2020"],
    "DATA_SOURCE": ["NREM", "POL", "BORD", "LAB", "PROS", "COURT", "NGO", "IO", "OTH"],
    "PERS_STAT": ["PER_VICT", "PER_VICT_ID", "PER_VICT_PR", "PER_SUSP", "PER_PRSC", "PER_CNV"],
    "SEX": ["T", "M", "F", "UNK"],
    "AGE": ["TOTAL", "Y_LT18", "Y_LT12", "Y12-17", "Y_GE18", "UNK"],
    "CITIZEN": ["TOTAL", "NAT", "FOR", "EU27_2020_FOR", "NEU27_2020_FOR", "STLS", "UNK", "EL"],
    "EXPLOIT": [
        "_T",
        "SEX",
        "LAB",
        "SLAV",
        "BEG",
        "CRIM",
        "ORG",
        "MARR",
        "ADOPT",
        "SURR",
        "BEN",
        "OTH",
        "UNK",
    ],
    "OBS_STATUS": ["A", "B", "D", "E", "K", "W", "U", "M", "L", "O", "Q", "P"],
    "CONF_STATUS": ["F", "C", "N", "D", "A", "S"],
    "UNIT_MEASURE": ["NR", "P_MHAB"],
    "UNIT_MULT": ["0", "3", "6"],
    "DECIMALS": [str(i) for i in range(5)],
    "COUNT_RULE": ["PERS_YEAR", "PERS_PROC", "UNKNOWN"],
    "EXPLOIT_RULE": ["MAIN", "MULTI"],
}
DIMS = ("FREQ", "REF_AREA", "DATA_SOURCE", "PERS_STAT", "SEX", "AGE", "CITIZEN", "EXPLOIT")
LABELS = {"REF_AREA": {"EL": "Greece", "PT": "Portugal"}}


def thb_layout(flow: str = "DF_THB_VICTIMS", dsd: str = "DSD_THB_PERSONS") -> ComponentLayout:
    comps = {d: Component(d, C, f"CL_{d}", frozenset(CODES[d]), True) for d in DIMS}
    comps["TIME_PERIOD"] = Component("TIME_PERIOD", ValueKind.TIME, mandatory=True)
    comps["OBS_VALUE"] = Component("OBS_VALUE", ValueKind.NUMBER)
    attrs = [
        ("OBS_STATUS", C, True, OBS, None),
        ("CONF_STATUS", C, True, OBS, None),
        ("COMMENT_OBS", ValueKind.STRING, False, OBS, 1000),
        ("UNIT_MEASURE", C, True, S, None),
        ("UNIT_MULT", C, True, D, None),
        ("DECIMALS", C, True, D, None),
        ("COUNT_RULE", C, False, S, None),
        ("NAT_LEGAL_BASIS", ValueKind.STRING, False, S, None),
        ("EXPLOIT_RULE", C, False, S, None),
    ]
    for aid, kind, mandatory, level, max_len in attrs:
        codes = frozenset(CODES[aid]) if kind is C else None
        comps[aid] = Component(
            aid,
            kind,
            f"CL_{aid}" if codes else None,
            codes,
            mandatory,
            level,
            DIMS if level is S else (),
            max_len,
        )
    return ComponentLayout(
        dsd_urn=f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=MOSY:{dsd}(1.0)",
        dsd_id=dsd,
        agency="MOSY",
        version="1.0",
        dimensions=DIMS,
        time_dimension="TIME_PERIOD",
        measures=("OBS_VALUE",),
        attributes=tuple(a[0] for a in attrs),
        components=comps,
        structure_urn=f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:{flow}(1.0)",
        flow_id=flow,
    )


#: Bottom-up: sub-totals before the totals that contain them.
HIERARCHY = [
    ("PERS_STAT", "PER_VICT", ["PER_VICT_ID", "PER_VICT_PR"]),
    ("SEX", "T", ["M", "F", "UNK"]),
    ("AGE", "Y_LT18", ["Y_LT12", "Y12-17"]),
    ("AGE", "TOTAL", ["Y_LT18", "Y_GE18", "UNK"]),
    ("CITIZEN", "FOR", ["EU27_2020_FOR", "NEU27_2020_FOR"]),
    ("CITIZEN", "TOTAL", ["NAT", "FOR", "STLS", "UNK"]),
    ("EXPLOIT", "_T", CODES["EXPLOIT"][1:]),
]
LEAVES = {
    "PERS_STAT": ["PER_VICT_ID", "PER_VICT_PR"],
    "SEX": ["M", "F", "UNK"],
    "AGE": ["Y_LT12", "Y12-17", "Y_GE18", "UNK"],
    "CITIZEN": ["NAT", "EU27_2020_FOR", "NEU27_2020_FOR", "STLS", "UNK"],
    "EXPLOIT": CODES["EXPLOIT"][1:],
}


def thb_frame(areas=("PT",), years=("2022",), sources=("NREM",), seed: int = 1) -> pd.DataFrame:
    """A valid THB cube: every additive group of rules.yaml adds up exactly."""
    rng = np.random.default_rng(seed)
    lists = [["A"], list(areas), list(sources), *(LEAVES[d] for d in DIMS[3:]), list(years)]
    cols = [*DIMS, "TIME_PERIOD"]
    leaves = pd.DataFrame(list(itertools.product(*lists)), columns=cols)
    leaves["OBS_VALUE"] = rng.integers(0, 10, len(leaves)).astype(np.float64)
    frame = leaves
    for dim, total, parts in HIERARCHY:
        sub = frame[frame[dim].isin(parts)]
        others = [c for c in cols if c != dim]
        agg = sub.groupby(others, sort=False, as_index=False)["OBS_VALUE"].sum()
        agg[dim] = total
        frame = pd.concat([frame, agg[[*cols, "OBS_VALUE"]]], ignore_index=True)
    frame["OBS_STATUS"] = "A"
    frame["CONF_STATUS"] = "F"
    frame["COMMENT_OBS"] = None
    frame["UNIT_MEASURE"] = "NR"
    frame["COUNT_RULE"] = "PERS_YEAR"
    frame["EXPLOIT_RULE"] = np.where(frame["EXPLOIT"] == "_T", None, "MAIN")
    for c in [*DIMS, "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "COUNT_RULE", "EXPLOIT_RULE"]:
        frame[c] = frame[c].astype("category")
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype(str)
    return frame


def thb_dataset(frame: pd.DataFrame | None = None, **kwargs) -> Dataset:
    layout = thb_layout()
    return Dataset(
        data=thb_frame() if frame is None else frame,
        structure_urn=layout.structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
        **kwargs,
    )


def set_value(frame: pd.DataFrame, row, column: str, value) -> pd.DataFrame:
    """Set a cell (categoricals gain the category); returns the frame."""
    s = frame[column]
    categorical = isinstance(s.dtype, pd.CategoricalDtype)
    if categorical and value is not None and value not in s.cat.categories:
        frame[column] = s.cat.add_categories([value])
    frame.loc[row, column] = value
    return frame


def find_row(frame: pd.DataFrame, **codes) -> int:
    """The first row whose columns hold the given codes."""
    mask = np.ones(len(frame), dtype=bool)
    for col, code in codes.items():
        mask &= (frame[col].astype(object) == code).to_numpy()
    return int(np.flatnonzero(mask)[0])


class StubStructures:
    """The part of StructureSet the checks use: providers, constraints, labels."""

    PROVIDERS: ClassVar[dict[str, dict]] = {
        "PT_NREM": {"country": "PT", "type": "NREM"},
        "PT_NGO_1": {"country": "PT", "type": "NGO"},
        "INT_IOM": {"country": None, "type": "IO"},
    }

    def __init__(self, flow_allowed=None, provider_allowed=None):
        self.flow_allowed = flow_allowed or {}
        self.provider_allowed = provider_allowed or {}

    def provider(self, ref):
        from mosy_sdmx.exceptions import StructureNotFoundError

        if ref not in self.PROVIDERS:
            raise StructureNotFoundError("Unknown data provider", ref)
        return ref

    def provider_country(self, ref):
        return self.PROVIDERS[ref]["country"]

    def provider_type(self, ref):
        return self.PROVIDERS[ref]["type"]

    def allowed_codes(self, flow, provider=None):
        out = dict(self.flow_allowed)
        if provider is not None:
            out.update(self.provider_allowed.get(provider, {}))
        return out

    def codelist(self, ref):
        comp = ref.removeprefix("CL_")

        class _Code:
            def __init__(self, label):
                self.name = _Name(label)

        class _Name:
            def __init__(self, label):
                self.label = label

            def localized_default(self, lang):
                return self.label

        class _CL(dict):
            pass

        return _CL({c: _Code(v) for c, v in LABELS.get(comp, {}).items()})
