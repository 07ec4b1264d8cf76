"""What every check sees: the frame, its layout, the rules, the provider.

Column encodings (integer codes per column, dense key ids over several
columns) are computed once and shared, so twenty checks over a million rows
factorize each column a single time. Locations and series keys are built
only for the few rows that become examples.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from mosy_sdmx.categoricals import combine_codes, rows_where
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import Location
from mosy_sdmx.structures.layout import ComponentLayout
from mosy_sdmx.structures.rules import ValidationRules
from mosy_sdmx.validation.report import IssueCollector


class SkipCheck(Exception):
    """Raised by a check whose inputs are absent; the reason goes into the stats."""


@dataclass(slots=True)
class Encoded:
    """A column as integer codes (-1 = empty) over its distinct values."""

    codes: np.ndarray
    values: pd.Index

    def mask_in(self, allowed: set[str] | frozenset[str]) -> np.ndarray:
        """Rows whose value is in ``allowed`` (one isin over the distinct values)."""
        return rows_where(self.codes, np.asarray(self.values.isin(list(allowed)), dtype=bool))

    def mask_outside(self, allowed: set[str] | frozenset[str]) -> np.ndarray:
        """Rows with a value that is not in ``allowed`` (an empty row is in neither)."""
        return rows_where(self.codes, ~np.asarray(self.values.isin(list(allowed)), dtype=bool))

    def value_at(self, row: int) -> Any:
        c = self.codes[row]
        return None if c < 0 else self.values[c]


@dataclass
class ValidationContext:
    dataset: Dataset
    layout: ComponentLayout
    rules: ValidationRules
    collector: IssueCollector
    structures: Any = None  # StructureSet | None
    provider: str | None = None
    previous: Dataset | None = None
    _enc: dict[str, Encoded] = field(default_factory=dict, repr=False)
    _keys: dict[tuple[str, ...], tuple[np.ndarray, int]] = field(default_factory=dict, repr=False)
    #: Rows already reported per component (boolean masks), so later checks skip them.
    flagged: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: Results shared between checks (e.g. the measure as floats).
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    provider_unknown: bool = False

    # -- the data --------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return self.dataset.data

    @cached_property
    def n(self) -> int:
        return len(self.dataset.data)

    def has(self, *columns: str) -> bool:
        return all(c in self.frame.columns for c in columns)

    def require(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            raise SkipCheck(f"column {', '.join(missing)} missing")

    def encoded(self, column: str) -> Encoded:
        """The column as codes over its distinct values (categoricals reuse theirs)."""
        if column not in self._enc:
            s = self.frame[column]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cats = s.cat.categories
                codes = s.cat.codes.to_numpy().astype(np.int32, copy=False)
                values = pd.Index(cats.astype(str)) if len(cats) else pd.Index([], dtype=object)
                # Blank strings count as empty, as readers may keep them as a category.
                blank = np.asarray(values.str.strip() == "", dtype=bool) if len(values) else None
                if blank is not None and blank.any():
                    codes = np.where(rows_where(codes, blank), -1, codes)
            else:
                codes, uniques = pd.factorize(s, use_na_sentinel=True)
                values = pd.Index(uniques)
                if len(values) and values.dtype == object:
                    as_str = values.astype(str)
                    blank = np.asarray(as_str.str.strip() == "", dtype=bool)
                    if blank.any():
                        codes = np.where(rows_where(codes, blank), -1, codes)
                    values = pd.Index(as_str)
                codes = codes.astype(np.int32, copy=False)
            self._enc[column] = Encoded(codes, values)
        return self._enc[column]

    def empty(self, column: str) -> np.ndarray:
        return self.encoded(column).codes < 0

    def radix_key(self, columns: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]] | None:
        """One int64 per row encoding ``columns`` (mixed radix), and each column's weight.

        Not dense, but cheap: the key without one column is ``key - (code + 1) * weight``,
        so every additive group gets its "other components" key by one subtraction.
        None when the radix product would overflow int64.
        """
        cache_key = ("radix", columns)
        if cache_key not in self.cache:
            sizes = [len(self.encoded(c).values) + 1 for c in columns]
            if float(np.prod(np.array(sizes, dtype=np.float64))) >= 2.0**62:
                self.cache[cache_key] = None
            else:
                key = np.zeros(self.n, dtype=np.int64)
                weights: dict[str, int] = {}
                weight = 1
                for col, size in zip(reversed(columns), reversed(sizes), strict=True):
                    key += (self.encoded(col).codes.astype(np.int64) + 1) * weight
                    weights[col] = weight
                    weight *= size
                self.cache[cache_key] = (key, weights)
        return self.cache[cache_key]

    def others_key(self, dimension: str, extra: tuple[str, ...] = ()) -> np.ndarray:
        """A (sparse) int64 key of the observation key without ``dimension``, plus ``extra``.

        Equal keys mean equal values in every other key column; factorize the rows you need.
        """
        cols = tuple(c for c in self.layout.key_columns() if c in self.frame.columns)
        cols += tuple(c for c in extra if c in self.frame.columns and c not in cols)
        radix = self.radix_key(cols)
        if radix is None:
            return self.key_ids([c for c in cols if c != dimension])[0]
        key, weights = radix
        if dimension not in weights:
            return key
        return key - (self.encoded(dimension).codes.astype(np.int64) + 1) * weights[dimension]

    def key_ids(self, columns: tuple[str, ...] | list[str]) -> tuple[np.ndarray, int]:
        """Dense int ids (0..k-1) of the value combinations of ``columns``."""
        columns = tuple(columns)
        if columns not in self._keys:
            self._keys[columns] = combine_codes(
                [(self.encoded(c).codes, len(self.encoded(c).values)) for c in columns], self.n
            )
        return self._keys[columns]

    def flag(self, component: str, rows: np.ndarray) -> None:
        """Remember rows reported for ``component`` so later checks skip them."""
        if rows.size:
            mask = self.flagged.setdefault(component, np.zeros(self.n, dtype=bool))
            mask[rows] = True

    def unflagged(self, component: str, mask: np.ndarray) -> np.ndarray:
        """Row numbers of ``mask`` not yet reported for ``component``."""
        done = self.flagged.get(component)
        return np.flatnonzero(mask if done is None else mask & ~done)

    def mask_where(self, condition: dict[str, frozenset[str]]) -> np.ndarray | None:
        """Rows where every component holds one of its codes; None if a column is absent."""
        mask = np.ones(self.n, dtype=bool)
        for comp, codes in condition.items():
            if comp not in self.frame.columns:
                if comp in self.dataset.attributes:
                    if str(self.dataset.attributes[comp]) not in codes:
                        return np.zeros(self.n, dtype=bool)
                    continue
                return None
            mask &= self.encoded(comp).mask_in(codes)
        return mask

    # -- the structure ---------------------------------------------------
    @property
    def dimensions(self) -> tuple[str, ...]:
        return self.layout.dimensions

    @property
    def time(self) -> str | None:
        return self.layout.time_dimension

    @property
    def flow_id(self) -> str:
        return self.layout.flow_id or self.dataset.structure_id or self.layout.dsd_id

    @property
    def is_thb(self) -> bool:
        return self.layout.agency in self.rules.thb_agencies

    def applies_to_flow(self, patterns: tuple[str, ...]) -> bool:
        return not patterns or any(fnmatch.fnmatchcase(self.flow_id, p) for p in patterns)

    def allowed_codes(self, provider: str | None = None) -> dict[str, frozenset[str]]:
        """Content-constraint codes of the flow (and provider); empty when unknown."""
        method = getattr(self.structures, "allowed_codes", None)
        if method is None or self.layout.flow_id is None:
            return {}
        return dict(method(self.layout.flow_id, provider) or {})

    def provider_fact(self, name: str) -> str | None:
        """``country`` or ``type`` of the provider (StructureSet API, then annotations)."""
        if self.provider is None or self.structures is None:
            return None
        method = getattr(self.structures, f"provider_{name}", None)
        if method is not None:
            return method(self.provider)
        annotation = {"country": "COUNTRY", "type": "PROVIDER_TYPE"}[name]
        return self.structures.provider_annotation(self.provider, annotation)

    def code_label(self, component: str, code: str) -> str | None:
        """The English name of a code, for suggestions; None when unknown."""
        comp = self.layout.components.get(component)
        if self.structures is None or comp is None or not comp.codelist:
            return None
        try:
            cl = self.structures.codelist(comp.codelist)
            name = cl[code].name
            return str(name.localized_default("en")) if name is not None else None
        except Exception:
            return None

    # -- locations -------------------------------------------------------
    def series_key(self, row: int) -> str:
        parts = []
        for d in self.dimensions:
            v = self.encoded(d).value_at(row) if d in self.frame.columns else None
            parts.append("" if v is None else str(v))
        return ".".join(parts)

    def period(self, row: int) -> str | None:
        if self.time and self.time in self.frame.columns:
            v = self.encoded(self.time).value_at(row)
            return None if v is None else str(v)
        return None

    def position(self, row: int, component: str | None = None) -> dict[str, Any]:
        """Source position of a frame row: XML line, CSV row, or sheet, row and cell.

        Rows are 1-based; a sheet's rows are Excel's row numbers. The cell is
        given when ``component`` has a column in the sheet.
        """
        ds = self.dataset
        number: int | None = None
        if ds.source_lines is not None and row < len(ds.source_lines):
            number = int(ds.source_lines.iloc[row])
            if ds.source_sheet is None:
                return {"line": number}
        elif ds.row_offset is not None:
            number = int(ds.row_offset) + row
        if ds.source_sheet is None:
            return {"row": row + 1 if number is None else number}
        if number is None:
            return {"sheet": ds.source_sheet}
        letter = (ds.source_columns or {}).get(component) if component else None
        cell = {"cell": f"{letter}{number}"} if letter else {}
        return {"sheet": ds.source_sheet, "row": number, **cell}

    def location(
        self, row: int, component: str | None = None, *, whole_row: bool = False
    ) -> Location:
        """Where a row's problem sits; ``whole_row`` for issues of the entire row (no cell)."""
        return Location(
            source=self.dataset.source,
            component=component,
            series_key=self.series_key(row),
            period=self.period(row),
            **self.position(row, None if whole_row else component),
        )
