"""Time to read a THB workbook, and the share of it spent vetting the archive.

    python benchmarks/xlsx_read.py                 # 50,000 rows, median of 3
    python benchmarks/xlsx_read.py --rows 100000 --repeat 5

Writes a workbook of DF_THB_VICTIMS observations with the library's own xlsx
writer (into a temporary folder), then reads it with ``read_data`` and, on
its own, runs the archive check every read starts with (DTD guard, bomb and
extent limits: ``mosy_sdmx.io.xlsx.archive.check_archive``). Prints wall and
CPU time of each, median of ``--repeat``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from thb_data import FLOW, make_dataset  # noqa: E402

from mosy_sdmx.io import read_data, write_data  # noqa: E402
from mosy_sdmx.io.xlsx.archive import check_archive  # noqa: E402


def _timed(action, repeat: int) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "victims.xlsx"
        write_data(make_dataset(args.rows), path, "xlsx", flow=FLOW)
        size = path.stat().st_size

        def check() -> None:
            with path.open("rb") as handle:
                check_archive(handle, path.name)

        rows = [0]

        def read() -> None:
            rows[0] = len(read_data(path).data)

        check_wall, check_cpu = _timed(check, args.repeat)
        read_wall, read_cpu = _timed(read, args.repeat)
    print(
        f"{rows[0]:,} rows, {size / 1e6:.1f} MB workbook: read_data {read_wall:.2f} s "
        f"({read_cpu:.2f} s CPU), of which the archive check {check_wall:.2f} s "
        f"({check_cpu:.2f} s CPU)"
    )


if __name__ == "__main__":
    main()
