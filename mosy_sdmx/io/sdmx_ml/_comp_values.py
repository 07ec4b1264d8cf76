"""SDMX-ML 3.0 ``<Comp>`` values: several values and multilingual texts, kept as such.

A component that XML attributes cannot carry (a repeated value, a text in
several languages) is written as a child element::

    <Comp id="SOURCE_AGENCY"><Value>4F0</Value><Value>4D0</Value></Comp>
    <Comp id="TITLE"><Value><common:Text xml:lang="en">Rate</common:Text>
                            <common:Text xml:lang="fr">Taux</common:Text></Value></Comp>

``CompValue`` gathers one such element into the Dataset's cell form (see
``mosy_sdmx.dataset``): one plain value stays a string, several become a
tuple, a value made of texts a LocalisedText. Those rare cells do not go
through the string columns; ``ComplexCells`` keeps them by row and
``place`` writes them into the finished frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import LocalisedText, is_multi_value
from mosy_sdmx.io.sdmx_ml._read_header import XML_LANG


class CompValue:
    """The values of one ``<Comp>`` element, fed its ``Value``/``Text`` events."""

    __slots__ = ("_lang", "_texts", "component", "level", "values")

    def __init__(self, level: str, component: str) -> None:
        self.level = level
        self.component = component
        self.values: list[Any] = []
        self._texts: list[tuple[str, str]] | None = None
        self._lang = "en"

    def start(self, local: str, attrib) -> None:
        if local == "Value":
            self._texts = []
        elif local == "Text":
            self._lang = attrib.get(XML_LANG) or "en"

    def end(self, local: str, text: str) -> None:
        if local == "Text" and self._texts is not None:
            self._texts.append((self._lang, text))
        elif local == "Value":
            if self._texts:
                self.values.append(LocalisedText(self._texts))
            elif text.strip():
                self.values.append(text.strip())
            self._texts = None

    def result(self) -> Any:
        """None (no value), the one value, or a tuple of several."""
        if not self.values:
            return None
        return self.values[0] if len(self.values) == 1 else tuple(self.values)


class ComplexCells:
    """Multi-valued and multilingual cells by column and row, beside the string columns."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[int, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self.cells)

    def set(self, column: str, row: int, value: Any) -> None:
        self.cells.setdefault(column, {})[row] = value

    def clear(self) -> None:
        self.cells.clear()


def place(frame: pd.DataFrame, cells: ComplexCells, series_starts: list[int] | None = None) -> None:
    """Write the complex cells into ``frame`` in place (their columns become object columns).

    With ``series_starts`` the cells are keyed by series (index into the
    starts) and fill every observation of their series.
    """
    n = len(frame)
    owner = None
    if series_starts is not None:
        bounds = np.asarray([*series_starts, n], dtype=np.int64)
        owner = np.full(n, -1, dtype=np.int64)
        sizes = np.diff(bounds)
        owner[bounds[0] :] = np.repeat(np.arange(len(series_starts)), sizes)
    for column, by_key in cells.cells.items():
        values = (
            frame[column].astype(object).to_numpy(copy=True)
            if column in frame.columns
            else np.full(n, None, dtype=object)
        )
        if owner is None:
            for row, value in by_key.items():
                if row < n:
                    values[row] = value
        else:
            per_series = np.full(len(series_starts or ()) + 1, None, dtype=object)
            for index, value in by_key.items():
                per_series[index] = value
            taken = per_series[owner]
            given = np.fromiter((v is not None for v in taken), dtype=bool, count=n)
            values[given] = taken[given]
        if any(is_multi_value(v) for v in by_key.values()):
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
        else:  # plain values placed late stay a categorical column
            frame[column] = pd.Categorical(values)
