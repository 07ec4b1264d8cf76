"""Series keys as integer codes, kept per process: observations find their key with numpy.

``data_series`` is append-only: a series, once numbered, keeps its key for
ever. So a process may keep, per dataflow, the series numbers it has met
with their codes as small integers per dimension (categoricals), and turn a
chunk's ``series_pk`` column into key columns without a join or a Python
object per row. It reads only series it has not met: a slice its own few (by
number), a whole dataflow all of them once. One ``SeriesKeys`` belongs to one
app (one database).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from registry.db.tables import DIMENSION_COLUMNS, data_series


@dataclass(frozen=True)
class FlowSeries:
    """One dataflow's series: sorted numbers, and per dimension codes into categories."""

    pks: np.ndarray  # int64, ascending
    codes: dict[str, np.ndarray]  # dimension -> int32 code per series (-1: none)
    dtypes: dict[str, pd.CategoricalDtype]
    providers: np.ndarray  # int32 code per series into provider_dtype
    provider_dtype: pd.CategoricalDtype

    def positions(self, series_pks: np.ndarray) -> np.ndarray:
        """Row of each series number (-1 where unknown)."""
        pos = np.searchsorted(self.pks, series_pks)
        pos = np.minimum(pos, max(len(self.pks) - 1, 0))
        if not len(self.pks):
            return np.full(len(series_pks), -1, dtype=np.int64)
        return np.where(self.pks[pos] == series_pks, pos, -1)

    def key_columns(self, positions: np.ndarray, dims: list[str]) -> dict[str, pd.Categorical]:
        return {
            dim: pd.Categorical.from_codes(self.codes[dim][positions], dtype=self.dtypes[dim])
            for dim in dims
        }


#: Up to this many unknown series are read by number; more, by range.
BY_NUMBER = 2000


class SeriesKeys:
    """Per dataflow, the series this process knows; refreshed only for unknown numbers."""

    def __init__(self) -> None:
        self._flows: dict[tuple[int, tuple[str, ...]], FlowSeries] = {}
        self._lock = threading.Lock()

    def of(
        self, conn: Connection, flow_pk: int, dims: list[str], series_pks: np.ndarray
    ) -> tuple[FlowSeries, np.ndarray]:
        """The dataflow's series and the positions of ``series_pks`` in them (all known)."""
        key = (flow_pk, tuple(dims))
        known = self._flows.get(key)
        if known is not None:
            positions = known.positions(series_pks)
            if not (positions < 0).any():
                return known, positions
        with self._lock:
            known = self._flows.get(key)
            missing = series_pks if known is None else series_pks[known.positions(series_pks) < 0]
            known = self._learn(conn, key, dims, np.unique(missing))
            positions = known.positions(series_pks)
        if (positions < 0).any():  # not this dataflow's: a bug upstream, never served
            raise LookupError("observations of series the dataflow does not hold")
        return known, positions

    def _learn(self, conn: Connection, key: tuple, dims: list[str], missing) -> FlowSeries:
        """Read the ``missing`` series (by number when few: a slice reads its own only)
        and add them: new codes extend the categories, known ones keep their number."""
        flow_pk = key[0]
        cols = [data_series.c[DIMENSION_COLUMNS[i]] for i in range(len(dims))]
        stmt = select(data_series.c.pk, data_series.c.provider, *cols).where(
            data_series.c.flow_pk == flow_pk
        )
        if len(missing) <= BY_NUMBER:
            stmt = stmt.where(data_series.c.pk.in_([int(pk) for pk in missing]))
        else:
            stmt = stmt.where(data_series.c.pk >= int(missing.min()))
        rows = conn.execute(stmt).all()
        old = self._flows.get(key)
        if old is not None and rows:
            seen = old.positions(np.array([r[0] for r in rows], dtype=np.int64)) >= 0
            rows = [r for r, known in zip(rows, seen, strict=True) if not known]
        if old is not None and not rows:
            return old
        fresh = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(dims))
        pks = np.asarray(fresh[0], dtype=np.int64)
        codes: dict[str, np.ndarray] = {}
        dtypes: dict[str, pd.CategoricalDtype] = {}
        names = ["provider", *dims]
        for i, name in enumerate(names):
            if old is None:
                before: list = []
            elif name == "provider":
                before = list(old.provider_dtype.categories)
            else:
                before = list(old.dtypes[name].categories)
            index = {c: n for n, c in enumerate(before)}
            known_categories = len(before)
            new_codes = np.empty(len(pks), dtype=np.int32)
            for j, value in enumerate(fresh[1 + i]):
                text = str(value)
                number = index.get(text)
                if number is None:
                    number = index[text] = len(before)
                    before.append(text)
                new_codes[j] = number
            known = (
                (old.providers if name == "provider" else old.codes[name])
                if old is not None
                else np.zeros(0, dtype=np.int32)
            )
            codes[name] = np.concatenate([known, new_codes])
            if old is not None and len(before) == known_categories:  # no new code: same dtype
                dtypes[name] = old.provider_dtype if name == "provider" else old.dtypes[name]
            else:
                dtypes[name] = pd.CategoricalDtype(pd.Index(before, dtype=object))
        all_pks = np.concatenate([old.pks, pks]) if old is not None else pks
        order = np.argsort(all_pks, kind="stable")
        self._flows[key] = FlowSeries(
            all_pks[order],
            {dim: codes[dim][order] for dim in dims},
            {dim: dtypes[dim] for dim in dims},
            codes["provider"][order],
            dtypes["provider"],
        )
        return self._flows[key]
