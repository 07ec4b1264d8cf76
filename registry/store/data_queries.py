"""Reading the observation store: key slices, filters, time travel, as SQL; rows in chunks.

A ``BoundQuery`` of the library (keys, ``c[...]`` filters, periods) becomes
SQL in two steps the database answers with its indexes: the matching
*series* (``data_series``: provider, key positions, dimension filters), then
their *observations* (``observations``: the current versions by default, or
the versions valid at ``asOf``, or those written after ``updatedAfter``, or
every version with ``includeHistory``), filtered by period bounds, attribute
sets and values, cut by ``firstNObservations``/``lastNObservations`` with a
window function. Rows come back in chunks of columns (PostgreSQL: ``COPY ...
TO STDOUT`` parsed by Arrow; SQLite: ``fetchmany``), grouped by series, never
all at once.

Issue 15's data explorer pages use ``count_observations`` and
``select_observations(... offset=, limit=)``; dashboards aggregate with the
same ``series_condition``/``observation_conditions`` building blocks.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import (
    Connection,
    Float,
    String,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement, Select

from mosy_sdmx.periods import query_period
from mosy_sdmx.rest.data import BoundQuery, ComponentFilter, Condition
from registry.db.tables import (
    DIMENSION_COLUMNS,
    data_attr_values,
    data_attrsets,
    data_flows,
    data_loads,
    data_series,
    observations,
)
from registry.store.observations import FlowRef
from registry.store.revisions import _aware, get_revision
from registry.store.sqlite_arrow import sqlite_batches

_COPY_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class FlowSummary:
    flow: FlowRef
    observations: int
    series: int
    providers: list[str]
    updated_at: datetime | None


def flow_summaries(conn: Connection) -> list[FlowSummary]:
    """Every dataflow holding data: current observations, series, providers, last change."""
    out = []
    for row in conn.execute(select(data_flows).order_by(data_flows.c.id)).all():
        flow = FlowRef(row.agency, row.id, row.version)
        series = select(data_series.c.pk).where(data_series.c.flow_pk == row.pk)
        count = conn.execute(
            select(func.count())
            .select_from(observations)
            .where(
                observations.c.series_pk.in_(series),
                observations.c.replaced_load.is_(None),
                observations.c.deleted.is_(false()),
            )
        ).scalar_one()
        providers = conn.execute(
            select(data_series.c.provider, func.count())
            .where(data_series.c.flow_pk == row.pk)
            .group_by(data_series.c.provider)
            .order_by(data_series.c.provider)
        ).all()
        revision = get_revision(conn, flow.scope)
        out.append(
            FlowSummary(
                flow,
                count,
                sum(n for _, n in providers),
                [p for p, _ in providers],
                revision.updated_at if revision.number else None,
            )
        )
    return out


# -- conditions ------------------------------------------------------------------------------


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_condition(column: ColumnElement, cond: Condition) -> ColumnElement[bool]:
    """One ``c[...]`` comparison on a text column (codes, attribute values, periods as text)."""
    value = cond.value
    if cond.op == "eq":
        return column == value
    if cond.op == "ne":
        return column != value
    if cond.op in ("lt", "le", "gt", "ge"):
        return {
            "lt": column < value,
            "le": column <= value,
            "gt": column > value,
            "ge": column >= value,
        }[cond.op]
    pattern = {
        "co": f"%{_like_escape(value)}%",
        "nc": f"%{_like_escape(value)}%",
        "sw": f"{_like_escape(value)}%",
        "ew": f"%{_like_escape(value)}",
    }[cond.op]
    matched = column.like(pattern, escape="\\")
    return not_(matched) if cond.op == "nc" else matched


def _any_of(flt: ComponentFilter, one) -> ColumnElement[bool]:
    return or_(*(and_(*(one(c) for c in alt)) for alt in flt.alternatives))


def series_condition(
    bound: BoundQuery, flow_pk: int, providers: tuple[str, ...] = ()
) -> ColumnElement[bool]:
    """Which rows of ``data_series`` a query selects (provider, keys, dimension filters)."""
    dims = list(bound.layout.dimensions)
    column = {dim: data_series.c[DIMENSION_COLUMNS[i]] for i, dim in enumerate(dims)}
    parts: list[ColumnElement[bool]] = [data_series.c.flow_pk == flow_pk]
    if providers:
        parts.append(data_series.c.provider.in_(providers))
    if bound.keys:
        parts.append(
            or_(
                *(
                    and_(true(), *(column[d].in_(sorted(codes)) for d, codes in key.items()))
                    for key in bound.keys
                )
            )
        )
    for flt in bound.dimension_filters:
        codes = flt.simple_codes()
        if codes is not None:
            parts.append(column[flt.component].in_(sorted(codes)))
        else:
            parts.append(_any_of(flt, lambda c, col=column[flt.component]: text_condition(col, c)))
    return and_(*parts)


def _time_condition(cond: Condition) -> ColumnElement[bool]:
    o = observations.c
    if cond.op in ("co", "nc", "sw", "ew"):
        return text_condition(o.period, cond)
    start, end = query_period(cond.value, "c[TIME_PERIOD]")
    return {
        "eq": and_(o.period_start == start, o.period_end == end),
        "ne": or_(o.period_start != start, o.period_end != end),
        "ge": o.period_start >= start,
        "gt": o.period_start >= end,
        "le": o.period_end <= end,
        "lt": o.period_end <= start,
    }[cond.op]


def _attribute_condition(flt: ComponentFilter) -> ColumnElement[bool]:
    o = observations.c

    def one(cond: Condition) -> ColumnElement[bool]:
        negative = cond.op in ("ne", "nc")
        positive = Condition({"ne": "eq", "nc": "co"}.get(cond.op, cond.op), cond.value)
        holders = select(data_attr_values.c.attrset_pk).where(
            data_attr_values.c.component == flt.component,
            text_condition(data_attr_values.c.value, positive),
        )
        if negative:
            return or_(o.attrset_pk.is_(None), o.attrset_pk.not_in(holders))
        return o.attrset_pk.in_(holders)

    return _any_of(flt, one)


def _measure_condition(flt: ComponentFilter) -> ColumnElement[bool]:
    o = observations.c

    def one(cond: Condition) -> ColumnElement[bool]:
        if cond.op in ("co", "nc", "sw", "ew"):
            return text_condition(o.value_text, cond)
        number = float(cond.value)
        return {
            "eq": o.value == number,
            "ne": o.value != number,
            "lt": o.value < number,
            "le": o.value <= number,
            "gt": o.value > number,
            "ge": o.value >= number,
        }[cond.op]

    return _any_of(flt, one)


def _loads(flow_pk: int, *conditions: ColumnElement[bool]) -> Select:
    return select(data_loads.c.pk).where(data_loads.c.flow_pk == flow_pk, *conditions)


@dataclass(frozen=True)
class RecentLoads:
    """The loads of a dataflow after an ``updatedAfter`` moment, and the range of
    observation rows they wrote (None: they wrote none)."""

    pks: list[int]
    first_obs: int | None
    last_obs: int | None

    @classmethod
    def read(cls, conn: Connection, flow_pk: int, after: datetime) -> RecentLoads:
        rows = conn.execute(
            select(data_loads.c.pk, data_loads.c.first_obs, data_loads.c.last_obs).where(
                data_loads.c.flow_pk == flow_pk, data_loads.c.at > after
            )
        ).all()
        firsts = [r.first_obs for r in rows if r.first_obs is not None]
        lasts = [r.last_obs for r in rows if r.last_obs is not None]
        return cls(
            [r.pk for r in rows], min(firsts) if firsts else None, max(lasts) if lasts else None
        )


def observation_conditions(
    bound: BoundQuery,
    flow_pk: int,
    *,
    series: Select,
    history: bool = False,
    recent: RecentLoads | None = None,
) -> list[ColumnElement[bool]]:
    """Which versions of ``observations`` a query selects (state, periods, filters)."""
    q = bound.query
    o = observations.c
    parts: list[ColumnElement[bool]] = []
    every_series = not (bound.keys or bound.dimension_filters or q.providers)
    if not (every_series and q.updated_after is not None and recent is not None):
        parts.append(o.series_pk.in_(series))
    if q.as_of is not None:
        parts.append(o.created_load.in_(_loads(flow_pk, data_loads.c.at <= q.as_of)))
        if not history:
            parts.append(
                or_(
                    o.replaced_load.is_(None),
                    o.replaced_load.in_(_loads(flow_pk, data_loads.c.at > q.as_of)),
                )
            )
    elif not history:
        parts.append(o.replaced_load.is_(None))
    if q.updated_after is not None:
        if recent is None:  # correct, but without the row range: a scan
            parts.append(o.created_load.in_(_loads(flow_pk, data_loads.c.at > q.updated_after)))
        elif recent.first_obs is None:
            parts.append(false())
        else:
            # Through the primary key: the row range the recent loads wrote, then their
            # numbers (the range may hold rows that other dataflows' loads wrote meanwhile).
            parts.append(o.pk.between(recent.first_obs, recent.last_obs))
            parts.append(o.created_load.in_(recent.pks))
    elif not history:
        parts.append(o.deleted.is_(false()))
    if q.start_period:
        parts.append(o.period_end > query_period(q.start_period, "startPeriod")[0])
    if q.end_period:
        parts.append(o.period_start < query_period(q.end_period, "endPeriod")[1])
    for flt in bound.time_filters:
        parts.append(_any_of(flt, _time_condition))
    for flt in bound.attribute_filters:
        parts.append(_attribute_condition(flt))
    for flt in bound.measure_filters:
        parts.append(_measure_condition(flt))
    return parts


# -- the query -------------------------------------------------------------------------------


@dataclass
class Selection:
    """A bound query resolved against the store: its series and how to read observations."""

    bound: BoundQuery
    flow_pk: int
    #: pk, provider, one column per dimension (categorical); None when not read
    #: (data answers find each chunk's keys in ``SeriesKeys`` instead).
    series: pd.DataFrame | None
    history: bool
    #: The observation query compiled for the driver (SQL text, parameters), made once.
    compiled: tuple[str, object, list[str]] | None = None
    #: With updatedAfter: the dataflow's loads after that moment.
    recent_loads: RecentLoads | None = None

    @property
    def empty(self) -> bool:
        """True when no series matches (unknown, and so False, when series were not read)."""
        return self.series is not None and self.series.empty


def select_series(
    conn: Connection, bound: BoundQuery, flow_pk: int, providers: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The matching series: pk, provider and the dimension codes (categoricals)."""
    dims = list(bound.layout.dimensions)
    columns = [data_series.c[DIMENSION_COLUMNS[i]].label(dim) for i, dim in enumerate(dims)]
    stmt = (
        select(data_series.c.pk, data_series.c.provider, *columns)
        .where(series_condition(bound, flow_pk, providers))
        .order_by(data_series.c.pk)
    )
    cursor = _raw_execute(conn, stmt)
    try:
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=["pk", "provider", *dims])
    finally:
        cursor.close()
    for dim in ["provider", *dims]:
        frame[dim] = frame[dim].astype("category")
    frame["pk"] = frame["pk"].astype(np.int64)
    return frame


def resolve(
    conn: Connection, bound: BoundQuery, flow: FlowRef, *, with_series: bool = True
) -> Selection | None:
    """The query's series in the store; None when the dataflow never held data.

    ``with_series=False`` leaves the series to the observation query (a
    subquery) and does not read them here: a query over every series of a big
    dataflow then costs nothing before its first rows."""
    from registry.store.observations import flow_pk as find_flow

    pk = find_flow(conn, flow)
    if pk is None:
        return None
    providers = bound.query.providers
    series = select_series(conn, bound, pk, providers) if with_series else None
    history = bound.query.include_history
    recent = None
    if bound.query.updated_after is not None:
        recent = RecentLoads.read(conn, pk, bound.query.updated_after)
    return Selection(bound, pk, series, history, recent_loads=recent)


def observation_statement(
    selection: Selection, *, order_by_keys: bool = False, for_fetch: bool = False
) -> Select:
    """SELECT of the selected versions: series_pk, period, value, value_text, attrset_pk,
    deleted, created_load (history order: by load first).

    ``for_fetch``: the columns as ``fetch_batches`` reads them into Arrow: never NULL
    (a driver that infers column types from the first rows then cannot be misled),
    with ``value_null`` beside ``value``."""
    bound = selection.bound
    q = bound.query
    o = observations.c
    series_sub = select(data_series.c.pk).where(
        series_condition(bound, selection.flow_pk, q.providers)
    )
    conditions = observation_conditions(
        bound,
        selection.flow_pk,
        series=series_sub,
        history=selection.history,
        recent=selection.recent_loads,
    )
    columns = [
        o.series_pk,
        o.period,
        o.period_start,
        o.period_end,
        o.value,
        o.value_text,
        o.attrset_pk,
        o.deleted,
        o.created_load,
    ]
    if q.first_n or q.last_n:
        order = o.period_start.desc() if q.last_n and not q.first_n else o.period_start
        ranked = (
            select(
                *columns,
                func.row_number().over(partition_by=o.series_pk, order_by=order).label("rn"),
                func.count().over(partition_by=o.series_pk).label("cnt"),
            )
            .where(*conditions)
            .subquery()
        )
        if q.first_n and q.last_n:
            keep = or_(ranked.c.rn <= q.first_n, ranked.c.rn > ranked.c.cnt - q.last_n)
        else:
            keep = ranked.c.rn <= (q.first_n or q.last_n)
        source = ranked.c
        stmt = select(*_output(source, for_fetch)).where(keep)
    else:
        source = o
        stmt = select(*_output(source, for_fetch)).where(*conditions)
    if selection.history:
        stmt = stmt.order_by(source.created_load, source.series_pk, source.period_start)
    else:
        stmt = stmt.order_by(source.series_pk, source.period_start)
    if q.limit is not None:
        stmt = stmt.limit(q.limit)
    if q.offset:
        stmt = stmt.offset(q.offset)
    return stmt


_COLUMNS = (
    "series_pk",
    "period",
    "period_start",
    "period_end",
    "value",
    "value_text",
    "attrset_pk",
    "deleted",
    "created_load",
)


def _output(source, for_fetch: bool) -> list[ColumnElement]:
    if not for_fetch:
        return [source[name] for name in _COLUMNS]
    return [
        source.series_pk,
        source.period,
        source.period_start,
        source.period_end,
        func.coalesce(source.value, literal(0.0, Float)).label("value"),
        case((source.value.is_(None), 1), else_=0).label("value_null"),
        func.coalesce(source.value_text, literal("", String)).label("value_text"),
        func.coalesce(source.attrset_pk, -1).label("attrset_pk"),
        case((source.deleted, 1), else_=0).label("deleted"),
        source.created_load,
    ]


def count_observations(conn: Connection, selection: Selection) -> int:
    """How many versions the selection holds (explorer pages: the number of rows)."""
    stmt = observation_statement(selection).order_by(None).limit(None).offset(None)
    return conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def series_counts(conn: Connection, selection: Selection) -> pd.DataFrame:
    """Per matching series: observations, first start and last end (availability)."""
    sub = observation_statement(selection).order_by(None).limit(None).offset(None).subquery()
    stmt = select(
        sub.c.series_pk,
        func.count().label("n"),
        func.min(sub.c.period_start).label("start"),
        func.max(sub.c.period_end).label("end"),
    ).group_by(sub.c.series_pk)
    return pd.DataFrame(conn.execute(stmt).all(), columns=["series_pk", "n", "start", "end"])


def has_observations(conn: Connection, selection: Selection) -> bool:
    stmt = observation_statement(selection).order_by(None).limit(1)
    return conn.execute(select(exists(stmt.subquery().select()))).scalar_one()


def compile_statement(conn: Connection, stmt: Select) -> tuple[str, object, list[str]]:
    """SQL text, driver parameters and column names of ``stmt`` (IN lists expanded)."""
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = dict(compiled.params)
    for name, bind in compiled.binds.items():  # the types' own conversions (SQLite dates)
        if name in params and params[name] is not None:
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                params[name] = process(params[name])
    if dialect.paramstyle in ("qmark", "numeric"):
        values: object = [params[name] for name in compiled.positiontup]
    else:
        values = params
    return str(compiled), values, [c.name for c in stmt.selected_columns]


def selection_batches(conn: Connection, selection: Selection) -> Iterator[pa.Table]:
    """The selection's observation versions as Arrow tables, a chunk at a time
    (``sqlite_arrow.CHUNK_ROWS`` rows, or about ``_COPY_BYTES`` of PostgreSQL's COPY
    text; its SQL compiled once, then reused)."""
    if selection.compiled is None:
        selection.compiled = compile_statement(
            conn, observation_statement(selection, for_fetch=True)
        )
    yield from fetch_batches(conn, selection.compiled)


def selection_rows(conn: Connection, selection: Selection) -> Iterator[pd.DataFrame]:
    """``selection_batches`` as DataFrames."""
    for table in selection_batches(conn, selection):
        yield _to_frame(table)


def iter_observation_rows(
    conn: Connection, statement: Select | tuple[str, object, list[str]]
) -> Iterator[pd.DataFrame]:
    """The statement's rows in DataFrame chunks (as ``fetch_batches`` reads them)."""
    for table in fetch_batches(conn, statement):
        yield _to_frame(table)


def _to_frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    if "attrset_pk" in frame.columns:
        frame["attrset_pk"] = frame["attrset_pk"].where(frame["attrset_pk"] >= 0)
    return frame


def fetch_batches(
    conn: Connection, statement: Select | tuple[str, object, list[str]]
) -> Iterator[pa.Table]:
    """The rows of ``statement`` as Arrow tables, never one Python object per row.

    PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, parsed by Arrow a few MiB at
    a time. SQLite: an Arrow-native driver (ADBC) on a file database, else the
    standard module's rows turned into columns. Columns are normalised: ``value``
    null where ``value_null`` says so, ``value_text`` null for none, ``deleted``
    boolean, ``attrset_pk`` -1 for none.
    """
    if not isinstance(statement, tuple):
        statement = compile_statement(conn, statement)
    if conn.dialect.name == "postgresql":
        tables = _copy_out(conn, statement)
    else:
        tables = sqlite_batches(conn, statement, _OBS_TYPES)
    for table in tables:
        yield _normalised(table)


_OBS_TYPES = {
    "series_pk": pa.int64(),
    "period": pa.string(),
    "period_start": pa.int64(),
    "period_end": pa.int64(),
    "value": pa.float64(),
    "value_null": pa.bool_(),
    "value_text": pa.string(),
    "attrset_pk": pa.int64(),
    "deleted": pa.bool_(),
    "created_load": pa.int64(),
}


def _normalised(table: pa.Table) -> pa.Table:
    names = table.column_names
    if "value_null" in names:
        missing = table["value_null"].cast(pa.bool_())
        value = pc.if_else(missing, pa.scalar(None, pa.float64()), table["value"])
        table = table.set_column(names.index("value"), "value", value)
        table = table.drop_columns(["value_null"])
        names = table.column_names
    if "value_text" in names:
        text_col = table["value_text"].cast(pa.string())
        if text_col.null_count < len(text_col):
            text_col = pc.if_else(pc.equal(text_col, ""), pa.scalar(None, pa.string()), text_col)
        table = table.set_column(names.index("value_text"), "value_text", text_col)
    if "deleted" in names:
        table = table.set_column(
            names.index("deleted"), "deleted", table["deleted"].cast(pa.bool_())
        )
    if "attrset_pk" in names:
        pks = pc.fill_null(table["attrset_pk"].cast(pa.int64()), -1)
        table = table.set_column(names.index("attrset_pk"), "attrset_pk", pks)
    return table


def _raw_execute(conn: Connection, stmt: Select):
    """A DBAPI cursor on ``stmt`` (plain tuples: no Row objects on the hot path)."""
    sql, values, _ = compile_statement(conn, stmt)
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(sql, values)
    return cursor


def _copy_out(conn: Connection, statement: tuple[str, object, list[str]]) -> Iterator[pa.Table]:
    """PostgreSQL: COPY (query) TO STDOUT as CSV, parsed by Arrow a few MiB at a time."""
    sql, params, names = statement
    raw = conn.connection.driver_connection
    options = pacsv.ConvertOptions(
        column_types={n: _OBS_TYPES[n] for n in names if n in _OBS_TYPES},
        strings_can_be_null=True,
        true_values=["t", "1"],
        false_values=["f", "0"],
    )
    read = pacsv.ReadOptions(column_names=names, block_size=_COPY_BYTES * 2)
    blocks: list[bytes] = []
    size = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for block in copy:
            blocks.append(bytes(block))
            size += len(block)
            if size < _COPY_BYTES:
                continue
            data = b"".join(blocks)
            cut = data.rfind(b"\n") + 1
            blocks, size = [data[cut:]], len(data) - cut
            yield pacsv.read_csv(io.BytesIO(data[:cut]), read_options=read, convert_options=options)
    data = b"".join(blocks)
    if data:
        yield pacsv.read_csv(io.BytesIO(data), read_options=read, convert_options=options)


# -- attribute sets ------------------------------------------------------------------------


class AttributeSets:
    """Attribute sets of a dataflow by number; immutable rows, so a process caches them."""

    def __init__(self) -> None:
        self._content: dict[int, dict[str, str]] = {}
        #: Categories of an attribute's column, by their values: made once (pandas
        #: checks new categories at some cost, every chunk of every answer).
        self._dtypes: dict[tuple[str, ...], pd.CategoricalDtype] = {}

    def load(self, conn: Connection, pks: np.ndarray) -> None:
        missing = [int(pk) for pk in np.unique(pks) if pk >= 0 and int(pk) not in self._content]
        for start in range(0, len(missing), 1000):
            part = missing[start : start + 1000]
            rows = conn.execute(
                select(data_attrsets.c.pk, data_attrsets.c.content).where(
                    data_attrsets.c.pk.in_(part)
                )
            ).all()
            for pk, content in rows:
                self._content[int(pk)] = json.loads(content)

    def value(self, pk: int, name: str) -> str | None:
        """One attribute's value in one loaded set (None without it): for a few rows."""
        return self._content[pk].get(name) if pk >= 0 else None

    def columns(self, pks: np.ndarray, names: tuple[str, ...]) -> dict[str, pd.Categorical]:
        """One categorical column per attribute name for rows with attribute sets ``pks``."""
        distinct = np.unique(pks[pks >= 0])
        index = pd.Index(distinct)
        positions = index.get_indexer(pks)
        out = {}
        for name in names:
            values = [self._content[int(pk)].get(name) for pk in distinct]
            if not any(v is not None for v in values):
                continue
            cats = sorted({v for v in values if v is not None})
            code_of = {v: i for i, v in enumerate(cats)}
            per_set = np.array([code_of.get(v, -1) if v is not None else -1 for v in values])
            per_set = np.append(per_set, -1)  # position -1 -> missing
            codes = per_set[positions]
            dtype = self._dtypes.get(tuple(cats))
            if dtype is None:
                dtype = self._dtypes[tuple(cats)] = pd.CategoricalDtype(cats)
            out[name] = pd.Categorical.from_codes(codes, dtype=dtype)
        return out


def load_times(conn: Connection, flow_pk: int) -> dict[int, datetime]:
    """When each load of a dataflow happened (history data sets' validFromDate)."""
    rows = conn.execute(
        select(data_loads.c.pk, data_loads.c.at).where(data_loads.c.flow_pk == flow_pk)
    ).all()
    return {int(pk): _aware(at).astimezone(UTC) for pk, at in rows}
