"""Current observations of one provider in one dataflow, as the frame the library reads.

Publication reads what it protects straight from the observation store: the
current versions (tombstones left out) of the provider's series in the
sub-tables a release touched, with their attribute sets spelt out as
columns. Nothing here builds a Python object per observation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, select, text

from mosy_sdmx.disclosure.scope import in_tables
from mosy_sdmx.structures.layout import ComponentLayout
from registry.db.tables import DIMENSION_COLUMNS, data_series
from registry.store.data_queries import AttributeSets
from registry.store.observations import FlowRef, flow_pk

_OBSERVATIONS = (
    "SELECT o.series_pk, o.period, o.value, o.value_text, o.attrset_pk FROM observations o "
    "WHERE o.replaced_load IS NULL AND NOT o.deleted AND o.series_pk IN ({series})"
)
#: The rows a load wrote, through its row range (the primary key), then its number.
_TOUCHED = (
    "SELECT DISTINCT o.series_pk, o.period FROM data_loads l JOIN observations o "
    "ON o.pk BETWEEN l.first_obs AND l.last_obs WHERE l.pk = :load AND o.created_load = :load"
)
_CHUNK = 500


def _frame(rows: list, columns: list[str] | None = None) -> pd.DataFrame:
    """Result rows as a frame, through plain tuples.

    pandas probes every row it is given for dataclass fields; on a SQLAlchemy
    ``Row`` each probe raises and catches a KeyError (2 s per 100k rows).
    """
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def series_frame(
    conn: Connection, fpk: int, provider: str | None, layout: ComponentLayout
) -> pd.DataFrame:
    """The provider's series (every provider's for None): ``pk`` and one column per dimension."""
    dims = list(layout.dimensions)
    columns = [data_series.c.pk] + [data_series.c[DIMENSION_COLUMNS[i]] for i in range(len(dims))]
    statement = select(*columns).where(data_series.c.flow_pk == fpk)
    if provider is not None:
        statement = statement.where(data_series.c.provider == provider)
    return _frame(conn.execute(statement).all(), ["pk", *dims])


def touched_rows(conn: Connection, load_pk: int, fpk: int, provider: str, layout: ComponentLayout):
    """Key columns of every observation a load wrote a version of (deletions included)."""
    rows = _frame(conn.execute(text(_TOUCHED), {"load": load_pk}).all())
    series = series_frame(conn, fpk, provider, layout)
    if rows.empty:
        return pd.DataFrame(columns=layout.key_columns())
    rows.columns = ["series_pk", layout.time_dimension]
    merged = rows.merge(series, left_on="series_pk", right_on="pk")
    return merged[layout.key_columns()].reset_index(drop=True)


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
    if tables is not None:
        on_dims = [c for c in tables.columns if c in dims]
        if on_dims:
            series = series[in_tables(series, tables[on_dims].drop_duplicates())]
    if series_filter is not None and len(series):
        series = series[series_filter(series[dims])]
    if series.empty:
        return empty
    pks = series["pk"].to_numpy(dtype=np.int64)
    sql, params = _OBSERVATIONS, {}
    periods = sorted(set(tables[time].astype(str))) if tables is not None and time in tables else []
    if 0 < len(periods) <= _CHUNK:  # a revision of a few periods reads only those
        sql += " AND o.period IN :periods"
        params["periods"] = periods
    parts = []
    for start in range(0, len(pks), _CHUNK):
        chunk = ",".join(str(int(pk)) for pk in pks[start : start + _CHUNK])
        statement = text(sql.format(series=chunk))
        if params:
            statement = statement.bindparams(bindparam("periods", expanding=True))
        result = conn.execute(statement, params)
        parts.append(_frame(result.all(), list(result.keys())))
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        return empty
    index = pd.Index(series["pk"].to_numpy())
    positions = index.get_indexer(rows["series_pk"].to_numpy())
    frame: dict[str, object] = {dim: series[dim].to_numpy(dtype=object)[positions] for dim in dims}
    frame[time] = rows["period"].to_numpy(dtype=object)
    values = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=np.float64)
    texts = rows["value_text"]
    frame[measure] = (
        np.where(texts.notna(), texts.to_numpy(dtype=object), values)
        if texts.notna().any()
        else values
    )
    sets = AttributeSets()
    attrset = pd.to_numeric(rows["attrset_pk"], errors="coerce").fillna(-1).astype(np.int64)
    attrset_pks = attrset.to_numpy()
    sets.load(conn, attrset_pks)
    for name, column in sets.columns(attrset_pks, tuple(layout.attributes)).items():
        values = np.asarray(column.astype(object), dtype=object)
        values[pd.isna(values)] = None
        frame[name] = values
    out = pd.DataFrame(frame)
    if tables is not None:
        out = out[in_tables(out, tables)].reset_index(drop=True)
    return out
