"""One timed operation per (tool, operation): what each library does for the same job.

Each function gets the benchmark files and returns a callable to time, after
doing its untimed set-up (loading structures, reading the input of a write).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from thb_data import FLOW, PROVIDER

Files = dict[str, Path]
Timed = Callable[[], int]  # returns the number of observations handled

OPERATIONS = ("read-xml", "read-csv", "write-xml", "write-csv", "validate")


# -- mosy ---------------------------------------------------------------------


def mosy(op: str, files: Files, out: Path) -> Timed | None:
    from mosy_sdmx import read_data, validate, write_data
    from mosy_sdmx.structures import builtin_structures

    structures = builtin_structures()
    layout = structures.layout(FLOW)
    if op == "read-xml":
        return lambda: len(read_data(files["sdmx-ml-2.1-ss"], structure=layout).data)
    if op == "read-csv":
        return lambda: len(read_data(files["sdmx-csv-2.0"], structure=layout).data)
    dataset = read_data(files["sdmx-csv-2.0"], structure=layout)
    if op == "write-xml":
        return lambda: write_data(dataset, out, "sdmx-ml-2.1-ss", structure=layout) or len(dataset)
    if op == "write-csv":
        return lambda: write_data(dataset, out, "sdmx-csv-1.0", structure=layout) or len(dataset)
    if op == "validate":
        return lambda: validate(dataset, structures, PROVIDER, flow=FLOW).stats["observations"]
    return None


# -- pysdmx -------------------------------------------------------------------


def pysdmx(op: str, files: Files, out: Path) -> Timed | None:
    from pysdmx.io import get_datasets, write_sdmx
    from pysdmx.io.format import Format

    structure = str(files["structure"])

    def read(name: str):
        # validate=False: like mosy (and sdmxthon here), no XSD validation of the input.
        return get_datasets(str(files[name]), structure, validate=False)[0]

    if op == "read-xml":
        return lambda: len(read("sdmx-ml-2.1-ss").data)
    if op == "read-csv":
        return lambda: len(read("sdmx-csv-2.0").data)
    if op in ("write-xml", "write-csv"):
        dataset = read("sdmx-ml-2.1-ss")
        fmt = Format.DATA_SDMX_ML_2_1_STR if op == "write-xml" else Format.DATA_SDMX_CSV_1_0_0

        def write() -> int:
            write_sdmx(dataset, fmt, output_path=str(out))
            return len(dataset.data)

        return write
    return None  # pysdmx validates XML against the XSD only, not data against a DSD


# -- sdmxthon -----------------------------------------------------------------


def sdmxthon(op: str, files: Files, out: Path) -> Timed | None:
    import sdmxthon as st

    structure = str(files["structure"])

    def one(result):
        return result if not isinstance(result, dict) else next(iter(result.values()))

    if op == "read-xml":
        return lambda: len(
            one(st.get_datasets(str(files["sdmx-ml-2.1-ss"]), structure, validate=False)).data
        )
    if op == "read-csv":
        return lambda: len(one(st.read_sdmx(str(files["sdmx-csv-2.0"])).payload).data)
    dataset = one(st.get_datasets(str(files["sdmx-ml-2.1-ss"]), structure, validate=False))
    if op == "write-xml":
        return lambda: dataset.to_xml(output_path=str(out)) or len(dataset.data)
    if op == "write-csv":
        return lambda: dataset.to_csv(str(out), index=False) or len(dataset.data)
    if op == "validate":
        return lambda: (dataset.structural_validation(), len(dataset.data))[1]
    return None


# -- sdmx1 --------------------------------------------------------------------


def sdmx1(op: str, files: Files, out: Path) -> Timed | None:
    import sdmx

    structures = sdmx.read_sdmx(files["structure"])
    dsd = structures.structure["DSD_THB_PERSONS"]
    if op == "read-xml":

        def read() -> int:
            message = sdmx.read_sdmx(files["sdmx-ml-2.1-ss"], structure=dsd)
            return len(sdmx.to_pandas(message.data[0], attributes="o"))

        return read
    if op == "read-csv":

        def read_csv() -> int:
            message = sdmx.read_sdmx(files["sdmx-csv-2.0"], structure=dsd)
            return len(sdmx.to_pandas(message.data[0]))

        return read_csv
    if op in ("write-xml", "write-csv"):
        message = sdmx.read_sdmx(files["sdmx-ml-2.1-ss"], structure=dsd)
        _plain_attribute_values(message.data[0])
        message.data[0].described_by = structures.dataflow[FLOW]  # to_csv needs the flow
        n = len(message.data[0].obs)
        if op == "write-xml":
            return lambda: out.write_bytes(sdmx.to_xml(message)) and n
        return lambda: sdmx.to_csv(message.data[0], path=out, attributes="o") or n
    return None  # sdmx1 has no data validation


def _plain_attribute_values(dataset) -> None:
    """Untimed set-up: sdmx1 2.28 reads coded attribute values as Code objects but
    its XML writer fails on them (KeyError: Code); give it their ids."""
    holders = [dataset.attrib, *(s.attrib for s in dataset.series)]
    holders += [obs.attached_attribute for obs in dataset.obs]
    for values in holders:
        for value in values.values():
            if not isinstance(value.value, str):
                value.value = str(getattr(value.value, "id", value.value))


TOOLS = {"mosy": mosy, "pysdmx": pysdmx, "sdmxthon": sdmxthon, "sdmx1": sdmx1}
