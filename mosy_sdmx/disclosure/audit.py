"""What protect() changed and why: one audit row per suppressed or rounded cell.

The audit is for the data owner, never for publication: it holds the raw
values. Reason codes are stable strings (``Reason``) so that the registry and
reports can count and filter them.
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
    SECONDARY = "secondary"  # derivable by subtraction otherwise
    ROUNDING = "rounding"  # published rounded


REASON_TEXT = {
    Reason.CONFIDENTIAL: "flagged not for publication by the submitter (CONF_STATUS)",
    Reason.PRIMARY: "small count below the threshold",
    Reason.REVISION: "suppressed in the previous release and still below the threshold",
    Reason.SECONDARY: "would be derivable from published totals and breakdowns",
    Reason.ROUNDING: "rounded to the nearest multiple of the rounding base",
}

AUDIT_COLUMNS = ("REASON", "RAW_VALUE", "PUBLIC_VALUE", "OBS_STATUS", "CONF_STATUS")


@dataclass(slots=True)
class Audit:
    """Every suppressed or rounded cell, plus cells still at risk.

    Attributes:
        cells: key columns, then REASON, RAW_VALUE, PUBLIC_VALUE, OBS_STATUS,
            CONF_STATUS; one row per cell that was suppressed or rounded.
        residual: key columns of suppressed cells that published values still
            determine because nothing more could be hidden (e.g. a country
            total published as reported with a single breakdown); empty when
            the protection is complete.
        annotation: the rule applied, in words, for the public dataflow.
        flow_id / public_flow_id: the dataflow protected and the one published.
        rounds: secondary-suppression iterations run.
    """

    cells: pd.DataFrame
    residual: pd.DataFrame
    annotation: str = ""
    flow_id: str | None = None
    public_flow_id: str | None = None
    rounds: int = 0
    key_columns: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when no suppressed cell remains derivable."""
        return self.residual.empty

    def counts(self) -> dict[str, int]:
        """Cells per reason code (all codes, zeros included)."""
        found = self.cells["REASON"].astype(str).value_counts()
        return {r.value: int(found.get(r.value, 0)) for r in Reason}

    def reasons_for(self, reason: Reason | str) -> pd.DataFrame:
        return self.cells[self.cells["REASON"].astype(str) == str(reason)]

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        text = f"{len(self.cells)} cells changed ({counts})"
        if not self.complete:
            text += f"; {len(self.residual)} suppressed cells still derivable"
        return text

    def write_csv(self, target: str | Path | IO[str]) -> None:
        """The audit as CSV (one line per cell) for the data owner."""
        self.cells.to_csv(target, index=False)
