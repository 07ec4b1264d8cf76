"""Time read_data given a structure file, against one parse of that file.

    python benchmarks/structure_files.py [--repeat 5]

Two cases a new user meets first: a small ECB file with the ECB structure
message beside it, and a small THB file with the exported THB structure
message. Each read runs in a fresh process (no cache warm from a previous
run); the figures are the median wall times of ``read_data`` given the
structure file, of ``read_data`` given the StructureSet already parsed, and
of one ``load_structures`` of the file: their difference over the last tells
how many times ``read_data`` parses the structure file. Module imports are warmed up first (a
read without the structure, a parse of a copy of the structure file). Needs
the shared folder beside the project (or MOSY_SHARED).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOSY_SHARED", ROOT.parent / "shared")).resolve()
ECB = SHARED / "specimens" / "ECB_EXR"

_WORKER = """
import json, sys, time
what, data, structure, flow, twin = sys.argv[1:6]
from mosy_sdmx import load_structures, read_data
# Warm up: the readers' and sdmx1's modules are imported on first use; load a
# copy of the structure file (another path: no cache shared with the timed call).
try:
    read_data(data)
except Exception:
    pass
parsed = load_structures(twin)
start = time.perf_counter()
if what == "parse":
    load_structures(structure)
elif what == "parsed":
    read_data(data, parsed, flow=flow)
else:
    read_data(data, structure, flow=flow)
print(json.dumps(time.perf_counter() - start))
"""


def _thb_files(folder: Path) -> tuple[Path, Path]:
    """A small DF_THB_VICTIMS file and the exported THB structure message."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from thb_data import make_dataset

    from mosy_sdmx import export_structures, load_structures, write_data

    data = folder / "victims.xml"
    write_data(make_dataset(200), data, "sdmx-ml-2.1-ss")
    structure = folder / "thb-structures.xml"
    export_structures(load_structures(), "sdmx-ml-2.1", structure)
    return data, structure


def _time(what: str, data: Path, structure: Path, flow: str, repeat: int) -> float:
    runs = []
    twin = Path(tempfile.mkdtemp()) / structure.name
    shutil.copyfile(structure, twin)
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _WORKER, what, str(data), str(structure), flow, str(twin)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        thb_data, thb_structure = _thb_files(Path(tmp))
        cases = [
            ("ECB sg-ts-ss.xml", ECB / "sg-ts-ss.xml", ECB / "sg-structure-full.xml", "ECB_EXR_SG"),
            ("THB victims.xml", thb_data, thb_structure, "DF_THB_VICTIMS"),
        ]
        heads = ("read, file", "read, parsed", "one parse", "parses")
        print(f"{'case':<18} {heads[0]:>11} {heads[1]:>13} {heads[2]:>10} {heads[3]:>7}")
        for name, data, structure, flow in cases:
            read = _time("read", data, structure, flow, args.repeat)
            parsed = _time("parsed", data, structure, flow, args.repeat)
            parse = _time("parse", data, structure, flow, args.repeat)
            parses = (read - parsed) / parse
            print(f"{name:<18} {read:>10.3f}s {parsed:>12.3f}s {parse:>9.3f}s {parses:>7.1f}")


if __name__ == "__main__":
    main()
