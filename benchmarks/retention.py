"""The retention of rejected files: purging a backlog, and what a submission waits meanwhile.

    python benchmarks/retention.py                              # 2,000 files of 256 KiB, both
    python benchmarks/retention.py --files 5000 --kib 64 --dbs sqlite

A migrated store gets a log of ``--files`` rejected submissions received
100 days ago, each with a file of ``--kib`` KiB of CSV-like text (some of it
random, so PostgreSQL's compression does not make it vanish), and as many
accepted ones. Then ``purge_rejected_files(engine, 90)`` runs once, timed,
with each batch's transaction timed on its own (the longest is how long
SQLite's write lock is held at a stretch), while a thread beside it logs a
small submission row every 20 ms: its slowest commit is what a submission
waits behind the purge. Then the hourly look-up with nothing due. On SQLite
it checks that the removed bytes are gone from the database file (after a
checkpoint), with ``secure_delete`` as the purge runs it and, with
``--insecure``, without. Print the load average beside the figures: the
machine may be shared.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

MARKER = b"MOSY-RETENTION-MARKER"


def _content(i: int, kib: int) -> bytes:
    line = b"dataflow,MOSY:DF_THB_VICTIMS(1.0.0),I,A,AT,MOI,PER_VICT,F,TOTAL,_T,2020,%d,A\n"
    text = b"".join(line % (i * 1000 + j) for j in range(kib * 1024 // len(line)))
    noise = os.urandom(kib * 128).hex().encode()[: kib * 256]  # a quarter: not compressible
    half = kib * 384  # the marker in the first chunk's leaf cell and in an overflow page
    return MARKER + text[:half] + MARKER + text[half : kib * 768] + noise


def _fill(engine, folder: Path, files: int, kib: int) -> int:
    from registry.store.revisions import now
    from registry.submissions.records import insert_submission, store_file

    size = 0
    path = folder / "upload.csv"
    for i in range(files):
        for status in ("rejected", "accepted"):
            content = _content(i, kib)
            path.write_bytes(content)
            with engine.begin() as conn:
                pk = insert_submission(
                    conn,
                    provider="AT_MOI",
                    status=status,
                    actor="bench",
                    received_at=now() - timedelta(days=100),
                    checksum=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                    filename=path.name,
                    report="{}",
                )
                store_file(conn, pk, path)
            size += len(content) if status == "rejected" else 0
    return size


@contextmanager
def _writer(engine):
    """A thread logging a small submission every 20 ms; yields the list of commit times."""
    from registry.store.revisions import now
    from registry.submissions.records import insert_submission

    waits: list[float] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            with engine.begin() as conn:
                insert_submission(
                    conn,
                    provider="BG_NREM",
                    status="rejected",
                    actor="bench-writer",
                    received_at=now(),
                    checksum="0" * 64,
                    size=0,
                    filename="small.csv",
                    report="{}",
                )
            waits.append(time.perf_counter() - start)
            stop.wait(0.02)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield waits
    finally:
        stop.set()
        thread.join()


def _bytes_left(path: Path) -> int:
    """Times the marker of the removed files occurs in the SQLite file and its WAL.

    Read by another process: closing a file of the database in this one would drop the
    POSIX locks this process's SQLite connections hold on it.
    """
    count = (
        "import sys, pathlib; print(sum(pathlib.Path(p).read_bytes().count(sys.argv[1].encode())"
        " for p in sys.argv[2:] if pathlib.Path(p).exists()))"
    )
    found = subprocess.run(
        [sys.executable, "-c", count, MARKER.decode(), str(path), f"{path}-wal"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(found.stdout)


def run(kind: str, files: int, kib: int, insecure: bool) -> None:
    from _stores import store_url

    from registry.db import migrate
    from registry.db.engine import make_engine
    from registry.submissions import retention

    if insecure:

        class _Off(retention._secure_delete):  # this SQLite may be built with it on
            def __enter__(self) -> None:
                if self.raw is not None:
                    (self.previous,) = self.raw.execute("PRAGMA secure_delete").fetchone()
                    self.raw.execute("PRAGMA secure_delete=OFF")

        retention._secure_delete = _Off  # type: ignore[assignment,misc]
    batch_times: list[float] = []
    remove = retention._remove

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return remove(*args, **kwargs)
        finally:
            batch_times.append(time.perf_counter() - start)

    retention._remove = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp, store_url(kind, "mosy_bench_ret") as url:
        folder = Path(tmp)
        db_file = folder / "registry.sqlite3"
        engine = make_engine(url or f"sqlite:///{db_file}")
        migrate.upgrade(engine)
        start = time.perf_counter()
        size = _fill(engine, folder, files, kib)
        filled = time.perf_counter() - start
        if kind == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            before = _bytes_left(db_file)
        with _writer(engine) as waits:
            time.sleep(0.2)
            start = time.perf_counter()
            purged = retention.purge_rejected_files(engine, 90)
            took = time.perf_counter() - start
            time.sleep(0.2)
        start = time.perf_counter()
        again = retention.purge_rejected_files(engine, 90)
        idle = time.perf_counter() - start
        assert purged.files == files and purged.bytes == size and again.files == 0
        print(
            f"{kind:10} {files:,} rejected + {files:,} accepted files of {kib} KiB "
            f"(filled in {filled:.1f} s): purged {purged.files:,} files, "
            f"{purged.bytes / 2**20:,.0f} MiB in {took:.2f} s, {purged.batches} transactions "
            f"(longest {max(batch_times):.3f} s, median "
            f"{sorted(batch_times)[len(batch_times) // 2]:.3f} s); a small submission beside "
            f"it: {len(waits)} commits, slowest {max(waits) * 1000:.0f} ms; the hourly look-up "
            f"with nothing due: {idle * 1000:.1f} ms"
        )
        if kind == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            after = _bytes_left(db_file)
            mode = "without secure_delete" if insecure else "with secure_delete"
            print(
                f"{'':10} removed files' marker in the database file {mode}: "
                f"{before:,} before, {after:,} after (the {2 * files:,} of the accepted ones stay)"
            )
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--kib", type=int, default=256)
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--insecure", action="store_true", help="SQLite without secure_delete")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for kind in args.dbs:
        run(kind, args.files, args.kib, args.insecure)


if __name__ == "__main__":
    main()
