"""The columnar dataset every reader returns and every writer takes.

One row per observation in a pandas DataFrame: dimension columns (categorical),
the time dimension, the measure(s) and attribute columns of every attachment
level below the dataset (series and group attributes are repeated on each
observation; categoricals keep that cheap). Facts about the whole dataset live
beside the frame. No per-observation Python objects are ever built.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

import pandas as pd

from mosy_sdmx.exceptions import Location, ParseError


class Action(StrEnum):
    """SDMX dataset actions (SDMX-ML ``action``, SDMX-CSV 2.0 ``ACTION`` column)."""

    INFORMATION = "Information"
    APPEND = "Append"
    REPLACE = "Replace"
    DELETE = "Delete"

    @property
    def csv_code(self) -> str:
        """The one-letter form used in SDMX-CSV 2.0 (I, A, R, D)."""
        return self.value[0]

    @classmethod
    def parse(cls, value: str | Action | None, location: Location | None = None) -> Action:
        """The action a message names (any case, or its CSV letter); "" and None: Information.

        Raises ParseError (at ``location``) for anything else.
        """
        if value is None or value == "":
            return cls.INFORMATION
        if isinstance(value, Action):
            return value
        key = value.strip().lower()
        for member in cls:
            if key in (member.value.lower(), member.csv_code.lower()):
                return member
        # SDMX-ML 2.1 also knows "Merge" as a synonym of append/replace.
        if key == "merge":
            return cls.REPLACE
        raise ParseError(
            "Unknown dataset action",
            f"{value!r} is not one of Information, Append, Replace, Delete",
            location=location,
        )


@dataclass(slots=True)
class Header:
    """Message header facts worth keeping across formats."""

    id: str = "MOSY"
    test: bool = False
    prepared: datetime | None = None
    sender: str = "MOSY"
    receiver: str | None = None


@dataclass(slots=True)
class Dataset:
    """Observations as columns plus what is said of the dataset as a whole.

    Attributes:
        data: one row per observation; column names are component ids.
        structure_urn: URN of the dataflow (preferred) or DSD the data is for.
        action: what the sender asks the receiver to do with the data.
        provider: data provider id (e.g. ``PT_NREM``) when known.
        attributes: dataset-level attribute values, by attribute id.
        header: message header facts.
        labels: optional component id -> {code: label}, filled by label-aware
            formats (SDMX-CSV 2.0 ``labels=both``); never needed to write.
        source: where the data was read from, for error locations.
        row_offset: maps DataFrame rows to source positions (e.g. CSV line of
            row 0); readers that know it set it, validators use it.
        source_lines: optional source line per row (XML readers), same length
            as ``data``; validators use it for locations. With ``source_sheet``
            set they are the sheet's row numbers instead (rows with gaps).
        source_sheet: the worksheet the rows were read from (Excel input); rows
            are then Excel row numbers (``row_offset`` is row 0's).
        source_columns: component id -> column letter in ``source_sheet``, so a
            problem can be named by its cell (``F7``).
    """

    data: pd.DataFrame
    structure_urn: str | None = None
    action: Action = Action.INFORMATION
    provider: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    header: Header = field(default_factory=Header)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str | None = None
    row_offset: int | None = None
    source_lines: pd.Series | None = None
    source_sheet: str | None = None
    source_columns: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self.data)

    @property
    def structure_id(self) -> str | None:
        """The maintainable id part of ``structure_urn`` (e.g. ``DF_THB_VICTIMS``).

        A URN is read by sdmx1's ``sdmx.urn``; a bare ``AGENCY:ID(VERSION)``
        reference or id, as some messages give, by its own shape.
        """
        if not self.structure_urn:
            return None
        from sdmx.urn import URN

        try:
            return URN(self.structure_urn).id
        except ValueError:
            return self.structure_urn.split(":", 1)[-1].split("(", 1)[0]

    def with_data(self, data: pd.DataFrame) -> Dataset:
        """A copy sharing every dataset-level fact but with other observations."""
        return replace(self, data=data, source_lines=None)
