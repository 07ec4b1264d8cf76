"""Which rows must be protected together when only some keys changed.

``protect`` links cells only through the additive relations of ``rules.yaml``
(a total and its parts along one dimension, everything else equal), so a
table falls apart into independent sub-tables: rows that differ in a key
column no relation runs along (country, data source, frequency, period) never
share a relation. A publisher that received new values for a few keys
re-protects only the sub-tables holding them, with the same result as
protecting everything (the cells of other sub-tables neither hide nor reveal
them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.rules import DisclosureRules


def table_columns(key_columns: list[str], rules: DisclosureRules) -> list[str]:
    """Key columns no additive relation runs along: rows differing in one share no relation."""
    along = {group.dimension for group in rules.groups}
    return [column for column in key_columns if column not in along]


def tables_of(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The distinct sub-tables (values of ``columns``) that rows of ``frame`` belong to."""
    return frame[columns].astype(str).drop_duplicates().reset_index(drop=True)


def in_tables(frame: pd.DataFrame, tables: pd.DataFrame) -> np.ndarray:
    """Mask of the rows of ``frame`` that lie in one of ``tables`` (columns = sub-table key)."""
    columns = list(tables.columns)
    if len(frame) == 0 or len(tables) == 0:
        return np.zeros(len(frame), dtype=bool)
    if not columns:  # one table: every row belongs to it
        return np.ones(len(frame), dtype=bool)
    keys = pd.MultiIndex.from_frame(frame[columns].astype(str))
    wanted = pd.MultiIndex.from_frame(tables[columns].astype(str))
    return keys.isin(wanted)
