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
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, literal_column, select

from registry.db.tables import DIMENSION_COLUMNS, data_series, observations
from registry.store.data_queries import (
    Selection,
    compile_statement,
    count_observations,
    observation_conditions,
    observation_statement,
)

TIME = "TIME_PERIOD"
VALUE = "OBS_VALUE"


def count_rows(conn: Connection, selection: Selection) -> int:
    return count_observations(conn, selection)


def ordered_series(
    selection: Selection, counts: pd.DataFrame, sort: tuple[tuple[str, bool], ...]
) -> pd.DataFrame:
    """The selection's series that hold observations, in page order: by the ``sort``
    dimensions, then by series number; columns pk, n (observations), end (cumulated n)."""
    frame = selection.series[["pk", *[name for name, _ in sort]]].merge(
        counts[["series_pk", "n"]], left_on="pk", right_on="series_pk"
    )
    by = [name for name, _ in sort] + ["pk"]
    ascending = [not desc for _, desc in sort] + [True]
    frame = frame.sort_values(by, ascending=ascending, kind="stable")
    out = frame[["pk", "n"]].reset_index(drop=True)
    out["end"] = out["n"].cumsum()
    return out


#: Stands for the page's series in the compiled SQL, replaced by their numbers per page,
#: so that the statement is compiled once per selection, not once per page.
_MARKER = -987_654_321
_MARKER_SQL = f"(SELECT {_MARKER})"


def _series_page_statement(selection: Selection) -> Select:
    """The selection's current observations of some series (the marker), by period."""
    o = observations.c
    conditions = observation_conditions(
        selection.bound,
        selection.flow_pk,
        series=select(literal_column(str(_MARKER))),
        recent=selection.recent_loads,
    )
    return select(o.series_pk, o.period, o.period_start, o.value, o.value_text, o.attrset_pk).where(
        *conditions
    )


#: The columns of a page.
PAGE_COLUMNS = ["series_pk", "period", "value", "value_text", "attrset_pk"]


def _series_rows(
    conn: Connection, selection: Selection, series: Iterable[int], compiled: dict | None
) -> pd.DataFrame:
    """The selection's observations of ``series``: one indexed query, its SQL compiled
    once per selection (kept in ``compiled``) and given the series numbers per page."""
    key = ("series-page",)
    statement = compiled.get(key) if compiled is not None else None
    if statement is None:
        statement = compile_statement(conn, _series_page_statement(selection))
        if compiled is not None:
            compiled[key] = statement
    sql, values, names = statement
    # Series numbers read from the store, written as whole numbers: safe in the SQL.
    wanted = ",".join(str(int(pk)) for pk in series)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql.replace(_MARKER_SQL, f"({wanted})"), values)
        rows = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    finally:
        cursor.close()
    return rows.astype({"series_pk": np.int64, "period_start": np.int64})


def page_rows_by_series(
    conn: Connection,
    selection: Selection,
    order: pd.DataFrame,
    *,
    offset: int = 0,
    limit: int = 50,
    compiled: dict | None = None,
) -> pd.DataFrame:
    """A page when the order is by series (dimensions or none), then by period.

    ``order`` (``ordered_series``) tells which series hold rows ``offset`` to
    ``offset + limit``; only those series' observations are read, through the
    index on (series, period): the cost of a page does not grow with the data.
    """
    ends = order["end"].to_numpy()
    first = int(np.searchsorted(ends, offset, side="right"))
    last = int(np.searchsorted(ends, offset + limit, side="left"))
    chosen = order.iloc[first : last + 1]
    if chosen.empty:
        return pd.DataFrame(columns=PAGE_COLUMNS)
    rows = _series_rows(conn, selection, chosen["pk"], compiled)
    rank = pd.Series(np.arange(len(chosen)), index=chosen["pk"].to_numpy())
    rows["_rank"] = rank.reindex(rows["series_pk"].to_numpy()).to_numpy()
    rows = rows.sort_values(["_rank", "period_start"], kind="stable").reset_index(drop=True)
    skip = offset - (int(ends[first - 1]) if first > 0 else 0)
    page = rows.iloc[skip : skip + limit]
    return page[PAGE_COLUMNS].reset_index(drop=True)


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


def observation_order(
    conn: Connection, selection: Selection, sort: tuple[tuple[str, bool], ...]
) -> pd.DataFrame:
    """Every selected observation's (series_pk, period_start), in the order of ``sort``
    (``TIME_PERIOD`` or ``OBS_VALUE``): read once per query and data revision, so that
    each page of a sort across series reads only its own rows."""
    sub = observation_statement(selection).order_by(None).limit(None).offset(None).subquery()
    columns = {TIME: sub.c.period_start, VALUE: sub.c.value}
    order = [columns[name].desc() if desc else columns[name].asc() for name, desc in sort]
    stmt = select(sub.c.series_pk, sub.c.period_start).order_by(
        *order, sub.c.series_pk, sub.c.period_start
    )
    sql, values, names = compile_statement(conn, stmt)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, values)
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    finally:
        cursor.close()
    return frame.astype({"series_pk": np.int64, "period_start": np.int64})


def page_rows_in_order(
    conn: Connection,
    selection: Selection,
    order: pd.DataFrame,
    *,
    offset: int = 0,
    limit: int = 50,
    compiled: dict | None = None,
) -> pd.DataFrame:
    """A page of an ``observation_order``: its rows read by series, put in that order."""
    wanted = order.iloc[offset : offset + limit]
    if wanted.empty:
        return pd.DataFrame(columns=PAGE_COLUMNS)
    rows = _series_rows(conn, selection, pd.unique(wanted["series_pk"]), compiled)
    page = wanted.reset_index(drop=True).merge(rows, on=["series_pk", "period_start"], how="left")
    return page[PAGE_COLUMNS]


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
