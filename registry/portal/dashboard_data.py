"""The dashboard's figures: public data read once per release, indicator tables kept.

The dashboard reads the public (``_PUB``) dataflows only, and of them only the
series the indicator tables use (``mosy_sdmx.indicators.indicator_series``).
What it read and the tables made from it are kept per process, keyed by the
public flows' data revisions (``registry.store.revisions``): a release bumps
them, so every process reads the new data on its next request, and no request
in between recomputes anything. A flow that is not public is never read: the
list below is checked against the structures' PUBLIC annotation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd
from sqlalchemy import Connection

from mosy_sdmx.indicators import IndicatorTable, data_sources, indicator_series, indicator_tables
from mosy_sdmx.structures import StructureSet
from registry.publication.frames import current_frame
from registry.store.observations import FlowRef
from registry.store.revisions import get_revision

#: Role -> the public dataflow the dashboard reads for it.
PUBLIC_FLOWS = {
    "victims": "DF_THB_VICTIMS_PUB",
    "rates": "DF_THB_RATES_PUB",
    "offenders": "DF_THB_OFFENDERS_PUB",
}
#: Tables and pages' figures kept (per source, year, language) for one state of the data.
_KEPT = 64
T = TypeVar("T")


@dataclass
class PublicFigures:
    """The public data of one state of the store, and the tables made of it."""

    key: tuple
    frames: dict[str, pd.DataFrame]
    sources: list[str]
    years: list[str]
    _kept: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, key: tuple, make: Callable[[], T]) -> T:
        """``make()`` once per key for this state of the data (the last few kept)."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = make()
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > _KEPT:
                self._kept.popitem(last=False)
        return value

    def tables(self, source: str, year: str | None) -> dict[str, IndicatorTable]:
        """The indicator tables of one source and year, computed once."""
        return self.remember(("tables", source, year), lambda: self._compute(source, year))

    def _compute(self, source: str, year: str | None) -> dict[str, IndicatorTable]:
        victims = self.frames.get("victims")
        if victims is None or victims.empty:
            return {}
        rates = self.frames.get("rates")
        offenders = self.frames.get("offenders")
        return indicator_tables(
            victims,
            rates=rates if rates is not None and not rates.empty else None,
            offenders=offenders if offenders is not None and not offenders.empty else None,
            data_source=source,
            year=year,
        )


class DashboardCache:
    """One process's public figures, current as of the flows' data revisions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: PublicFigures | None = None

    def figures(
        self, conn: Connection, structures: StructureSet, structures_revision: int
    ) -> PublicFigures:
        flows = public_flows(structures)
        refs = {role: FlowRef.of_layout(structures.layout(flow)) for role, flow in flows.items()}
        key = (
            structures_revision,
            tuple((role, get_revision(conn, ref.scope).number) for role, ref in refs.items()),
        )
        with self._lock:
            if self._figures is not None and self._figures.key == key:
                return self._figures
        frames = {
            role: current_frame(
                conn, ref, None, structures.layout(flows[role]), series_filter=indicator_series
            )
            for role, ref in refs.items()
        }
        victims = frames.get("victims")
        years = []
        if victims is not None and "TIME_PERIOD" in victims.columns and len(victims):
            years = sorted({str(p) for p in victims["TIME_PERIOD"]}, reverse=True)
        figures = PublicFigures(
            key, frames, data_sources(victims) if victims is not None else [], years
        )
        with self._lock:
            self._figures = figures
        return figures


def public_flows(structures: StructureSet) -> dict[str, str]:
    """The dashboard's dataflows this registry holds, each checked to be public."""
    return {
        role: flow
        for role, flow in PUBLIC_FLOWS.items()
        if flow in structures.dataflows and structures.is_public(flow)
    }
