"""The validation report and the collector checks write into.

Checks hand the collector whole arrays of offending row numbers; it keeps the
exact count per code, renders messages only for the first ``max_examples``
rows of each code, and (when asked, for the annotated CSV) keeps the row
arrays themselves. Memory is bounded by the examples, not by the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mosy_sdmx.exceptions import Location
from mosy_sdmx.structures.layout import ComponentLayout
from mosy_sdmx.validation.issues import ISSUE_TYPES, Severity

Fields = dict[str, Any]
#: Gives template fields and a Location for one example row.
Describe = Callable[[int], tuple[Fields, Location]]


#: Facts an Issue keeps as its own fields; the others go to ``Issue.facts``.
_OWN_FIELDS = ("component", "value", "expected", "first", "first_observation")


@dataclass(frozen=True, slots=True)
class Issue:
    """One reported occurrence (an example; counts live in ``Report.stats``).

    The facts are fields, and the message is rendered from them with the
    code's template (``issues.py``): nothing is ever parsed back out of a
    message. ``facts`` holds the code's other template fields (codelist,
    provider, totals, ...).
    """

    code: str
    severity: Severity
    location: Location = field(default_factory=Location)
    component: str | None = None
    value: Any = None
    expected: str | None = None
    #: Where the first occurrence of a repeat is, when the input keeps positions.
    first: Location | None = None
    #: 1-based ordinal of the first occurrence among the observations.
    first_observation: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    #: The frame row of the example, so a file reader can add its position later.
    row: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_fields(
        cls, code: str, fields: Fields, location: Location | None = None, row: int | None = None
    ) -> Issue:
        """An issue of ``code`` from a check's template fields."""
        own = {k: fields[k] for k in _OWN_FIELDS if fields.get(k) is not None}
        facts = {k: v for k, v in fields.items() if k not in _OWN_FIELDS}
        severity = ISSUE_TYPES[code].severity
        return cls(code, severity, location or Location(), facts=facts, row=row, **own)

    @property
    def first_row(self) -> int | None:
        """The frame row of the first occurrence (None if not a repeat)."""
        return None if self.first_observation is None else self.first_observation - 1

    @property
    def message(self) -> str:
        fields = dict(self.facts)
        for name in ("component", "value", "expected"):
            if getattr(self, name) is not None:
                fields[name] = getattr(self, name)
        if self.first is not None:
            fields["first"] = where(self.first)
        elif self.first_observation is not None:
            fields["first"] = f"observation {self.first_observation}"
        return ISSUE_TYPES[self.code].render(fields)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location.to_dict(),
        }
        for name in ("component", "value", "expected", "first_observation"):
            value = getattr(self, name)
            if value is not None:
                out[name] = _plain(value)
        if self.first is not None:
            out["first"] = self.first.to_dict()
        facts = {k: _plain(v) for k, v in self.facts.items() if v is not None and v != ""}
        if facts:
            out["facts"] = facts
        return out


def where(location: Location) -> str:
    """A short human form of a position: ``line 3, column 7``, ``row 4 of sheet D``, ``row 2``."""
    if location.line is not None:
        column = f", column {location.column}" if location.column is not None else ""
        return f"line {location.line}{column}"
    if location.sheet is not None and location.row is not None:
        return f"row {location.row} of sheet {location.sheet}"
    if location.row is not None:
        return f"row {location.row}"
    return str(location)


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars become Python ones; anything odd becomes text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass(slots=True)
class Report:
    """What the validator found.

    Attributes:
        valid: no error-severity issue (warnings allowed).
        stats: observation count, error/warning totals, exact ``counts`` per code,
            and per-check outcome (``checks``: passed, failed, skipped).
        issues: the first examples of each code, in the order found.
        truncated: some code occurred more often than examples were kept.
        unusable: the input could not be read or used at all (CLI exit 2).
        row_codes: per-row issue codes (only when asked, for annotation).
        layout: the layout the data was checked against (None if unusable).
    """

    valid: bool
    stats: dict[str, Any]
    issues: list[Issue]
    truncated: bool = False
    unusable: bool = False
    row_codes: pd.Series | None = field(default=None, repr=False)
    layout: ComponentLayout | None = field(default=None, repr=False, compare=False)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.stats.get("counts", {}))

    def count(self, code: str) -> int:
        return int(self.stats.get("counts", {}).get(code, 0))

    def codes(self) -> set[str]:
        return set(self.stats.get("counts", {}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "stats": self.stats,
            "issues": [i.to_dict() for i in self.issues],
            "truncated": self.truncated,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per reported issue; location fields become columns."""
        rows = [
            {
                "code": i.code,
                "severity": str(i.severity),
                "message": i.message,
                **i.location.to_dict(),
            }
            for i in self.issues
        ]
        base = ["code", "severity", "message"]
        return pd.DataFrame(rows, columns=base if not rows else None)


class IssueCollector:
    """Accumulates issues from checks: exact counts, capped examples, optional rows."""

    def __init__(
        self,
        *,
        max_examples: int = 20,
        pick: Iterable[str] | None = None,
        skip: Iterable[str] | None = None,
        keep_rows: bool = False,
    ) -> None:
        self.max_examples = max_examples
        self.pick = set(pick) if pick else None
        self.skip = set(skip or ())
        self.keep_rows = keep_rows
        self.counts: dict[str, int] = {}
        self.examples: list[Issue] = []
        self._kept: dict[str, int] = {}
        self._rows: list[tuple[str, np.ndarray]] = []

    def wants(self, code: str) -> bool:
        return code not in self.skip and (self.pick is None or code in self.pick)

    def add_rows(self, code: str, rows: np.ndarray, describe: Describe) -> None:
        """Record ``code`` for each row number in ``rows`` (sorted or not)."""
        if not self.wants(code):
            return
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        self.counts[code] = self.counts.get(code, 0) + int(rows.size)
        if self.keep_rows:
            self._rows.append((code, rows))
        room = self.max_examples - self._kept.get(code, 0)
        if room <= 0:
            return
        for r in np.sort(rows)[:room].tolist():
            fields, location = describe(r)
            self.examples.append(Issue.from_fields(code, fields, location, row=r))
        self._kept[code] = self._kept.get(code, 0) + min(room, rows.size)

    def add(self, code: str, fields: Fields, location: Location | None = None) -> None:
        """Record one occurrence not tied to a row (a missing column, a failed check)."""
        if not self.wants(code):
            return
        self.counts[code] = self.counts.get(code, 0) + 1
        if self._kept.get(code, 0) < self.max_examples:
            self.examples.append(Issue.from_fields(code, fields, location))
            self._kept[code] = self._kept.get(code, 0) + 1

    def row_codes(self, n_rows: int) -> pd.Series:
        """Each row's issue codes joined by ``;`` (empty string for clean rows)."""
        out = pd.Series("", index=pd.RangeIndex(n_rows), dtype=object)
        if not self._rows:
            return out
        rows = np.concatenate([r for _, r in self._rows])
        codes = np.concatenate([np.full(r.size, c, dtype=object) for c, r in self._rows])
        pairs = pd.DataFrame({"row": rows, "code": codes}).drop_duplicates()
        pairs = pairs[(pairs["row"] >= 0) & (pairs["row"] < n_rows)]
        joined = pairs.groupby("row", sort=True)["code"].agg(";".join)
        out.iloc[joined.index.to_numpy()] = joined.to_numpy()
        return out

    def report(self, n_obs: int, checks: dict[str, str], *, unusable: bool = False) -> Report:
        errors = sum(n for c, n in self.counts.items() if ISSUE_TYPES[c].severity is Severity.ERROR)
        warnings = sum(self.counts.values()) - errors
        stats = {
            "observations": int(n_obs),
            "errors": errors,
            "warnings": warnings,
            "counts": dict(sorted(self.counts.items())),
            "checks": checks,
        }
        truncated = any(self.counts[c] > self._kept.get(c, 0) for c in self.counts)
        return Report(
            valid=errors == 0 and not unusable,
            stats=stats,
            issues=list(self.examples),
            truncated=truncated,
            unusable=unusable,
            row_codes=self.row_codes(n_obs) if self.keep_rows else None,
        )
