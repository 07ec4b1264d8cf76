"""Publishing a release: the public dataflows recomputed for the keys it touched.

For a load of provider P into a restricted dataflow F (``DF_THB_VICTIMS``):

1. the sub-tables the load touched (``mosy_sdmx.disclosure.scope``: the key
   values no additive relation runs along, e.g. country, source and year);
2. P's current raw observations of those sub-tables, and what the public
   flow published of them so far (the previous release, for the revision rule);
3. ``mosy_sdmx.disclosure.protect`` on them; a sub-table that cannot be
   protected (``ProtectionError``: a hidden cell stays derivable; totals that
   do not add up) is withheld whole: nothing of it is published;
4. the public flow's observations of those sub-tables replaced by the result
   (cells that vanished deleted), as loads of the store, so ``updatedAfter``,
   history and ETags work for public data as for any other;
5. ``DF_THB_RATES_PUB`` (a dataflow annotated as derived from F that is not
   F's public flow) from the raw counts, the new public counts and the shipped
   population table (``mosy_sdmx.indicators.rates_dataset``);
6. the audit of hidden and rounded cells kept (admins only), the release
   marked published with what changed, and its notifications queued.

Steps 1-3 and the rates (the slow part: disclosure control) are worked out
first from a read-only snapshot, holding no write lock, so that submissions
(on SQLite, every writer) do not wait for them. The writes (4-6) then run in
one short transaction that starts by claiming the release, so two processes
never publish the same release, and a failure leaves the public data as it
was, with the release pending again after a back-off. Under the public
flows' locks, that transaction checks that the raw and public data are still
at the revisions the snapshot saw; if a load changed them in between, it
works everything out again from what it now reads.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, select, update

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.disclosure import DisclosureRules, ProtectionError, load_disclosure_rules, protect
from mosy_sdmx.disclosure.scope import in_tables, table_columns
from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.indicators.rates import RATES_FLOW, rates_dataset
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.structures.layout import ComponentLayout
from registry.db.tables import disclosure_audit, releases
from registry.publication.frames import current_frame, touched_tables
from registry.publication.releases import FAILED, PENDING, PUBLISHED, Release, get_release
from registry.store.changes import Actor
from registry.store.observations import (
    ANALYZE_ROWS,
    FlowRef,
    LoadResult,
    analyze,
    bulk_insert,
    lock_flow,
    store_dataset,
)
from registry.store.revisions import get_revision, now
from registry.store.structures import StructureCache
from registry.subscriptions.delivery import notifications_queued
from registry.subscriptions.store import queue_notifications

log = logging.getLogger("registry")
PUBLISHER = Actor("publication")
#: A release that failed this often is left failed (and logged), no longer retried.
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
#: How long a process keeps a release it is protecting from the others (``_lease``)
#: without renewing it: a process that dies holding one leaves it after this.
LEASE = timedelta(seconds=60)
#: The holder renews its lease this often while it works (``_holding``): a big
#: release takes minutes, and no other process should take it up meanwhile.
RENEW = LEASE / 4
WITHHELD = "withheld"
HIDDEN_REASONS = ("confidential", "primary", "revision", "secondary", WITHHELD)
_DERIVED_FROM = "DERIVED_FROM"


@dataclass
class FlowChange:
    """What one release changed in one public dataflow."""

    flow: str
    added: int = 0
    changed: int = 0
    deleted: int = 0
    loads: list[int] = field(default_factory=list)
    hidden: int = 0
    rounded: int = 0
    withheld_tables: int = 0

    def count(self, result: LoadResult | None) -> None:
        if result is None or not result.changed_anything:
            return
        self.added += result.added
        self.changed += result.changed
        self.deleted += result.deleted
        self.loads.append(result.load_pk)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "deleted": self.deleted,
            "loads": self.loads,
            "hidden": self.hidden,
            "rounded": self.rounded,
            "withheld_tables": self.withheld_tables,
        }


def derived_flows(structures: StructureSet, flow: str) -> list[str]:
    """Dataflows annotated as derived from ``flow`` (its public flow, its rates)."""
    out = []
    for flow_id, dataflow in structures.message.dataflow.items():
        for annotation in dataflow.annotations:
            if annotation.id == _DERIVED_FROM and str(annotation.title) == flow:
                out.append(flow_id)
    return sorted(out)


# -- the worker's entry points --------------------------------------------------------------


def publish_pending(
    engine: Engine,
    *,
    cache: StructureCache | None = None,
    rules: DisclosureRules | None = None,
    limit: int = 100,
    base_url: str = "",
    executor: Executor | None = None,
) -> list[int]:
    """Publish the due pending releases, oldest first; the numbers of those published here.

    ``executor``: processes for the disclosure control of large tables (``protect``).
    """
    cache = cache or StructureCache()
    with engine.connect() as conn:
        moment = now()
        due = (
            conn.execute(
                select(releases.c.pk)
                .where(
                    releases.c.status == PENDING,
                    (releases.c.next_attempt_at.is_(None)) | (releases.c.next_attempt_at <= moment),
                )
                .order_by(releases.c.pk)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    done = []
    rules = rules or load_disclosure_rules()
    for pk in due:
        if publish_release(
            engine, pk, cache=cache, rules=rules, base_url=base_url, executor=executor
        ):
            done.append(pk)
    return done


def publish_release(
    engine: Engine,
    pk: int,
    *,
    cache: StructureCache | None = None,
    rules: DisclosureRules | None = None,
    base_url: str = "",
    executor: Executor | None = None,
) -> bool:
    """Publish one release if due; False if another process has it (or had it) already.

    Any failure, a worker process of ``executor`` that died too, leaves the
    release pending for a retry after a back-off (``_failed``).
    """
    cache = cache or StructureCache()
    rules = rules or load_disclosure_rules()
    if not _lease(engine, pk):
        return False
    try:
        with _holding(engine, pk):
            summary, release, queued = _publish_leased(engine, pk, cache, rules, base_url, executor)
        if release is None:
            return False
        if queued:
            notifications_queued.set()
        if _written(summary, release.flow.id) >= ANALYZE_ROWS:
            _refresh_statistics(engine)
        return True
    except Exception as exc:  # the transaction is rolled back; retry later
        log.exception("publication of release %s failed", pk)
        _failed(engine, pk, exc)
        return False


def _publish_leased(
    engine: Engine,
    pk: int,
    cache: StructureCache,
    rules: DisclosureRules,
    base_url: str,
    executor: Executor | None = None,
) -> tuple[dict[str, Any], Release | None, int]:
    """Protect from a snapshot, then claim and write: (summary, release, notifications queued).

    The release is None when it was no longer pending (published by another process).
    """
    with engine.connect() as conn:  # a snapshot: no write lock while protecting
        release = get_release(conn, pk)
        if release is None or release.status != PENDING:
            return {}, None, 0
        structures = cache.get(conn).structures
        prepared = _prepare(conn, release, structures, rules, executor)
    with engine.begin() as conn:
        claimed = conn.execute(
            update(releases)
            .where(releases.c.pk == pk, releases.c.status == PENDING)
            .values(status=PUBLISHED, published_at=now())
        ).rowcount
        if not claimed:
            return {}, None, 0
        release = get_release(conn, pk)
        assert release is not None
        structures = cache.get(conn).structures
        summary = _publish(conn, release, structures, rules, prepared, executor)
        conn.execute(
            update(releases)
            .where(releases.c.pk == pk)
            .values(summary=json.dumps(summary), error=None)
        )
        queued = queue_notifications(conn, get_release(conn, pk), base_url)
    return summary, release, queued


def _lease(engine: Engine, pk: int) -> bool:
    """Take a due pending release for LEASE: other processes leave it alone meanwhile.

    Disclosure control runs outside the transaction that publishes; without
    the lease every process polling for work would protect the same release.
    The lease only saves work: the claim in the publishing transaction still
    decides who publishes. Its holder renews it while it works (``_holding``);
    a process that dies holding one leaves the release to the others when it
    runs out, within LEASE.
    """
    moment = now()
    with engine.begin() as conn:
        return bool(
            conn.execute(
                update(releases)
                .where(
                    releases.c.pk == pk,
                    releases.c.status == PENDING,
                    (releases.c.next_attempt_at.is_(None)) | (releases.c.next_attempt_at <= moment),
                )
                .values(next_attempt_at=moment + LEASE)
            ).rowcount
        )


def _renew(engine: Engine, pk: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(releases)
            .where(releases.c.pk == pk, releases.c.status == PENDING)
            .values(next_attempt_at=now() + LEASE)
        )


@contextmanager
def _holding(engine: Engine, pk: int) -> Iterator[None]:
    """Renew the lease on release ``pk`` every RENEW while the block runs.

    A short lease, kept alive while its holder works: a big release is not
    taken up by a second process half-way, and one whose holder died is
    published by another within a minute, not after a long fixed lease.
    """
    done = threading.Event()

    def renew() -> None:
        while not done.wait(RENEW.total_seconds()):
            try:
                _renew(engine, pk)
            except Exception as exc:  # the database away a moment: the next renewal may do
                log.warning("lease of release %s not renewed: %s", pk, exc)

    thread = threading.Thread(target=renew, name=f"mosy-lease-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _failed(engine: Engine, pk: int, exc: Exception) -> None:
    with engine.begin() as conn:
        attempts = conn.execute(select(releases.c.attempts).where(releases.c.pk == pk)).scalar()
        attempts = (attempts or 0) + 1
        conn.execute(
            update(releases)
            .where(releases.c.pk == pk)
            .values(
                attempts=attempts,
                status=FAILED if attempts >= MAX_ATTEMPTS else PENDING,
                published_at=None,
                next_attempt_at=now() + RETRY_BASE * (2 ** (attempts - 1)),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        )


# -- one release ------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """What a release publishes, worked out from one read of the store (``_prepare``)."""

    revisions: dict[str, int]  # the revision of each flow read or written, as read
    tables: pd.DataFrame
    previous: pd.DataFrame  # what the public flow held of the tables
    public: pd.DataFrame
    audit: pd.DataFrame
    withheld: list[int]
    rates: pd.DataFrame | None


def _flows(structures: StructureSet, flow_id: str, public_id: str) -> list[FlowRef]:
    """The raw flow, its public flow and the other flows derived from it."""
    ids = [flow_id, public_id, *(d for d in derived_flows(structures, flow_id) if d != public_id)]
    return [FlowRef.of_layout(structures.layout(i)) for i in ids]


def _revisions(conn: Connection, flows: list[FlowRef]) -> dict[str, int]:
    return {flow.scope: get_revision(conn, flow.scope).number for flow in flows}


def _public_id(release: Release, structures: StructureSet, rules: DisclosureRules) -> str | None:
    """The public flow this release is protected into (None: nothing to protect)."""
    flow_id = release.flow.id
    if flow_id not in structures.dataflows or structures.is_public(flow_id):
        return None
    public_id = rules.public_flow(flow_id)
    if public_id == flow_id or public_id not in structures.dataflows:
        return None
    return public_id


def _prepare(
    conn: Connection,
    release: Release,
    structures: StructureSet,
    rules: DisclosureRules,
    executor: Executor | None = None,
) -> _Prepared | None:
    """Steps 1-3 and the rates, read from ``conn``: what the release publishes, not yet written."""
    flow_id = release.flow.id
    public_id = _public_id(release, structures, rules)
    if public_id is None:
        return None
    revisions = _revisions(conn, _flows(structures, flow_id, public_id))
    layout = structures.layout(flow_id)
    tables = touched_tables(
        conn, release.load_pk, layout, table_columns(layout.key_columns(), rules)
    )
    if tables.empty:
        return _Prepared(revisions, tables, tables, tables, tables, [], None)
    public_layout = structures.layout(public_id)
    raw = current_frame(conn, release.flow, release.provider, layout, tables)
    previous = current_frame(
        conn, FlowRef.of_layout(public_layout), release.provider, public_layout, tables
    )
    dataset = Dataset(raw, structure_urn=layout.structure_urn, provider=release.provider)
    public, audit_rows, withheld = _protect(dataset, previous, tables, structures, rules, executor)
    rates = None
    if RATES_FLOW in derived_flows(structures, flow_id) and public_id != RATES_FLOW:
        rates = _rates(raw, public, structures, rules)
    return _Prepared(revisions, tables, previous, public, audit_rows, withheld, rates)


def _publish(
    conn: Connection,
    release: Release,
    structures: StructureSet,
    rules: DisclosureRules,
    prepared: _Prepared | None = None,
    executor: Executor | None = None,
) -> dict[str, Any]:
    summary = dict(release.summary)
    summary["public"] = {}
    flow_id = release.flow.id
    if flow_id not in structures.dataflows:
        return summary
    if structures.is_public(flow_id):  # public data loaded as such: published as loaded
        load = summary.get("load", {})
        summary["public"][flow_id] = FlowChange(
            flow_id, load.get("added", 0), load.get("changed", 0), load.get("deleted", 0),
            [release.load_pk],
        ).to_dict()  # fmt: skip
        return summary
    public_id = _public_id(release, structures, rules)
    if public_id is None:
        return summary
    # Lock the public flows before reading the raw data: a later release published by
    # another process then waits, and reads (and publishes) what this one did not see.
    flows = _flows(structures, flow_id, public_id)
    for flow in flows[1:]:
        lock_flow(conn, flow)
    if prepared is None or prepared.revisions != _revisions(conn, flows):
        prepared = _prepare(conn, release, structures, rules, executor)  # a load came in between
    assert prepared is not None
    if prepared.tables.empty:
        return summary
    tables, public = prepared.tables, prepared.public
    change = FlowChange(public_id, withheld_tables=len(prepared.withheld))
    source = f"release {release.pk}"
    _replace(
        conn, structures, public_id, release.provider, public, tables, source, change,
        old=prepared.previous,
    )  # fmt: skip
    audit_rows = prepared.audit
    if not audit_rows.empty:
        reasons = audit_rows["REASON"].astype(str)
        change.rounded = int((reasons == "rounding").sum())
        change.hidden = int(reasons.isin(HIDDEN_REASONS).sum())
    layout = structures.layout(flow_id)
    _keep_audit(conn, release, public_id, layout, tables, audit_rows)
    summary["public"][public_id] = change.to_dict()
    if prepared.rates is not None:
        rates = FlowChange(RATES_FLOW)
        _replace(
            conn, structures, RATES_FLOW, release.provider, prepared.rates, tables, source, rates
        )
        summary["public"][RATES_FLOW] = rates.to_dict()
    summary["tables"] = len(tables)
    return summary


def _protect(
    dataset: Dataset,
    previous: pd.DataFrame,
    tables: pd.DataFrame,
    structures: StructureSet,
    rules: DisclosureRules,
    executor: Executor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """(public rows, audit cells, withheld table numbers); whole, or table by table on failure.

    ``executor`` protects the whole's sub-tables in parallel (identical output);
    a table by itself is small enough for this process.
    """
    if dataset.data.empty:
        return dataset.data, pd.DataFrame(columns=["REASON"]), []
    try:
        public, audit = protect(
            dataset,
            structures,
            rules=rules,
            previous_public=previous if len(previous) else None,
            executor=executor,
        )
        return public.data, _tagged(audit.cells, tables), []
    except (ProtectionError, MosyError):
        pass
    publics, audits, withheld = [], [], []
    for number in range(len(tables)):
        one = tables.iloc[[number]]
        rows = dataset.data[in_tables(dataset.data, one)].reset_index(drop=True)
        before = previous[in_tables(previous, one)] if len(previous) else previous
        try:
            public, audit = protect(
                dataset.with_data(rows),
                structures,
                rules=rules,
                previous_public=before if len(before) else None,
            )
        except (ProtectionError, MosyError) as exc:
            withheld.append(number)
            cells = rows[[c for c in rows.columns if c in dataset.data.columns]].copy()
            cells["REASON"] = WITHHELD
            cells["RAW_VALUE"] = pd.to_numeric(rows.get("OBS_VALUE"), errors="coerce")
            audits.append(cells)
            log.warning("public data withheld for %s: %s", one.iloc[0].to_dict(), exc)
            continue
        publics.append(public.data)
        audits.append(audit.cells)
    public = pd.concat(publics, ignore_index=True) if publics else dataset.data.iloc[:0]
    cells = pd.concat(audits, ignore_index=True) if audits else pd.DataFrame(columns=["REASON"])
    return public, _tagged(cells, tables), withheld


def _tagged(cells: pd.DataFrame, tables: pd.DataFrame) -> pd.DataFrame:
    return cells.reset_index(drop=True)


def _rates(
    raw: pd.DataFrame, public: pd.DataFrame, structures: StructureSet, rules: DisclosureRules
) -> pd.DataFrame:
    if raw.empty or public.empty:
        return public.iloc[:0]
    victims = structures.layout("DF_THB_VICTIMS_PUB")
    rates = rates_dataset(
        Dataset(raw),
        Dataset(public, structure_urn=victims.structure_urn),
        structures=structures,
        rules=rules,
    )
    frame = rates.data.copy()
    for name, value in rates.attributes.items():
        frame[name] = value
    return frame


def _replace(
    conn: Connection,
    structures: StructureSet,
    flow_id: str,
    provider: str,
    rows: pd.DataFrame,
    tables: pd.DataFrame,
    source: str,
    change: FlowChange,
    old: pd.DataFrame | None = None,
) -> None:
    """Make the flow's observations of ``tables`` exactly ``rows`` (two loads at most).

    ``old``: what the flow holds of ``tables`` now, when already read.
    """
    layout = structures.layout(flow_id)
    flow = FlowRef.of_layout(layout)
    keys = layout.key_columns()
    if old is None:
        old = current_frame(conn, flow, provider, layout, tables)
    rows = rows.reset_index(drop=True)
    if len(old):
        kept = pd.MultiIndex.from_frame(rows[keys].astype(str)) if len(rows) else None
        olds = pd.MultiIndex.from_frame(old[keys].astype(str))
        gone = ~olds.isin(kept) if kept is not None else np.ones(len(old), dtype=bool)
        if gone.any():
            deletion = Dataset(
                old.loc[gone, keys].astype(str).reset_index(drop=True),
                structure_urn=layout.structure_urn,
            )
            change.count(_store(conn, deletion, layout, provider, Action.DELETE, source))
    if len(rows):
        columns = [c for c in rows.columns if c in layout.components or c in keys]
        data = rows[columns].copy()
        for column in keys:
            data[column] = data[column].astype(str)
        dataset = Dataset(data, structure_urn=layout.structure_urn)
        change.count(_store(conn, dataset, layout, provider, Action.REPLACE, source))


def _store(conn, dataset, layout: ComponentLayout, provider, action, source) -> LoadResult:
    return store_dataset(
        conn, dataset, layout=layout, provider=provider, action=action, actor=PUBLISHER,
        source=source, analyze=False,
    )  # fmt: skip


def _written(summary: dict[str, Any], loaded: str) -> int:
    """Rows a publication wrote (versions and tombstones) into public flows other than
    ``loaded``, the flow of the release's own load."""
    return sum(
        change.get("added", 0) + change.get("changed", 0) + change.get("deleted", 0)
        for flow, change in summary.get("public", {}).items()
        if flow != loaded
    )


def _refresh_statistics(engine: Engine) -> None:
    """The planner's statistics after a big publication, once it is committed: the release
    is published already, harvesters do not wait for them, and a failure here is no
    failure of the release."""
    try:
        analyze(engine)
    except Exception:
        log.exception("statistics not refreshed after a publication")


def _keep_audit(
    conn: Connection,
    release: Release,
    public_id: str,
    layout: ComponentLayout,
    tables: pd.DataFrame,
    cells: pd.DataFrame,
) -> None:
    """Store the audit of these sub-tables; earlier audits of them stop being current."""
    table_cols = list(tables.columns)
    table_keys = _joined(tables, table_cols)
    for start in range(0, len(table_keys), 500):
        conn.execute(
            update(disclosure_audit)
            .where(
                disclosure_audit.c.flow == public_id,
                disclosure_audit.c.provider == release.provider,
                disclosure_audit.c.table_key.in_(table_keys[start : start + 500]),
                disclosure_audit.c.current.is_(True),
            )
            .values(current=False)
        )
    if cells.empty:
        return
    dims, time = list(layout.dimensions), layout.time_dimension
    frame = cells.reset_index(drop=True)
    n = len(frame)

    def text(values: pd.Series) -> pa.Array:
        return pa.array(values.astype(str), type=pa.string(), from_pandas=True)

    def column(name: str) -> pa.Array:
        if name not in frame.columns:
            return pa.nulls(n, pa.string())
        return pa.array(frame[name].astype("string"), type=pa.string(), from_pandas=True)

    def number(name: str) -> pa.Array:
        if name not in frame.columns:
            return pa.nulls(n, pa.float64())
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        return pa.array(values, type=pa.float64(), from_pandas=True)  # NaN -> null

    rows = pa.table(
        {
            "release_pk": pa.array(np.full(n, release.pk), type=pa.int64()),
            "flow": pa.repeat(pa.scalar(public_id, pa.string()), n),
            "provider": pa.repeat(pa.scalar(release.provider, pa.string()), n),
            "table_key": _joined_array(frame, table_cols),
            "series_key": _joined_array(frame, [d for d in dims if d in frame.columns]),
            "period": text(frame[time]) if time in frame.columns else pa.repeat("", n),
            "reason": text(frame["REASON"]),
            "raw_value": number("RAW_VALUE"),
            "public_value": number("PUBLIC_VALUE"),
            "obs_status": column("OBS_STATUS"),
            "conf_status": column("CONF_STATUS"),
            "protected_low": number("PROTECTED_LOW"),
            "protected_high": number("PROTECTED_HIGH"),
            "current": pa.array(np.ones(n, dtype=bool)),
        }
    )
    bulk_insert(conn, disclosure_audit.name, rows)


def _joined(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Each row's ``columns`` joined with dots (a table or series key), column-wise.

    A row-wise ``agg`` builds a Series per row: 30 s for a 100k-cell audit.
    """
    if not columns or frame.empty:
        return [""] * len(frame)
    parts = [frame[column].astype(str).to_numpy(dtype=object) for column in columns]
    return [".".join(values) for values in zip(*parts, strict=True)]


def _joined_array(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """``_joined`` as Arrow strings, joined by Arrow: no Python string per row."""
    if not columns or frame.empty:
        return pa.array(_joined(frame, columns), type=pa.string())
    parts = [pa.array(frame[column].astype(str), type=pa.string()) for column in columns]
    return pc.binary_join_element_wise(*parts, ".")
