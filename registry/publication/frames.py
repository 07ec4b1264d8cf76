"""Current observations of one provider in one dataflow, as the frame the library reads.

Publication reads what it protects straight from the observation store: the
current versions (tombstones left out) of the provider's series in the
sub-tables a release touched, with their attribute sets spelt out as
columns. Rows come as Arrow columns (``data_queries.fetch_batches``: COPY on
PostgreSQL, chunks on SQLite); keys are taken from the series by position,
so nothing here builds a Python object per observation.

Row order matters: secondary suppression breaks ties by row, so the frame
``protect`` gets comes in one stated order on every database (by series
number, then period), the order SQLite's plan used to give.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Float, String, case, func, literal, select, text

from mosy_sdmx.disclosure.scope import in_tables
from mosy_sdmx.structures.layout import ComponentLayout
from registry.db.tables import DIMENSION_COLUMNS, data_series, observations
from registry.store.data_queries import AttributeSets, fetch_batches
from registry.store.observations import FlowRef, flow_pk

#: Up to this many periods, only the touched periods' rows are read.
PERIOD_LIST = 500


def series_frame(
    conn: Connection, fpk: int, provider: str | None, layout: ComponentLayout
) -> pd.DataFrame:
    """The provider's series (every provider's for None): ``pk`` and one column per dimension.

    One row per series, not per observation; in series number order.
    """
    dims = list(layout.dimensions)
    slots = [data_series.c[DIMENSION_COLUMNS[i]] for i in range(len(dims))]
    statement = select(data_series.c.pk, *slots).where(data_series.c.flow_pk == fpk)
    if provider is not None:
        statement = statement.where(data_series.c.provider == provider)
    rows = conn.execute(statement.order_by(data_series.c.pk)).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * (1 + len(dims))
    frame = pd.DataFrame(
        {
            "pk": np.asarray(columns[0], dtype=np.int64),
            **{
                dim: np.asarray(values, dtype=object)
                for dim, values in zip(dims, columns[1:], strict=True)
            },
        }
    )
    return frame


def touched_tables(
    conn: Connection, load_pk: int, layout: ComponentLayout, columns: list[str]
) -> pd.DataFrame:
    """The sub-tables (values of ``columns``) a load wrote a version in, deletions included.

    Worked out by the database from the load's row range: one row per
    sub-table comes back, in the order the load first wrote into each.
    """
    dims = list(layout.dimensions)
    selected = []
    for column in columns:
        if column == layout.time_dimension:
            selected.append("o.period")
        else:
            selected.append(f"s.{DIMENSION_COLUMNS[dims.index(column)]}")
    if not selected:  # nothing splits the data: one table, if the load wrote anything
        return pd.DataFrame(index=range(1 if _wrote(conn, load_pk) else 0))
    names = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(selected))
    grouped = ", ".join(f"c{i}" for i in range(len(selected)))
    sql = (
        f"SELECT {names}, min(o.pk) AS first_pk FROM data_loads l JOIN observations o "
        "ON o.pk BETWEEN l.first_obs AND l.last_obs JOIN data_series s ON s.pk = o.series_pk "
        f"WHERE l.pk = :load AND o.created_load = :load GROUP BY {grouped} ORDER BY first_pk"
    )
    rows = conn.execute(text(sql), {"load": load_pk}).all()
    values = list(zip(*rows, strict=True))[: len(columns)] if rows else [()] * len(columns)
    return pd.DataFrame(
        {
            column: pd.array(np.asarray(v, dtype=object), dtype="str")
            for column, v in zip(columns, values, strict=True)
        }
    )


def _wrote(conn: Connection, load_pk: int) -> bool:
    sql = "SELECT first_obs FROM data_loads WHERE pk = :load"
    return conn.execute(text(sql), {"load": load_pk}).scalar() is not None


def _statement(
    dialect: str, fpk: int, provider: str | None, pks: np.ndarray | None, periods: list[str]
):
    """The current versions of the series ``pks`` (None: all of the provider's), as Arrow reads."""
    o = observations.c
    columns = [
        o.series_pk,
        o.period,
        o.period_start,
        func.coalesce(o.value, literal(0.0, Float)).label("value"),
        case((o.value.is_(None), 1), else_=0).label("value_null"),
        func.coalesce(o.value_text, literal("", String)).label("value_text"),
        func.coalesce(o.attrset_pk, -1).label("attrset_pk"),
    ]
    statement = select(*columns).where(o.replaced_load.is_(None), o.deleted.is_(False))
    if pks is None:
        series = select(data_series.c.pk).where(data_series.c.flow_pk == fpk)
        if provider is not None:
            series = series.where(data_series.c.provider == provider)
        statement = statement.where(o.series_pk.in_(series.scalar_subquery()))
    else:
        statement = statement.where(_series_in(dialect, pks))
    if periods:
        statement = statement.where(o.period.in_(periods))
    return statement


def _series_in(dialect: str, pks: np.ndarray):
    """``series_pk`` in a list of any length, as one parameter (JSON or array text)."""
    listed = ",".join(str(int(pk)) for pk in pks)
    if dialect == "sqlite":
        sql = "observations.series_pk IN (SELECT value FROM json_each(:series_pks))"
        return text(sql).bindparams(series_pks=f"[{listed}]")
    sql = "observations.series_pk = ANY(CAST(:series_pks AS bigint[]))"
    return text(sql).bindparams(series_pks=f"{{{listed}}}")


def _rows(conn: Connection, statement) -> pa.Table | None:
    tables = [t for t in fetch_batches(conn, statement) if t.num_rows]
    return pa.concat_tables(tables) if tables else None


def _text(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """Arrow strings as pandas' text column, without a Python string per row."""
    return pd.array(values, dtype="str")


def _in_order(rows: pa.Table) -> np.ndarray:
    """Row order: by series number, period start and period."""
    period_codes = pd.factorize(rows["period"].to_numpy(zero_copy_only=False), sort=True)[0]
    return np.lexsort((period_codes, rows["period_start"].to_numpy(), rows["series_pk"].to_numpy()))


def current_frame(
    conn: Connection,
    flow: FlowRef,
    provider: str | None,
    layout: ComponentLayout,
    tables: pd.DataFrame | None = None,
    *,
    series_filter: Callable[[pd.DataFrame], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Current observations of ``provider`` in ``flow`` (only ``tables`` when given).

    ``provider`` None reads every provider's; ``series_filter`` (a mask over
    the series keys) reads only the series it keeps.

    Columns: the dimensions, the time dimension, the primary measure (numbers
    as floats, other values as text) and every attribute the data carries.
    """
    dims = list(layout.dimensions)
    time, measure = layout.time_dimension, layout.primary_measure
    empty = pd.DataFrame(columns=[*dims, time, measure])
    fpk = flow_pk(conn, flow)
    if fpk is None:
        return empty
    series = series_frame(conn, fpk, provider, layout)
    every = len(series)
    if tables is not None:
        on_dims = [c for c in tables.columns if c in dims]
        if on_dims:
            series = series[in_tables(series, tables[on_dims].drop_duplicates())]
    if series_filter is not None and len(series):
        series = series[series_filter(series[dims])]
    if series.empty:
        return empty
    pks = series["pk"].to_numpy(dtype=np.int64)
    periods = sorted(set(tables[time].astype(str))) if tables is not None and time in tables else []
    if len(periods) > PERIOD_LIST:
        periods = []
    selected = None if len(series) == every else pks
    rows = _rows(conn, _statement(conn.dialect.name, fpk, provider, selected, periods))
    if rows is None:
        return empty
    rows = rows.take(pa.array(_in_order(rows)))
    position = pd.Index(pks).get_indexer(rows["series_pk"].to_numpy())
    taken = pa.array(position)
    frame: dict[str, object] = {
        dim: _text(pa.array(series[dim].to_numpy(dtype=object), pa.string()).take(taken))
        for dim in dims
    }
    frame[time] = _text(rows["period"])
    value = rows["value"].to_numpy(zero_copy_only=False).astype(np.float64)  # null: NaN
    texts = rows["value_text"]
    if texts.null_count < len(texts):
        text_values = texts.to_numpy(zero_copy_only=False)
        frame[measure] = np.where(pd.notna(text_values), text_values, value)
    else:
        frame[measure] = value
    sets = AttributeSets()
    attrset_pks = rows["attrset_pk"].to_numpy(zero_copy_only=False).astype(np.int64)
    sets.load(conn, attrset_pks)
    for name, column in sets.columns(attrset_pks, tuple(layout.attributes)).items():
        frame[name] = _text(pa.array(column).cast(pa.string()))
    out = pd.DataFrame(frame)
    if tables is not None:
        out = out[in_tables(out, tables)].reset_index(drop=True)
    return out
