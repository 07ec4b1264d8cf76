"""Pages of a data selection for the portal's explorer: sorted, offset, counted.

The selection is the API's own (``data_queries.resolve`` of the same bound
query the SDMX REST URL parses to), so a page shows exactly what the
download links return. A page is one indexed query of at most ``limit``
rows; the count and the codes present are computed once per data revision
and query, and kept by ``ExplorerCache``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from registry.db.tables import DIMENSION_COLUMNS, data_series
from registry.store.data_queries import (
    Selection,
    compile_statement,
    count_observations,
    observation_statement,
)

TIME = "TIME_PERIOD"
VALUE = "OBS_VALUE"


def page_rows(
    conn: Connection,
    selection: Selection,
    *,
    sort: tuple[tuple[str, bool], ...] = (),
    offset: int = 0,
    limit: int = 50,
) -> pd.DataFrame:
    """Rows ``offset`` to ``offset + limit`` of the selection's observations.

    ``sort`` holds (component, descending) pairs: dimensions, ``TIME_PERIOD``
    or ``OBS_VALUE``; ties keep the series and period order. Columns:
    series_pk, period, value, value_text, attrset_pk.
    """
    sub = observation_statement(selection).order_by(None).limit(None).offset(None).subquery()
    dims = selection.bound.layout.dimensions
    columns: dict[str, Any] = {
        dim: data_series.c[DIMENSION_COLUMNS[i]] for i, dim in enumerate(dims)
    }
    columns[TIME] = sub.c.period_start
    columns[VALUE] = sub.c.value
    order = [columns[name].desc() if desc else columns[name].asc() for name, desc in sort]
    stmt = select(sub.c.series_pk, sub.c.period, sub.c.value, sub.c.value_text, sub.c.attrset_pk)
    if any(name in dims for name, _ in sort):
        stmt = stmt.join_from(sub, data_series, data_series.c.pk == sub.c.series_pk)
    stmt = stmt.order_by(*order, sub.c.series_pk, sub.c.period_start).limit(limit).offset(offset)
    sql, values, names = compile_statement(conn, stmt)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, values)
        return pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    finally:
        cursor.close()


def count_rows(conn: Connection, selection: Selection) -> int:
    return count_observations(conn, selection)


def codes_present(conn: Connection, flow_pk: int, dimensions: tuple[str, ...]) -> dict[str, list]:
    """The codes each dimension takes in the dataflow's stored series."""
    columns = [data_series.c[DIMENSION_COLUMNS[i]] for i in range(len(dimensions))]
    out = {}
    for dim, column in zip(dimensions, columns, strict=True):
        rows = conn.execute(
            select(column).where(data_series.c.flow_pk == flow_pk).distinct()
        ).scalars()
        out[dim] = sorted(code for code in rows if code is not None)
    return out


class ExplorerCache:
    """This process's counts and code lists, keyed by query and data revision (never stale)."""

    def __init__(self, size: int = 256) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value
