"""Publication benchmark: a release recomputed with disclosure control, first and incremental.

    python benchmarks/publication.py                         # SQLite, 1 and 5 countries
    python benchmarks/publication.py --countries 1 5 35 --dbs sqlite postgresql

Per size: the victims tables of ``disclosure_tables.two_families`` (15 years
per country, 192 cells per country and year) stored as one provider's load,
then timed: publishing that release (every sub-table protected, the public
flow and the rates written, the audit kept), and publishing a revision of
one year of one country (one sub-table recomputed). The machine may be
shared: the figures carry that noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def run(kind: str, countries: int, folder: Path) -> dict:
    from _stores import store_url
    from disclosure_tables import two_families

    from mosy_sdmx.dataset import Dataset
    from registry.bootstrap import prepare_store
    from registry.publication.publish import publish_pending
    from registry.publication.releases import record_release
    from registry.settings import load_settings
    from registry.store.changes import Actor
    from registry.store.observations import store_dataset
    from registry.store.structures import StructureCache

    with store_url(kind, "mosy_bench_pub") as database_url:
        settings = load_settings(
            {}, data_dir=folder / f"{kind}-{countries}", database_url=database_url
        )
        engine = prepare_store(settings).engine
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
        layout = structures.layout("DF_THB_VICTIMS")
        frame = two_families(countries=countries, years=15)
        for dim in layout.dimensions:  # the tables leave the other breakdowns at their totals
            if dim not in frame.columns:
                frame.insert(frame.columns.get_loc("EXPLOIT"), dim, "TOTAL")
        dataset = Dataset(frame, structure_urn=layout.structure_urn)

        def load(data: Dataset) -> None:
            with engine.begin() as conn:
                result = store_dataset(
                    conn, data, layout=layout, provider="PT_NREM", actor=Actor("bench")
                )
                record_release(conn, result)

        load(dataset)
        started = time.perf_counter()
        publish_pending(engine)
        first = time.perf_counter() - started
        year = frame["TIME_PERIOD"].astype(str) == frame["TIME_PERIOD"].astype(str).iloc[0]
        area = frame["REF_AREA"].astype(str) == str(frame["REF_AREA"].iloc[0])
        revised = frame[year & area].copy()
        revised["OBS_VALUE"] = revised["OBS_VALUE"] * 2
        load(dataset.with_data(revised.reset_index(drop=True)))
        started = time.perf_counter()
        publish_pending(engine)
        incremental = time.perf_counter() - started
        engine.dispose()
        return {
            "database": kind,
            "rows": len(frame),
            "tables": countries * 15,
            "first_s": first,
            "revision_rows": int((year & area).sum()),
            "revision_s": incremental,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--dbs", nargs="+", default=["sqlite"])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.dbs:
            for countries in args.countries:
                r = run(kind, countries, Path(tmp))
                print(
                    f"{r['database']:10} {r['rows']:>7} rows, {r['tables']:>4} sub-tables: "
                    f"first publication {r['first_s']:6.2f} s; revision of {r['revision_rows']} "
                    f"rows (1 sub-table) {r['revision_s']:5.2f} s",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
