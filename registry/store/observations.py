"""The observation store: columnar, bulk, temporal writes (reads are in ``data_queries``).

``store_dataset`` applies one dataset (one provider's data for one dataflow,
with an SDMX action) to the store inside the caller's transaction, so a load
that fails anywhere leaves nothing behind. Nothing is ever updated in place
but the ``replaced_load`` mark of a superseded version: each change adds a
version, each deletion a tombstone, and every version names its load, whose
``at`` is the clock of ``updatedAfter``, ``asOf`` and ``includeHistory``.

Actions, per observation (SDMX ``ActionType``):

- ``Replace`` (and ``Information``): the stored observation becomes exactly
  the one sent (value and attributes); unchanged observations stay as they
  are, so sending the same file twice changes nothing.
- ``Append``: new observations are added; an existing one only gains what it
  lacked (a value, an attribute), it is never overwritten.
- ``Delete``: an observation row deletes the observation; a row with
  attributes but no value deletes only those attributes; a row with empty
  dimensions or period deletes everything that matches the rest (an empty
  row deletes all of the provider's data in the dataflow).

Loads of one dataflow are serialised by a lock on its revision row; the load
time is strictly later than the previous change's, so ``Last-Modified`` and
``updatedAfter`` use one clock with a distinct second per change.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from mosy_sdmx.categoricals import row_groups
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import ParseError, StructureError
from mosy_sdmx.periods import bounds_of
from mosy_sdmx.structures.layout import ComponentLayout
from registry.db.tables import (
    DIMENSION_COLUMNS,
    DIMENSION_SLOTS,
    data_attr_values,
    data_attrsets,
    data_flows,
    data_loads,
    data_series,
)
from registry.store.changes import Actor, record_change
from registry.store.revisions import Revision, get_revision, now

_URN_REF = re.compile(r"=(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]+)\)")
#: Rows per statement when closing versions or inserting them.
BATCH = 100_000
#: SQLite page cache during a big load (KiB).
LOAD_CACHE_KIB = 256 * 1024
#: Loads larger than this refresh the planner's statistics.
ANALYZE_ROWS = 20_000


@dataclass(frozen=True, slots=True, order=True)
class FlowRef:
    """A dataflow as the store keys its data: agency, id, version."""

    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.agency}:{self.id}({self.version})"

    @property
    def scope(self) -> str:
        """The revision scope of this dataflow's data (ETag, Last-Modified)."""
        return f"data:{self}"

    @classmethod
    def of_layout(cls, layout: ComponentLayout) -> FlowRef:
        match = _URN_REF.search(layout.structure_urn or "")
        if match is None or "Dataflow=" not in layout.structure_urn:
            raise StructureError(
                "No dataflow", f"data is stored per dataflow; {layout.dsd_id} has none named"
            )
        return cls(match["agency"], match["id"], match["version"])


@dataclass
class LoadResult:
    """What one load did; ``revision`` is the dataflow's data revision after it."""

    load_pk: int
    flow: FlowRef
    provider: str
    action: Action
    at: datetime
    rows: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    revision: Revision | None = None
    #: Numbers of the series whose observations changed (``data_series.pk``):
    #: publication recomputes only these.
    touched_series: list[int] = field(default_factory=list)
    #: The range of ``observations.pk`` this load wrote (None: it wrote nothing).
    first_obs: int | None = None
    last_obs: int | None = None

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def to_dict(self) -> dict:
        return {
            "load": self.load_pk,
            "dataflow": str(self.flow),
            "provider": self.provider,
            "action": self.action.value,
            "at": self.at.isoformat(),
            "rows": self.rows,
            "added": self.added,
            "changed": self.changed,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }


def store_layout_check(layout: ComponentLayout) -> None:
    """Refuse a DSD the store cannot hold (too many dimensions, no time dimension)."""
    if len(layout.dimensions) > DIMENSION_SLOTS:
        raise StructureError(
            "Too many dimensions",
            f"{layout.dsd_id} has {len(layout.dimensions)} dimensions; the store holds up to "
            f"{DIMENSION_SLOTS}",
        )
    if not layout.time_dimension:
        raise StructureError(
            "No time dimension", f"{layout.dsd_id} has no time dimension; the store needs one"
        )


# -- locking, flows, loads -------------------------------------------------------------


def lock_flow(conn: Connection, flow: FlowRef) -> Revision:
    """Serialise writers of one dataflow's data; the revision as it stands, under the lock."""
    dialect = conn.dialect.name
    verb = "INSERT OR IGNORE INTO" if dialect == "sqlite" else "INSERT INTO"
    tail = "" if dialect == "sqlite" else " ON CONFLICT (scope) DO NOTHING"
    conn.execute(
        text(f"{verb} revisions (scope, revision, updated_at) VALUES (:s, 0, :t){tail}"),
        {"s": flow.scope, "t": datetime(1970, 1, 1, tzinfo=now().tzinfo)},
    )
    conn.execute(
        text("UPDATE revisions SET revision = revision WHERE scope = :s"), {"s": flow.scope}
    )
    return get_revision(conn, flow.scope)


def flow_pk(conn: Connection, flow: FlowRef, *, create: bool = False) -> int | None:
    """The store's number for a dataflow; None if it never held data (unless ``create``)."""
    where = (
        data_flows.c.agency == flow.agency,
        data_flows.c.id == flow.id,
        data_flows.c.version == flow.version,
    )
    pk = conn.execute(select(data_flows.c.pk).where(*where)).scalar()
    if pk is None and create:
        pk = conn.execute(
            insert(data_flows)
            .values(agency=flow.agency, id=flow.id, version=flow.version)
            .returning(data_flows.c.pk)
        ).scalar_one()
    return pk


def _bump(conn: Connection, flow: FlowRef, at: datetime) -> Revision:
    conn.execute(
        text("UPDATE revisions SET revision = revision + 1, updated_at = :t WHERE scope = :s"),
        {"s": flow.scope, "t": at},
    )
    return get_revision(conn, flow.scope)


# -- the load ------------------------------------------------------------------------


def store_dataset(
    conn: Connection,
    dataset: Dataset,
    *,
    layout: ComponentLayout,
    provider: str,
    action: Action | str | None = None,
    actor: Actor,
    source: str | None = None,
    checksum: str | None = None,
    analyze: bool = True,
) -> LoadResult:
    """Apply ``dataset`` for ``provider`` inside the caller's transaction.

    ``action`` overrides the dataset's own (``Information`` is stored as
    ``Replace``). The caller validated the data; rows that still cannot be
    stored (a period that is no period) raise ParseError, and the caller's
    transaction is rolled back with everything written so far. A big load
    refreshes the planner's statistics, unless ``analyze`` is False: the caller
    then runs ``analyze`` after its commit.
    """
    store_layout_check(layout)
    flow = FlowRef.of_layout(layout)
    act = Action.parse(action if action is not None else dataset.action)
    if act is Action.INFORMATION:
        act = Action.REPLACE
    revision = lock_flow(conn, flow)
    fpk = flow_pk(conn, flow, create=True)
    at = max(now(), revision.updated_at + timedelta(seconds=1))
    load_pk = conn.execute(
        insert(data_loads)
        .values(
            flow_pk=fpk,
            provider=provider,
            action=act.value,
            at=at,
            actor=actor.name,
            token_pk=actor.token_pk,
            source=(source or "")[:500] or None,
            checksum=checksum,
            rows=len(dataset.data),
            added=0,
            changed=0,
            deleted=0,
            unchanged=0,
        )
        .returning(data_loads.c.pk)
    ).scalar_one()
    result = LoadResult(load_pk, flow, provider, act, at, rows=len(dataset.data))
    writer = _Writer(conn, fpk, provider, layout, load_pk)
    if act is Action.DELETE:
        writer.delete(dataset, result)
    else:
        writer.upsert(dataset, result, append=act is Action.APPEND)
    conn.execute(
        update(data_loads)
        .where(data_loads.c.pk == load_pk)
        .values(
            added=result.added,
            changed=result.changed,
            deleted=result.deleted,
            unchanged=result.unchanged,
            first_obs=result.first_obs,
            last_obs=result.last_obs,
        )
    )
    if result.changed_anything:
        result.revision = _bump(conn, flow, at)
        record_change(
            conn,
            actor=actor,
            action=f"data-{act.value.lower()}",
            scope=flow.scope,
            target=f"{flow} {provider}",
            detail=result.to_dict(),
            at=at,
        )
        if analyze and result.rows >= ANALYZE_ROWS:
            _analyze(conn)
    else:
        result.revision = revision
    return result


def analyze(engine: Engine) -> None:
    """Fresh planner statistics, in a transaction of their own (after a big load committed)."""
    with engine.begin() as conn:
        _analyze(conn)


def _analyze(conn: Connection) -> None:
    """Fresh planner statistics after a big load (so key slices use the series indexes)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE data_series")
        conn.exec_driver_sql("ANALYZE observations")
    else:
        conn.exec_driver_sql("PRAGMA analysis_limit=2000")
        conn.exec_driver_sql("ANALYZE")


def _text_of(value: object) -> str:
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    return str(value)


def _digest(values: dict[str, str]) -> tuple[str, str]:
    content = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest(), content


class _Writer:
    """One load's writes: series, attribute sets, versions; all column-wise."""

    def __init__(
        self, conn: Connection, fpk: int, provider: str, layout: ComponentLayout, load_pk: int
    ) -> None:
        self.conn = conn
        self.fpk = fpk
        self.provider = provider
        self.layout = layout
        self.load_pk = load_pk
        self.dims = list(layout.dimensions)
        self.time = layout.time_dimension
        self.measure = layout.primary_measure
        self._attrsets: dict[str, int] | None = None
        self._pg = conn.dialect.name == "postgresql"
        self._attrset_content: dict[int, dict[str, str]] = {}

    # -- series ----------------------------------------------------------------
    def series_frame(self) -> pd.DataFrame:
        """This provider's series in this dataflow: pk, series_key and the dimensions."""
        cols = [data_series.c.pk, data_series.c.series_key] + [
            data_series.c[DIMENSION_COLUMNS[i]] for i in range(len(self.dims))
        ]
        rows = self.conn.execute(
            select(*cols).where(
                data_series.c.flow_pk == self.fpk, data_series.c.provider == self.provider
            )
        ).all()
        frame = pd.DataFrame(rows, columns=["pk", "series_key", *self.dims])
        return frame

    def series_pks(self, keys: pd.DataFrame) -> np.ndarray:
        """Series numbers of the distinct keys in ``keys`` (columns = dims), created if new.

        Work is per distinct key (tens of thousands), never per row: rows get
        their number through their key's group."""
        group, distinct = _key_groups(keys, self.dims)
        texts = pd.Index(distinct["series_key"].to_numpy(dtype=object))
        numbers = self._known_series(texts)
        missing = numbers < 0
        if missing.any():
            last = self.conn.execute(select(func.max(data_series.c.pk))).scalar() or 0
            self._insert_series(distinct[missing])
            # Only the series just written are read back (the dataflow is locked).
            numbers[missing] = self._known_series(texts[missing], after=last)
        return numbers[group]

    def _known_series(self, texts: pd.Index, *, after: int | None = None) -> np.ndarray:
        """Numbers of the keys ``texts`` among this provider's series (-1: none yet);
        with ``after``, among those numbered after it."""
        # Tens of thousands of rows: read through the driver, no SQLAlchemy Row each.
        mark = "%s" if self._pg else "?"
        sql = f"SELECT pk, series_key FROM data_series WHERE flow_pk = {mark} AND provider = {mark}"
        params: list[object] = [self.fpk, self.provider]
        if after is not None:
            sql += f" AND pk > {mark}"
            params.append(after)
        cursor = self.conn.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not rows:
            return np.full(len(texts), -1, dtype=np.int64)
        pks, keys = zip(*rows, strict=True)
        where = pd.Index(keys).get_indexer(texts)
        return np.where(where >= 0, np.asarray(pks, dtype=np.int64)[where], -1)

    def _insert_series(self, fresh: pd.DataFrame) -> None:
        """New series, in key order: each index of ``data_series`` grows at its end
        (so do the observations, numbered by series), not at random pages."""
        slots = DIMENSION_COLUMNS[: len(self.dims)]
        fresh = fresh.iloc[np.argsort(fresh["series_key"].to_numpy(dtype=object), kind="stable")]
        columns = ["flow_pk", "provider", "series_key", *slots]
        table = pa.table(
            {
                "flow_pk": pa.array(np.full(len(fresh), self.fpk, dtype=np.int64)),
                "provider": pa.array([self.provider] * len(fresh), pa.string()),
                "series_key": pa.array(fresh["series_key"].to_numpy(dtype=object), pa.string()),
                **{
                    slot: pa.array(fresh[dim].astype(str).to_numpy(dtype=object), pa.string())
                    for slot, dim in zip(slots, self.dims, strict=True)
                },
            }
        )
        if self._pg:
            _copy_rows(self.conn, "data_series", columns, table)
        else:
            _executemany_rows(self.conn, "data_series", table, _constant_columns(table))

    # -- attribute sets --------------------------------------------------------------
    def _load_attrsets(self) -> dict[str, int]:
        if self._attrsets is None:
            rows = self.conn.execute(
                select(data_attrsets.c.pk, data_attrsets.c.digest, data_attrsets.c.content).where(
                    data_attrsets.c.flow_pk == self.fpk
                )
            ).all()
            self._attrsets = {r.digest: r.pk for r in rows}
            self._attrset_content = {r.pk: json.loads(r.content) for r in rows}
        return self._attrsets

    def attrset_pk(self, values: dict[str, str]) -> int | None:
        """The number of an attribute combination (stored once per dataflow); None if empty."""
        if not values:
            return None
        known = self._load_attrsets()
        digest, content = _digest(values)
        pk = known.get(digest)
        if pk is None:
            pk = self.conn.execute(
                insert(data_attrsets)
                .values(flow_pk=self.fpk, digest=digest, content=content)
                .returning(data_attrsets.c.pk)
            ).scalar_one()
            self.conn.execute(
                insert(data_attr_values),
                [{"attrset_pk": pk, "component": k, "value": v} for k, v in values.items()],
            )
            known[digest] = pk
            self._attrset_content[pk] = dict(values)
        return pk

    def attrs_of(self, pk: int | None) -> dict[str, str]:
        if pk is None or (isinstance(pk, float) and math.isnan(pk)):
            return {}
        self._load_attrsets()
        return self._attrset_content[int(pk)]

    def row_attrsets(self, dataset: Dataset) -> np.ndarray:
        """Attribute-set number per row (-1: none), one lookup per distinct combination."""
        df = dataset.data
        n = len(df)
        columns = [a for a in self.layout.attributes if a in df.columns]
        columns += [m for m in self.layout.measures[1:] if m in df.columns]
        constant = {
            k: _text_of(v)
            for k, v in dataset.attributes.items()
            if v is not None and str(v) != "" and k not in columns
        }
        if not columns:
            pk = self.attrset_pk(constant)
            return np.full(n, -1 if pk is None else pk, dtype=np.int64)
        group, firsts = row_groups(df, columns)
        table = np.full(len(firsts), -1, dtype=np.int64)
        for gid, row in enumerate(firsts):
            values = dict(constant)
            for col in columns:
                value = df[col].iat[int(row)]
                if value is not None and not (isinstance(value, float) and math.isnan(value)):
                    text_value = _text_of(value)
                    if text_value != "":
                        values[col] = text_value
            pk = self.attrset_pk(values)
            table[int(gid)] = -1 if pk is None else pk
        return table[group] if n else np.zeros(0, dtype=np.int64)

    # -- current versions ------------------------------------------------------------
    def current(self, series: np.ndarray | None) -> pd.DataFrame:
        """Current versions (tombstones included) of ``series`` (None: every series)."""
        cols = "o.pk, o.series_pk, o.period, o.value, o.value_text, o.attrset_pk, o.deleted"
        base = f"SELECT {cols} FROM observations o WHERE o.replaced_load IS NULL AND o.series_pk "
        frames = []
        if series is None or len(series) > 2000:
            sql = base + "IN (SELECT pk FROM data_series WHERE flow_pk = :f AND provider = :p)"
            frames.append(_fetch(self.conn, sql, {"f": self.fpk, "p": self.provider}))
        else:
            unique = np.unique(series).tolist()
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                sql = base + "IN (" + ",".join(str(int(pk)) for pk in part) + ")"
                frames.append(_fetch(self.conn, sql, {}))
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if frame.empty:
            frame = pd.DataFrame(
                {
                    "pk": pd.Series(dtype="int64"),
                    "series_pk": pd.Series(dtype="int64"),
                    "period": pd.Series(dtype="object"),
                    "value": pd.Series(dtype="float64"),
                    "value_text": pd.Series(dtype="object"),
                    "attrset_pk": pd.Series(dtype="float64"),
                    "deleted": pd.Series(dtype="bool"),
                }
            )
        frame["deleted"] = frame["deleted"].astype(bool)
        if series is not None and len(series) > 2000:
            frame = frame[frame["series_pk"].isin(np.unique(series))]
        return frame

    # -- upsert (Replace, Append) ------------------------------------------------------
    def incoming(self, dataset: Dataset) -> pd.DataFrame:
        df = dataset.data
        if not len(df):
            return pd.DataFrame()
        missing = [d for d in [*self.dims, self.time] if d not in df.columns]
        if missing:
            raise ParseError("Observations lack dimensions", "no column for " + ", ".join(missing))
        keys = df[self.dims]
        if keys.isna().to_numpy().any() or df[self.time].isna().any():
            raise ParseError(
                "Incomplete keys",
                "every observation to store needs a code for each dimension and a period "
                "(empty codes are wildcards only in Delete data sets)",
            )
        series = self.series_pks(keys)
        # Periods parsed once per distinct text (a few dozen), rows take theirs by code.
        codes, uniques = pd.factorize(df[self.time], use_na_sentinel=True)
        texts = pd.Index([str(v).strip() for v in uniques], dtype=object)
        distinct = pd.unique(texts.to_numpy())
        starts, ends, bad = bounds_of(distinct)
        if bad:
            raise ParseError(
                "Not a time period", f"{distinct[bad[0]]!r} is not an SDMX time period"
            )
        pos = pd.Index(distinct).get_indexer(texts)[codes]
        value, value_text = _measure(df, self.measure)
        frame = pd.DataFrame(
            {
                "series_pk": series,
                "period": pd.Categorical.from_codes(pos, categories=pd.Index(distinct)),
                "period_start": starts[pos],
                "period_end": ends[pos],
                "value": value,
                "value_text": value_text,
                "attrset_pk": self.row_attrsets(dataset),
            }
        )
        # One version per (series, period): the last row wins (integer keys: fast).
        repeated = pd.Index(series * len(distinct) + pos).duplicated(keep="last")
        if repeated.any():
            frame = frame[~repeated]
        return frame.reset_index(drop=True)

    def upsert(self, dataset: Dataset, result: LoadResult, *, append: bool) -> None:
        inc = self.incoming(dataset)
        if inc.empty:
            return
        cur = self.current(inc["series_pk"].to_numpy())
        if cur.empty:  # new series only (a first load): everything is added
            result.added += len(inc)
            self.write(np.zeros(0, dtype=np.int64), inc.assign(deleted=False), result)
            return
        m = inc.merge(cur, on=["series_pk", "period"], how="left", suffixes=("", "_old"))
        exists = m["pk"].notna().to_numpy()
        live = exists & ~m["deleted"].fillna(False).astype(bool).to_numpy()
        old_attrset = m["attrset_pk_old"].fillna(-1).astype(np.int64).to_numpy()
        if append:
            m = self._fill(m, live, old_attrset)
        new_value = m["value"].to_numpy(dtype=np.float64)
        old_value = m["value_old"].to_numpy(dtype=np.float64)
        same_value = (new_value == old_value) | (np.isnan(new_value) & np.isnan(old_value))
        same_value &= _same(m["value_text"], m["value_text_old"])
        same = live & same_value & (m["attrset_pk"].to_numpy() == old_attrset)
        write = ~same
        result.added += int((write & ~live).sum())
        result.changed += int((write & live).sum())
        result.unchanged += int(same.sum())
        closing = m.loc[write & exists, "pk"].astype(np.int64).to_numpy()
        fresh = m.loc[write, list(inc.columns)].assign(deleted=False)
        self.write(closing, fresh, result)

    def _fill(self, m: pd.DataFrame, live: np.ndarray, old_attrset: np.ndarray) -> pd.DataFrame:
        """Append: keep what is stored, add only what was absent."""
        m = m.copy()
        keep_value = live & m["value_old"].notna().to_numpy()
        m.loc[keep_value, "value"] = m.loc[keep_value, "value_old"]
        keep_text = live & m["value_text_old"].notna().to_numpy()
        m.loc[keep_text, "value_text"] = m.loc[keep_text, "value_text_old"]
        pairs = pd.DataFrame({"old": old_attrset, "new": m["attrset_pk"].to_numpy()})
        merged = {}
        for old, new in pairs[live].drop_duplicates().itertuples(index=False, name=None):
            values = {**self.attrs_of(None if new < 0 else new), **self.attrs_of(old)}
            pk = self.attrset_pk(values)
            merged[(old, new)] = -1 if pk is None else pk
        if merged:
            chosen = [
                merged[(o, n)] if flag else n
                for o, n, flag in zip(pairs["old"], pairs["new"], live, strict=True)
            ]
            m["attrset_pk"] = np.asarray(chosen, dtype=np.int64)
        return m

    # -- delete ------------------------------------------------------------------------
    def delete(self, dataset: Dataset, result: LoadResult) -> None:
        df = dataset.data
        if not len(df):
            return
        attrs = [a for a in self.layout.attributes if a in df.columns]
        has_value = (
            df[self.measure].notna().to_numpy()
            if self.measure in df.columns
            else np.zeros(len(df), bool)
        )
        has_attrs = df[attrs].notna().any(axis=1).to_numpy() if attrs else np.zeros(len(df), bool)
        attr_only = has_attrs & ~has_value
        cols = [c for c in [*self.dims, self.time] if c in df.columns]
        if _whole_keys(df, cols, len(self.dims) + 1, attr_only):
            self._delete_keys(df, result)  # whole observations named by their keys: no loop
            return
        series = self.series_frame()
        cur_all: pd.DataFrame | None = None
        closing: list[np.ndarray] = []
        fresh: list[pd.DataFrame] = []
        done: set[int] = set()
        patterns = df[cols].astype(object).where(df[cols].notna(), None)
        patterns = patterns.assign(_attr_only=attr_only)
        for _, rows in patterns.groupby(list(patterns.columns), dropna=False, sort=False):
            first = rows.iloc[0]
            mask = np.ones(len(series), dtype=bool)
            for dim in self.dims:
                code = first.get(dim)
                if code is not None and not (isinstance(code, float) and math.isnan(code)):
                    mask &= (series[dim] == str(code)).to_numpy()
            targets = series["pk"].to_numpy()[mask]
            if not len(targets):
                result.unchanged += len(rows)
                continue
            if cur_all is None:
                cur_all = self.current(None)
            cur = cur_all[cur_all["series_pk"].isin(targets) & ~cur_all["deleted"]]
            period = first.get(self.time)
            if period is not None and not (isinstance(period, float) and math.isnan(period)):
                cur = cur[cur["period"] == str(period).strip()]
            cur = cur[~cur["pk"].isin(done)]
            if cur.empty:
                result.unchanged += len(rows)
                continue
            done.update(cur["pk"].astype(np.int64).tolist())
            if bool(first["_attr_only"]):
                row_attrs = [a for a in attrs if df.loc[rows.index, a].notna().any()]
                new_sets = {}
                for old in cur["attrset_pk"].dropna().astype(np.int64).unique():
                    kept = {k: v for k, v in self.attrs_of(old).items() if k not in row_attrs}
                    pk = self.attrset_pk(kept)
                    new_sets[old] = np.nan if pk is None else pk
                changed = cur[cur["attrset_pk"].isin(list(new_sets))]
                changed = changed[
                    changed["attrset_pk"].map(new_sets).fillna(-1)
                    != changed["attrset_pk"].fillna(-1)
                ]
                if changed.empty:
                    continue
                versions = self._versions_of(changed)
                versions["attrset_pk"] = changed["attrset_pk"].map(new_sets).to_numpy()
                result.changed += len(changed)
                closing.append(changed["pk"].astype(np.int64).to_numpy())
                fresh.append(versions.assign(deleted=False))
            else:
                versions = self._versions_of(cur)
                versions["value"] = np.nan
                versions["value_text"] = None
                versions["attrset_pk"] = np.nan
                result.deleted += len(cur)
                closing.append(cur["pk"].astype(np.int64).to_numpy())
                fresh.append(versions.assign(deleted=True))
        if closing:
            self.write(
                np.concatenate(closing),
                pd.concat(fresh, ignore_index=True),
                result,
            )

    def _delete_keys(self, df: pd.DataFrame, result: LoadResult) -> None:
        """Delete rows that each name a whole observation (every dimension and the period).

        Column-wise, with what the general loop of ``delete`` does per distinct
        row: the first row naming a current observation deletes it; any other
        row (no such observation, or one deleted already) counts as unchanged.
        """
        cols = [*self.dims, self.time]
        group = df[cols].groupby(cols, sort=False, observed=True).ngroup().to_numpy()
        sizes = np.bincount(group)
        firsts = pd.Series(np.arange(len(df))).groupby(group).first().to_numpy()
        keys = pd.DataFrame(
            {c: df[c].iloc[firsts].astype(str).to_numpy(dtype=object) for c in self.dims}
        )
        keys["period"] = df[self.time].iloc[firsts].astype(str).str.strip().to_numpy(dtype=object)
        series = self.series_frame()[["pk", *self.dims]]
        keys = keys.merge(series, how="left", on=self.dims, sort=False)
        pks = keys["pk"].to_numpy(dtype=np.float64)
        known = ~np.isnan(pks)
        cur = self.current(np.unique(pks[known]).astype(np.int64)) if known.any() else None
        found = np.zeros(len(keys), dtype=bool)
        if cur is not None and len(cur):
            live = cur[~cur["deleted"].to_numpy()]
            stored = pd.MultiIndex.from_arrays(
                [live["series_pk"].to_numpy(dtype=np.int64), live["period"].astype(str)]
            )
            wanted = pd.MultiIndex.from_arrays(
                [np.nan_to_num(pks, nan=-1).astype(np.int64), keys["period"].astype(str)]
            )
            at = stored.get_indexer(wanted)
            # The first group naming an observation deletes it; later ones change nothing.
            first_claim = ~pd.Series(at).duplicated(keep="first").to_numpy()
            found = (at >= 0) & first_claim
        result.unchanged += int(sizes[~found].sum())
        if not found.any():
            return
        gone = live.iloc[at[found]]
        versions = self._versions_of(gone)
        versions["value"] = np.nan
        versions["value_text"] = None
        versions["attrset_pk"] = np.nan
        result.deleted += len(gone)
        self.write(gone["pk"].astype(np.int64).to_numpy(), versions.assign(deleted=True), result)

    def _versions_of(self, cur: pd.DataFrame) -> pd.DataFrame:
        distinct = pd.unique(cur["period"])
        starts, ends, _ = bounds_of(distinct)
        pos = pd.Index(distinct).get_indexer(cur["period"])
        return pd.DataFrame(
            {
                "series_pk": cur["series_pk"].to_numpy(),
                "period": cur["period"].to_numpy(dtype=object),
                "period_start": starts[pos],
                "period_end": ends[pos],
                "value": cur["value"].to_numpy(),
                "value_text": cur["value_text"].to_numpy(dtype=object),
                "attrset_pk": cur["attrset_pk"].to_numpy(),
            }
        )

    # -- writing -------------------------------------------------------------------------
    def write(self, closing: np.ndarray, fresh: pd.DataFrame, result: LoadResult) -> None:
        """Mark ``closing`` versions replaced by this load, then add ``fresh`` versions."""
        for start in range(0, len(closing), BATCH):
            part = [int(pk) for pk in closing[start : start + BATCH]]
            if self.conn.dialect.name == "postgresql":
                self.conn.execute(
                    text("UPDATE observations SET replaced_load = :l WHERE pk = ANY(:pks)"),
                    {"l": self.load_pk, "pks": part},
                )
            else:
                self.conn.execute(
                    text(
                        "UPDATE observations SET replaced_load = :l "
                        "WHERE pk IN (SELECT value FROM json_each(:pks))"
                    ),
                    {"l": self.load_pk, "pks": json.dumps(part)},
                )
        if fresh.empty:
            return
        fresh = _in_index_order(fresh)
        touched = pd.unique(fresh["series_pk"])
        result.touched_series.extend(int(pk) for pk in touched)
        attrset = pd.to_numeric(fresh["attrset_pk"], errors="coerce")
        attrset = attrset.where(attrset >= 0)
        table = pa.table(
            {
                "series_pk": pa.array(fresh["series_pk"].to_numpy(dtype=np.int64)),
                "period": _text_array(fresh["period"]),
                "period_start": pa.array(fresh["period_start"].to_numpy(dtype=np.int64)),
                "period_end": pa.array(fresh["period_end"].to_numpy(dtype=np.int64)),
                "value": pa.array(fresh["value"].to_numpy(dtype=np.float64), from_pandas=True),
                "value_text": pa.array(
                    fresh["value_text"].to_numpy(dtype=object), pa.string(), from_pandas=True
                ),
                "attrset_pk": pa.array(attrset.to_numpy(), pa.float64(), from_pandas=True).cast(
                    pa.int64()
                ),
                "created_load": pa.array(np.full(len(fresh), self.load_pk, dtype=np.int64)),
                "deleted": pa.array(fresh["deleted"].to_numpy(dtype=bool)),
            }
        )
        # The rows' numbers form one range (a load's versions go in in one run):
        # ``updatedAfter`` and publication find them through the primary key.
        before = self.conn.execute(text("SELECT max(pk) FROM observations")).scalar()
        if self._pg:
            _copy_into(self.conn, table)
        else:
            _executemany_into(self.conn, table)
        after = self.conn.execute(text("SELECT max(pk) FROM observations")).scalar()
        first = (before or 0) + 1
        result.first_obs = first if result.first_obs is None else min(result.first_obs, first)
        result.last_obs = after if result.last_obs is None else max(result.last_obs, after)


def _whole_keys(df: pd.DataFrame, cols: list[str], n_keys: int, attr_only: np.ndarray) -> bool:
    """Whether every row of a deletion names one whole observation (no wildcard, no
    attribute-only row): what ``_Writer._delete_keys`` deletes column-wise."""
    return len(cols) == n_keys and not attr_only.any() and bool(df[cols].notna().all(axis=None))


def _in_index_order(fresh: pd.DataFrame) -> pd.DataFrame:
    """Versions sorted as ``uq_observations_current`` (series, period start, period).

    Inserted in that order, the index grows page by page instead of at random
    leaves: PostgreSQL's COPY of 1M versions in file order (area, year, key)
    took 4-6 s, sorted 2.4 s. Queries read in this order too.
    """
    series = fresh["series_pk"].to_numpy(dtype=np.int64)
    starts = fresh["period_start"].to_numpy(dtype=np.int64)
    if len(series) < 2:
        return fresh
    same = series[1:] == series[:-1]
    if ((series[1:] > series[:-1]) | (same & (starts[1:] >= starts[:-1]))).all():
        return fresh
    return fresh.iloc[np.lexsort((starts, series))]


def bulk_insert(conn: Connection, name: str, table: pa.Table) -> None:
    """Rows of an Arrow table into table ``name`` (its columns named alike), column-wise.

    COPY on PostgreSQL, one prepared executemany on SQLite: no SQLAlchemy
    parameter dict per row.
    """
    if not table.num_rows:
        return
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, name, table.column_names, table)
    else:
        _executemany_rows(conn, name, table, _constant_columns(table))


def _copy_into(conn: Connection, table: pa.Table) -> None:
    """PostgreSQL: the versions COPYed into ``observations``."""
    _copy_rows(conn, "observations", table.column_names, table)


def _executemany_into(conn: Connection, table: pa.Table) -> None:
    """SQLite: the versions inserted into ``observations``."""
    _executemany_rows(conn, "observations", table, _constant_columns(table))


def _copy_rows(conn: Connection, name: str, columns, table: pa.Table) -> None:
    """PostgreSQL: COPY rows in as CSV written by Arrow (no Python object per row).

    Arrow writes a null as an unquoted empty field, which is COPY's NULL in CSV.
    """
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL's driver: only where it is used

    raw = conn.connection.driver_connection
    sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    # A writer thread sends each block while Arrow writes the next one.
    with raw.cursor() as cursor, cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
        for batch in table.to_batches(max_chunksize=BATCH):
            buffer = io.BytesIO()
            pacsv.write_csv(
                pa.Table.from_batches([batch]),
                buffer,
                pacsv.WriteOptions(include_header=False, quoting_style="needed"),
            )
            copy.write(buffer.getvalue())


def _executemany_rows(
    conn: Connection, name: str, table: pa.Table, constants: dict[str, object] | None = None
) -> None:
    """SQLite: one prepared INSERT run over the rows (executemany in C).

    Binding is most of the cost (each value of each row crosses from Python),
    so columns with one value for every row (``constants``) are written into
    the statement as literals instead. SQLite's own B-tree work is the rest;
    the page cache is widened for the load so that the indexes' pages stay in
    memory until the commit writes them once.
    """
    constants = {c: v for c, v in (constants or {}).items() if c in table.column_names}
    if constants and len(constants) == table.num_columns:
        # One column stays bound: executemany runs once per parameter row, none without.
        constants.pop(next(iter(constants)))
    table = table.drop_columns(list(constants))
    columns = [*table.column_names, *constants]
    values_sql = ["?"] * table.num_columns + [_sql_literal(v) for v in constants.values()]
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join(values_sql)})"
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        (previous,) = cursor.execute("PRAGMA cache_size").fetchone()
        if table.num_rows > BATCH:
            cursor.execute(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
        for batch in table.to_batches(max_chunksize=BATCH):
            values = [_python_values(col) for col in batch.columns]
            cursor.executemany(sql, zip(*values, strict=True))
    finally:
        cursor.execute(f"PRAGMA cache_size={int(previous)}")
        cursor.close()


def _python_values(column: pa.Array) -> list:
    """A column as the Python values SQLite binds, made by numpy where it can be.

    Numbers and booleans without nulls go through numpy (a NaN binds as NULL in
    SQLite, as None does); texts are decoded once per distinct value. Anything
    else takes Arrow's ``to_pylist``. Same values, about a third of the time.
    """
    kind = column.type
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
    if numeric and (column.null_count == 0 or pa.types.is_floating(kind)):
        return column.to_numpy(zero_copy_only=False).tolist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = column.dictionary_encode()
        texts = [*encoded.dictionary.to_pylist(), None]
        codes = pc.fill_null(encoded.indices, len(texts) - 1).to_numpy()
        return np.asarray(texts, dtype=object)[codes].tolist()
    return column.to_pylist()


def _constant_columns(table: pa.Table) -> dict[str, object]:
    """Columns holding one value (or only nulls) in every row, and that value."""
    constants: dict[str, object] = {}
    if not table.num_rows:
        return constants
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count == len(column):
            constants[name] = None
        elif (
            column.null_count == 0
            and (
                pa.types.is_integer(column.type)
                or pa.types.is_boolean(column.type)
                or pa.types.is_string(column.type)
            )
            and pc.count_distinct(column).as_py() == 1
            and "\x00" not in str(column[0].as_py())  # no SQL literal holds a NUL
        ):
            constants[name] = column[0].as_py()
    return constants


def _sql_literal(value: object) -> str:
    """A constant of ``_constant_columns`` as SQL (integers, booleans, text, or NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"not a literal the store writes: {value!r}")


def _fetch(conn: Connection, sql: str, params: dict) -> pd.DataFrame:
    result = conn.execute(text(sql), params)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _text_array(column: pd.Series) -> pa.Array:
    """A text column as Arrow strings; a categorical is decoded by Arrow, not per row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pa.array([str(c) for c in column.cat.categories], pa.string())
        codes = column.cat.codes.to_numpy()
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), categories).cast(
            pa.string()
        )
    return pa.array(column.astype(str).to_numpy(dtype=object), pa.string())


def _key_groups(keys: pd.DataFrame, dims: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """(group of each row, one row per distinct key: its codes and series_key text)."""
    group, firsts = row_groups(keys, dims)
    distinct = keys.iloc[firsts].reset_index(drop=True)
    columns = [distinct[d].astype(object).to_numpy() for d in dims]
    distinct["series_key"] = [".".join(map(str, codes)) for codes in zip(*columns, strict=True)]
    return group, distinct


def _measure(df: pd.DataFrame, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """(float values, text values): numbers go to ``value``, anything else to ``value_text``."""
    n = len(df)
    if measure not in df.columns:
        return np.full(n, np.nan), np.full(n, None, dtype=object)
    column = df[measure]
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64), np.full(n, None, dtype=object)
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    texts = column.astype(object).where(column.notna() & np.isnan(numbers), None)
    return numbers, texts.to_numpy(dtype=object)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where two missing values are equal."""
    left, right = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    missing_left = pd.isna(a).to_numpy()
    missing_right = pd.isna(b).to_numpy()
    equal = np.zeros(len(a), dtype=bool)
    both = ~missing_left & ~missing_right
    equal[both] = left[both] == right[both]
    return equal | (missing_left & missing_right)
