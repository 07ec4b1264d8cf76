"""Well-formed inputs the mutations start from.

The project's own THB messages (a small THB dataset written by the library in
every data format, as a workbook and as a gzip and a zip; a partner template
filled in; the THB structures
exported as SDMX-ML 2.1 and 3.0) and real agencies' messages from ``shared/``
(the ECB exchange-rate specimens in every SDMX-ML 2.1 layout, SDMX-JSON and
SDMX-CSV examples, the standard's own samples).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from fuzz.target import DEMO, ROOT, SHARED, Case


def thb_dataset():
    """Six THB series over four years, with observation and series attributes."""
    import numpy as np
    import pandas as pd

    from mosy_sdmx.dataset import Dataset
    from mosy_sdmx.structures import builtin_structures

    layout = builtin_structures().layout("DF_THB_VICTIMS")
    rng = np.random.default_rng(7)
    rows = []
    for area in ("PT", "ES", "FR"):
        for sex in ("F", "M"):
            for year in range(2020, 2024):
                row = {
                    d: sorted(layout.components[d].codes or ["_Z"])[0] for d in layout.dimensions
                }
                row.update(FREQ="A", REF_AREA=area, TIME_PERIOD=str(year))
                if "SEX" in row:
                    row["SEX"] = sex
                row.update(OBS_VALUE=float(rng.integers(0, 300)), OBS_STATUS="A")
                row.update(CONF_STATUS="F", UNIT_MEASURE="NR", COMMENT_OBS='a "note", here')
                rows.append(row)
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if col not in ("TIME_PERIOD", "OBS_VALUE"):
            frame[col] = frame[col].astype("category")
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype("str")
    return Dataset(data=frame, structure_urn=layout.structure_urn)


def thb_template() -> bytes:
    """A partner template (``mosy template``) as a partner sends it back: filled in
    by hand in its Data sheet, with its Instructions, Codes and drop-downs kept."""
    import openpyxl

    from mosy_sdmx.structures import builtin_structures
    from mosy_sdmx.templates import write_template

    buffer = io.BytesIO()
    write_template(
        buffer, flow="DF_THB_VICTIMS", provider="PT_NREM", structures=builtin_structures(), rows=12
    )
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook["Data"]
    letters = {cell.value: cell.column_letter for cell in sheet[1]}
    common = {
        "FREQ": "A", "DATA_SOURCE": "NREM", "PERS_STAT": "PER_VICT", "AGE": "TOTAL",
        "CITIZEN": "TOTAL", "EXPLOIT": "_T", "CONF_STATUS": "F", "COUNT_RULE": "PERS_YEAR",
    }  # fmt: skip
    rows = [("T", 12, "A", 2023), ("F", 0, "A", "2023"), ("M", None, "M", "2023")]
    for number, (sex, value, status, year) in enumerate(rows, start=2):
        row = {**common, "SEX": sex, "OBS_VALUE": value, "OBS_STATUS": status}
        row["TIME_PERIOD"] = year
        for cid, cell in row.items():
            sheet[f"{letters[cid]}{number}"] = cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def thb_seeds(*, structures: bool = True) -> list[Case]:
    from mosy_sdmx import DataFormat, export_structures, write_data
    from mosy_sdmx.structures import builtin_structures

    dataset = thb_dataset()
    cases = []
    for fmt in DataFormat:
        data = write_data(dataset, None, fmt)
        assert data is not None
        cases.append(Case(data, "data", "thb", fmt.suffix))
    csv = write_data(dataset, None, DataFormat.SDMX_CSV_20)
    assert csv is not None
    cases.append(Case(gzip.compress(csv, mtime=0), "data", "thb", ".csv.gz"))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("victims.csv", csv)
    cases.append(Case(packed.getvalue(), "data", "thb", ".zip"))
    cases.append(Case(thb_template(), "data", "thb", ".xlsx"))
    if not structures:
        return cases
    for version in ("sdmx-ml-2.1", "sdmx-ml-3.0"):
        buffer = io.BytesIO()
        export_structures(builtin_structures(), version, buffer)
        cases.append(Case(buffer.getvalue(), "structure", "", ".xml"))
    return cases


def shared_seeds(shared: Path = SHARED) -> list[Case]:
    cases = []
    ecb = shared / "specimens" / "ECB_EXR"
    for path in sorted(ecb.glob("*.xml")):
        size = path.name[:2]
        if "structure" in path.name:
            if "full" not in path.name:
                cases.append(Case(path.read_bytes(), "structure", "", ".xml"))
        elif size in ("ng", "rg", "sg"):
            cases.append(Case(path.read_bytes(), "data", size, ".xml"))
    for path in [*sorted(ecb.glob("*.json")), *sorted((ecb / "1").glob("M.*.xml"))]:
        cases.append(Case(path.read_bytes(), "data", "ecb1", path.suffix))
    sdmx30 = shared / "specimens" / "sdmx-3.0"
    for path in [*sorted((sdmx30 / "csv").glob("*.csv")), *sorted(sdmx30.glob("json/data/*.json"))]:
        cases.append(Case(path.read_bytes(), "data", "", path.suffix))
    samples = shared / "sdmx-standards" / "sdmx-ml" / "3.0" / "samples"
    for path in sorted(samples.glob("*/*.xml")):
        kind = "data" if path.parent.name.startswith("Data -") and "_DSD" not in path.name else ""
        cases.append(Case(path.read_bytes(), kind or "structure", "", ".xml"))
    for path in sorted(
        (shared / "sdmx-standards" / "sdmx-json" / "2.1.0" / "samples").glob("data/**/*.json")
    ):
        cases.append(Case(path.read_bytes(), "data", "", ".json"))
    return cases


def real_messages():
    """The test suite's builders of agencies' forms (``tests/real_messages.py``)."""
    import importlib.util

    path = ROOT / "tests" / "real_messages.py"
    spec = importlib.util.spec_from_file_location("real_messages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agency_seeds() -> list[Case]:
    """The forms agencies publish that the specimens lack (issue 9): Eurostat's
    explicit-measure cross-sections (one with its DataSet in the structure's
    namespace and a footer), a footer-only 413 reply, several data sets, SDMX-ML
    3.0 several values and languages, OECD's SDMX-JSON 1.0 with an attribute
    listed without values; and the structure they read with."""
    rm = real_messages()
    footer = rm.footer_xml("206", "Warning", [("en", "Partial content")])
    return [
        Case(rm.explicit_cross_section(2), "data", DEMO, ".xml"),
        Case(
            rm.explicit_cross_section(1, dataset_prefix="ns", footer=footer), "data", DEMO, ".xml"
        ),
        Case(rm.explicit_flat(), "data", DEMO, ".xml"),
        Case(rm.footer_only_message(), "data", "", ".xml"),
        Case(rm.several_datasets_ss(), "data", "", ".xml"),
        Case(rm.several_datasets_generic(), "data", "", ".xml"),
        Case(rm.several_datasets_json(), "data", "", ".json"),
        Case(rm.multi_valued_30(), "data", "", ".xml"),
        Case(rm.oecd_json(), "data", "", ".json"),
        Case(rm.demography_structure(), "structure", "", ".xml"),
    ]


def all_seeds() -> list[Case]:
    return thb_seeds() + shared_seeds() + agency_seeds()
