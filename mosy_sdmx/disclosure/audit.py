"""What protect() changed and why: one audit row per cell hidden, rounded, dropped or made.

The audit is for the data owner and the registry's administrators, never for
publication: it holds the raw values and the reason of each hidden cell, which
the public flag deliberately does not tell. Reason codes are stable strings
(``Reason``) so that the registry and reports can count and filter them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

import pandas as pd


class Reason(StrEnum):
    CONFIDENTIAL = "confidential"  # submitter's CONF_STATUS forbids publication
    PRIMARY = "primary"  # small count
    REVISION = "revision"  # suppressed in the previous release and still small
    SECONDARY = "secondary"  # hidden so that no sensitive cell can be narrowed down
    ROUNDING = "rounding"  # published rounded
    AGGREGATED = "aggregated"  # made from restricted codes the public flow lacks
    DROPPED = "dropped"  # a code the public flow does not allow, not published


REASON_TEXT = {
    Reason.CONFIDENTIAL: "flagged not for publication by the submitter (CONF_STATUS)",
    Reason.PRIMARY: "small count below the threshold",
    Reason.REVISION: "suppressed in the previous release and still below the threshold",
    Reason.SECONDARY: "hidden so that no sensitive value can be derived or narrowed down",
    Reason.ROUNDING: "rounded to the nearest multiple of the rounding base",
    Reason.AGGREGATED: "sum of codes the public dataflow does not allow, published in their place",
    Reason.DROPPED: "a code the public dataflow does not allow; not published",
}

#: Why a hidden cell is still at risk (``Audit.residual``'s RISK column).
RISK_DERIVABLE = "derivable"  # the published values determine it exactly
RISK_PUBLISHED = "published-before"  # the previous release published this very value

AUDIT_COLUMNS = (
    "REASON",
    "RAW_VALUE",
    "PUBLIC_VALUE",
    "OBS_STATUS",
    "CONF_STATUS",
    "PROTECTED_LOW",
    "PROTECTED_HIGH",
)
_NOT_SHOWN = {Reason.CONFIDENTIAL, Reason.PRIMARY, Reason.REVISION, Reason.SECONDARY}


@dataclass(slots=True)
class Audit:
    """Every cell protect() hid, rounded, dropped or aggregated; and cells still at risk.

    Attributes:
        cells: key columns, then REASON, RAW_VALUE, PUBLIC_VALUE, OBS_STATUS,
            CONF_STATUS and, for sensitive cells, PROTECTED_LOW/PROTECTED_HIGH:
            the interval an attacker cannot narrow further (at least).
        residual: key columns, RAW_VALUE and RISK of hidden cells the
            published values (or the previous release) still give away; empty
            when the protection is complete. ``protect`` raises
            ``ProtectionError`` rather than publish them.
        annotation: the rule applied, in words, for the public dataflow.
        flow_id / public_flow_id: the dataflow protected and the one published.
        method: the secondary-suppression method used (optimal or hypercube).
    """

    cells: pd.DataFrame
    residual: pd.DataFrame
    annotation: str = ""
    flow_id: str | None = None
    public_flow_id: str | None = None
    method: str = ""
    key_columns: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when no hidden cell can be derived from what is published."""
        return self.residual.empty

    @property
    def hidden(self) -> pd.DataFrame:
        """Key columns of every cell not published, whatever the reason.

        What the registry needs to withhold derived figures (rates) where the
        underlying count is hidden.
        """
        reasons = self.cells["REASON"].astype(str)
        mask = reasons.isin([r.value for r in _NOT_SHOWN])
        return self.cells.loc[mask, self.key_columns].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        """Cells per reason code (all codes, zeros included)."""
        found = self.cells["REASON"].astype(str).value_counts()
        return {r.value: int(found.get(r.value, 0)) for r in Reason}

    def reasons_for(self, reason: Reason | str) -> pd.DataFrame:
        return self.cells[self.cells["REASON"].astype(str) == str(reason)]

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items() if v)
        text = f"{len(self.cells)} cells changed ({counts or 'none'})"
        if not self.complete:
            text += f"; {len(self.residual)} hidden cells still derivable"
        return text

    def to_frame(self) -> pd.DataFrame:
        """Cells and residual risks in one frame (RISK empty for cells not at risk)."""
        cells = self.cells.assign(RISK="")
        if self.residual.empty:
            return cells
        merged = cells.merge(
            self.residual[[*self.key_columns, "RISK"]].astype({"RISK": object}),
            how="left",
            on=self.key_columns,
            suffixes=("_none", ""),
        )
        merged["RISK"] = merged["RISK"].fillna("")
        return merged.drop(columns=["RISK_none"])

    def write_csv(self, target: str | Path | IO[str]) -> None:
        """The audit as CSV (one line per cell, residual risks marked) for the data owner."""
        self.to_frame().to_csv(target, index=False)
