"""The columnar dataset every reader returns and every writer takes.

One row per observation in a pandas DataFrame: dimension columns (categorical),
the time dimension, the measure(s) and attribute columns of every attachment
level below the dataset (series and group attributes are repeated on each
observation; categoricals keep that cheap). Facts about the whole dataset live
beside the frame. No per-observation Python objects are ever built.

SDMX 3.0 lets an attribute (or measure) hold several values, and a text value
several languages. Such a cell holds a tuple of values or a LocalisedText
(see ``Dataset``); every other cell stays a plain code or string, so only the
rare columns that need them leave the categorical fast path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pandas as pd

from mosy_sdmx.deviations import Deviation
from mosy_sdmx.exceptions import Location, ParseError

if TYPE_CHECKING:
    from mosy_sdmx.structures.layout import ComponentLayout


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


class LocalisedText(Mapping[str, str]):
    """One text value in several languages: language tag -> text, in message order.

    What SDMX-ML 3.0 writes as ``<common:Text xml:lang="fr">`` (a text without
    ``xml:lang`` is English, the XML schema's default), SDMX-JSON 2.0 as a
    localised-string object and SDMX-CSV 2.0 as ``en:Value;fr:Valeur``.
    Immutable and hashable, so it can stand in a DataFrame cell, be grouped on
    and compared; ``str()`` gives the English text (else the first).
    """

    __slots__ = ("_items",)

    def __init__(self, texts: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        pairs = texts.items() if isinstance(texts, Mapping) else texts
        self._items: tuple[tuple[str, str], ...] = tuple(
            dict((str(lang), str(text)) for lang, text in pairs).items()
        )

    def __getitem__(self, language: str) -> str:
        for lang, text in self._items:
            if lang == language:
                return text
        raise KeyError(language)

    def __iter__(self) -> Iterator[str]:
        return (lang for lang, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LocalisedText):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"LocalisedText({dict(self._items)!r})"

    def __str__(self) -> str:
        return self.get("en", self._items[0][1] if self._items else "")


def is_multi_value(value: object) -> bool:
    """Whether a cell holds several values or a multilingual text (not one plain value)."""
    return isinstance(value, (tuple, LocalisedText))


@dataclass(frozen=True, slots=True)
class FooterMessage:
    """One message of an SDMX-ML footer (``footer:Message``): the sender's word on
    the reply, e.g. Eurostat's code 413 saying a large reply was written to a file.

    ``texts`` holds (language, text) pairs as the message gives them.
    """

    code: str
    severity: str | None = None  # Error, Warning or Information
    texts: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        """The English text (else every text, joined)."""
        english = [t for lang, t in self.texts if lang == "en"]
        return " ".join(english or [t for _, t in self.texts])

    def __str__(self) -> str:
        return f"{self.severity or 'Message'} {self.code}: {self.text}".rstrip(": ")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "texts": [{"lang": lang, "text": text} for lang, text in self.texts],
        }


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
        footer: the messages of the message's footer (SDMX-ML ``footer:Footer``),
            warnings and notes the sender added to the data; empty when none.
        deviations: departures from the standard the reader tolerated (see
            ``mosy_sdmx.deviations``), each also issued as a DeviationWarning.
        layout: the components of the data: the structure's layout when the
            data was read with one, else what a self-describing message
            declares (dimensions, measures, attributes and their levels); None
            when the message does not say. Writers use it when given no
            structure.

    Cell values: dimensions and single-valued attributes hold a code or a
    string (missing: NaN/None). An SDMX 3.0 component with several values in
    a row holds a tuple of them; a multilingual text holds a LocalisedText
    (and several such texts, a tuple of LocalisedText). A column holding any
    such cell has object dtype; ``is_multi_value`` tells those cells apart.
    """

    data: pd.DataFrame
    structure_urn: str | None = None
    action: Action = Action.INFORMATION
    provider: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    header: Header = field(default_factory=Header)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str | None = None
    row_offset: int | None = None
    source_lines: pd.Series | None = None
    source_sheet: str | None = None
    source_columns: dict[str, str] | None = None
    footer: list[FooterMessage] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    layout: ComponentLayout | None = None

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
