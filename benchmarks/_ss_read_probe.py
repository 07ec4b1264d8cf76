"""Quick probe: generate a THB-shaped SDMX-ML 2.1 structure-specific file and time the reader.

Usage: python benchmarks/_ss_read_probe.py [n_obs] [path]
"""

from __future__ import annotations

import itertools
import resource
import sys
import time
from pathlib import Path

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" \
xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" \
xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_CASES(1.0):ObsLevelDim:TIME_PERIOD">
  <message:Header>
    <message:ID>PROBE</message:ID>
    <message:Test>false</message:Test>
    <message:Prepared>2024-01-01T00:00:00</message:Prepared>
    <message:Sender id="MOSY"/>
    <message:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD" \
namespace="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_CASES(1.0):ObsLevelDim:TIME_PERIOD">
      <common:StructureUsage><Ref agencyID="MOSY" id="DF_THB_CASES" version="1.0"/></common:StructureUsage>
    </message:Structure>
  </message:Header>
  <message:DataSet ss:structureRef="S1" xsi:type="ns1:DataSetType" ss:dataScope="DataStructure" \
ss:action="Replace">
"""  # noqa: E501
FOOTER = "  </message:DataSet>\n</message:StructureSpecificData>\n"

DIMS = {
    "FREQ": ["A"],
    "REF_AREA": [f"C{i:02d}" for i in range(30)],
    "DATA_SOURCE": ["NREM", "POL", "PROS", "NGO"],
    "OFFENCE": ["THB", "USE", "OTH"],
    "CJ_STAGE": ["INV", "PRS", "PRF", "CNV", "ACQ"],
    "EXPLOIT": ["_T", "SEX", "LAB", "CRIM", "BEG", "REM", "OTH"],
}


def thb_ss_xml(n_obs: int, years: int = 10, bad_value_at: int | None = None) -> bytes:
    """A THB-shaped SS document with ``n_obs`` observations (``years`` per series)."""
    parts = [HEADER]
    i = 0
    for key in itertools.cycle(itertools.product(*DIMS.values())):
        if i >= n_obs:
            break
        attrs = " ".join(f'{d}="{v}"' for d, v in zip(DIMS, key, strict=True))
        parts.append(f'    <Series {attrs} UNIT_MEASURE="PERS">\n')
        for y in range(2014, 2014 + years):
            if i >= n_obs:
                break
            value = "x" if i == bad_value_at else str((i * 7) % 500)
            status = "A" if i % 13 else "E"
            conf = "F" if i % 17 else "C"
            parts.append(
                f'      <Obs TIME_PERIOD="{y}" OBS_VALUE="{value}" OBS_STATUS="{status}" '
                f'CONF_STATUS="{conf}"/>\n'
            )
            i += 1
        parts.append("    </Series>\n")
    parts.append(FOOTER)
    return "".join(parts).encode()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    import tempfile

    default = Path(tempfile.gettempdir()) / f"thb_ss_{n}.xml"
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else default
    if not path.exists():
        path.write_bytes(thb_ss_xml(n))
    from mosy_sdmx.io.sdmx_ml.ss_reader import read

    # CPU time too: on a shared machine wall time says more about the neighbours.
    t0, c0 = time.perf_counter(), time.process_time()
    with open(path, "rb") as fh:
        ds = read(fh, layout=None, source_name=str(path))
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(ds):,} obs in {dt:.2f} s wall, {dc:.2f} s CPU = {len(ds) / dt:,.0f} obs/s; "
        f"peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
