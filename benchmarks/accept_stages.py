"""Where the accept path spends its time: a submission's stages up to the 201, in process.

    python benchmarks/accept_stages.py                         # 100k and 1M, both databases
    python benchmarks/accept_stages.py --sizes 100000 --dbs sqlite

The same file as ``benchmarks/submissions.py`` (``valid_victims``), on a
fresh store, through the functions ``POST /api/submissions`` calls, one
stage at a time: the multipart body parsed from memory into the upload
file (``receive_form``: write, count, SHA-256), the read, the library's
validation, then ONE transaction as ``accepting`` writes it: the store
(series, diff against the current versions, versions written, ANALYZE),
the log row and release, the original file, the registration, the commit.
Stages run one after another here, so each is measured alone: the
registry validates beside the store on PostgreSQL (``accepting``), and
SQLite's WAL checkpoint runs after the commit (timed last, not part of the
201). Wall and CPU time of this process per stage; on PostgreSQL also the
CPU of its server process (``/proc``), where COPY and ANALYZE run. Print the
load average beside the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _proc_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stages:
    """Wall, CPU and database-server CPU per named stage."""

    def __init__(self, backend_pid: int | None = None) -> None:
        self.rows: list[tuple[str, float, float, float]] = []
        self.backend = backend_pid

    @contextmanager
    def __call__(self, name: str):
        wall, cpu, db = time.perf_counter(), time.process_time(), _proc_cpu(self.backend)
        yield
        self.rows.append(
            (
                name,
                time.perf_counter() - wall,
                time.process_time() - cpu,
                _proc_cpu(self.backend) - db,
            )
        )


def run(kind: str, n_obs: int, folder: Path) -> Stages:
    from _stores import store_url
    from submissions import provider_of, valid_victims

    import mosy_sdmx as ms
    from registry.bootstrap import prepare_store
    from registry.loading import check_dataset, read_unchecked
    from registry.publication.releases import record_release
    from registry.registrations import register_accepted
    from registry.settings import load_settings
    from registry.store.changes import Actor
    from registry.store.observations import FlowRef, lock_flow, store_dataset
    from registry.store.revisions import now
    from registry.store.structures import StructureCache
    from registry.store.wal import checkpoint_later
    from registry.submissions.accepting import AcceptedSubmission
    from registry.submissions.multipart import receive_form
    from registry.submissions.records import insert_submission, store_file

    postgres = kind == "postgresql"
    with store_url(kind, "mosy_bench_accept") as database_url:
        settings = load_settings({}, data_dir=folder / f"{kind}-{n_obs}", database_url=database_url)
        engine = prepare_store(settings).engine
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
        path = folder / f"victims-{n_obs}.csv"
        if not path.exists():
            ms.write_data(valid_victims(n_obs), path, "sdmx-csv-2.0", flow="DF_THB_VICTIMS")
        provider, flow = provider_of(n_obs), "DF_THB_VICTIMS"
        request = httpx.Request(
            "POST", "http://registry/", files={"file": (path.name, path.read_bytes(), "text/csv")}
        )
        body, content_type = request.read(), request.headers["content-type"]

        async def chunks():
            for start in range(0, len(body), 65536):  # what uvicorn hands over
                yield body[start : start + 65536]

        stage = Stages()
        with stage("upload: multipart, write, SHA-256"):
            form = asyncio.run(
                receive_form(chunks(), content_type, limit_bytes=1 << 40, folder=folder)
            )
        received = form.upload
        assert received is not None
        with stage("read (SDMX-CSV 2.0)"):
            read = read_unchecked(received.path, structures=structures, flow=flow)
        assert isinstance(read, tuple), read
        dataset, _ = read
        with stage("validate (constraints, THB rules)"):
            checked = check_dataset(dataset, structures=structures, flow=flow, provider=provider)
        assert checked.valid and checked.action is not None
        layout = structures.layout(flow)
        with engine.connect() as conn:
            conn.begin()
            stage.backend = (
                conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() if postgres else None
            )
            with stage("transaction: store data"):
                if not postgres:
                    conn.connection.driver_connection.execute("PRAGMA wal_autocheckpoint=0")
                lock_flow(conn, FlowRef.of_layout(layout))
                result = store_dataset(
                    conn,
                    dataset,
                    layout=layout,
                    provider=provider,
                    action=checked.action,
                    actor=Actor("bench"),
                    source=received.filename,
                    checksum=received.checksum,
                )
            with stage("transaction: log row, release"):
                pk = insert_submission(
                    conn,
                    provider=provider,
                    actor="bench",
                    received_at=now(),
                    checksum=received.checksum,
                    size=received.size,
                    filename=received.filename,
                    flow=flow,
                    action=checked.action.value,
                    status="accepted",
                    report=checked.report.to_json(indent=None),
                )
                record_release(conn, result, submission=str(pk))
            with stage("transaction: original file"):
                store_file(conn, pk, received.path)
            with stage("transaction: registration"):
                register_accepted(
                    conn,
                    AcceptedSubmission(
                        pk, provider, flow, "http://registry/file", result.at, [result.load_pk]
                    ),
                    structures,
                )
            with stage("commit"):
                conn.commit()
        stage.backend = None
        if not postgres:
            with stage("(after the 201) SQLite WAL checkpoint"):
                checkpoint_later(engine).join()
        received.discard()
        engine.dispose()
        return stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n_obs in args.sizes:
            for kind in args.dbs:
                load = os.getloadavg()[0]
                stages = run(kind, n_obs, Path(tmp))
                print(f"\n{kind}, {n_obs:,} observations (load {load:.1f} -> "
                      f"{os.getloadavg()[0]:.1f}):  wall / CPU / database CPU")  # fmt: skip
                for name, wall, cpu, db in stages.rows:
                    print(f"  {name:40} {wall:6.2f} s {cpu:6.2f} s {db:6.2f} s")
                total = [r for r in stages.rows if not r[0].startswith("(")]
                print(
                    f"  {'to the 201 (one after another)':40} {sum(r[1] for r in total):6.2f} s "
                    f"{sum(r[2] for r in total):6.2f} s {sum(r[3] for r in total):6.2f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
