"""The SDMX-ML message header, DataSet facts and footer, shared by the data readers.

Fed element by element from parser callbacks (the header and footer are
tiny); it keeps what a Dataset records: header facts, the structure each
DataSet points at (and its dimension at observation level), action, data
provider, and the footer's messages.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from sdmx.urn import URN

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, FooterMessage, Header
from mosy_sdmx.exceptions import Location, ParseError

#: ``xml:lang`` in Clark notation.
XML_LANG = f"{{{ns.XML}}}lang"

#: Header element naming a structure -> the (package, class) of its URN.
_URN_CLASS = {
    "Structure": ("datastructure", "DataStructure"),
    "StructureUsage": ("datastructure", "Dataflow"),
    "ProvisionAgrement": ("registry", "ProvisionAgreement"),
    "ProvisionAgreement": ("registry", "ProvisionAgreement"),
}
#: A ``<Ref class="...">`` naming the class outright.
_REF_CLASS = {
    "Dataflow": ("datastructure", "Dataflow"),
    "DataStructure": ("datastructure", "DataStructure"),
}
#: Preference when a header names several: the dataflow says most.
_RANK = {"StructureUsage": 0, "ProvisionAgrement": 1, "ProvisionAgreement": 1, "Structure": 2}


@dataclass
class StructureRef:
    structure_id: str
    dimension_at_observation: str | None = None
    namespace: str | None = None
    urn: str | None = None
    rank: int = 99
    explicit_measures: bool = False


@dataclass
class HeaderReader:
    """Collects header facts from (local name, attributes, text) events."""

    source_name: str | None = None
    header: Header = field(default_factory=Header)
    structures: dict[str, StructureRef] = field(default_factory=dict)
    action: Action | None = None
    provider: str | None = None
    _current: StructureRef | None = None
    _ref_kind: str | None = None

    def start(self, local: str, attrib) -> None:
        if local == "Structure" and "structureID" in attrib:
            ref = StructureRef(
                attrib["structureID"],
                attrib.get("dimensionAtObservation"),
                attrib.get("namespace"),
                explicit_measures=attrib.get("explicitMeasures", "").strip() in ("true", "1"),
            )
            self.structures[ref.structure_id] = ref
            self._current = ref
        elif local in _URN_CLASS and self._current is not None:
            self._ref_kind = local
        elif local == "Ref":
            if self._ref_kind is not None and self._current is not None:
                urn = _urn_from_ref(self._ref_kind, attrib)
                self._offer(urn)
            elif self._ref_kind == "DataProvider":
                self.provider = attrib.get("id") or self.provider
        elif local == "Sender":
            self.header.sender = attrib.get("id", self.header.sender)
        elif local == "Receiver":
            self.header.receiver = attrib.get("id", self.header.receiver)
        elif local == "DataProvider":
            self._ref_kind = "DataProvider"

    def end(self, local: str, text: str) -> None:
        text = text.strip()
        if local == "ID":
            self.header.id = text or self.header.id
        elif local == "Test":
            self.header.test = text.lower() == "true"
        elif local == "Prepared" and text:
            with contextlib.suppress(ValueError):
                self.header.prepared = datetime.fromisoformat(text.replace("Z", "+00:00"))
        elif local == "DataSetAction" and text:
            self.action = self.parse_action(text, None)
        elif local == "URN" and text:
            if self._ref_kind == "DataProvider":
                self.provider = text.rsplit(".", 1)[-1]
            else:
                self._offer(text)
        elif local in _URN_CLASS and self._ref_kind == local:
            if text.startswith("urn:"):  # SDMX-ML 3.0: <common:StructureUsage>urn:...</...>
                self._offer(text)
            self._ref_kind = None
        elif local == "DataProvider":
            if text.startswith("urn:"):
                self.provider = text.rsplit(".", 1)[-1]
            self._ref_kind = None
        elif local == "Structure" and self._ref_kind is None:
            self._current = None

    def _offer(self, urn: str | None) -> None:
        ref = self._current
        if ref is None or urn is None:
            return
        kind = self._ref_kind or "Structure"
        rank = _RANK.get(kind, 3)
        if ":datastructure.Dataflow=" in urn:
            rank = 0
        if rank < ref.rank:
            ref.urn, ref.rank = urn, rank

    def parse_action(self, value: str, line: int | None) -> Action:
        return Action.parse(value, Location(source=self.source_name, line=line))

    def structure_for(self, structure_ref: str | None) -> StructureRef | None:
        if structure_ref and structure_ref in self.structures:
            return self.structures[structure_ref]
        if len(self.structures) == 1:
            return next(iter(self.structures.values()))
        return None


def _urn_from_ref(kind: str, attrib) -> str | None:
    agency, ident = attrib.get("agencyID"), attrib.get("id")
    if not ident:
        return None
    package, klass = _REF_CLASS.get(
        attrib.get("class"), _URN_CLASS.get(kind, ("datastructure", "DataStructure"))
    )
    version = attrib.get("version", "1.0")
    return str(URN(package=package, klass=klass, agency=agency, id=ident, version=version))


def check_root(
    tag: str,
    expected: tuple[str, ...],
    source_name: str | None,
    position: tuple[int | None, int | None] = (None, None),
) -> str:
    """The message's SDMX-ML version ('2.1'/'3.0'); ParseError for a foreign root.

    ``position`` is the root element's (line, column), when the reader knows it.
    """
    namespace, local = ns.split_tag(tag)
    version = ns.MESSAGE_VERSIONS.get(namespace)
    if version is None or local not in expected:
        found = f"<{local}> in namespace {namespace or '(none)'}"
        raise ParseError(
            "Not the expected SDMX-ML data message",
            f"the root element is {found}; expected {' or '.join(expected)} "
            f"in the SDMX-ML 2.1 or 3.0 message namespace",
            location=Location(source=source_name, line=position[0], column=position[1]),
            context={"root": local, "namespace": namespace},
        )
    return version


def several_datasets(source_name: str | None, line: int | None = None) -> ParseError:
    """The error ``read_data`` gives for a second data set: a Dataset holds one."""
    return ParseError(
        "Several datasets in one message",
        "read_data returns one data set; read them all, in order, with read_datasets",
        location=Location(source=source_name, line=line),
        context={"use": "read_datasets"},
    )


class FooterReader:
    """Collects the messages of an SDMX-ML 2.1 or 3.0 footer (``footer:Footer``).

    Each ``footer:Message`` has a code, an optional severity and texts, one
    per language (``common:Text xml:lang``; English when no language is given).
    """

    def __init__(self) -> None:
        self.messages: list[FooterMessage] = []
        self._code: str | None = None
        self._severity: str | None = None
        self._texts: list[tuple[str, str]] = []
        self._lang = "en"

    def start(self, local: str, attrib) -> None:
        if local == "Message":
            self._code = attrib.get("code", "")
            self._severity = attrib.get("severity")
            self._texts = []
        elif local == "Text":
            self._lang = attrib.get(XML_LANG) or "en"

    def end(self, local: str, text: str) -> None:
        if local == "Text" and self._code is not None:
            self._texts.append((self._lang, " ".join(text.split())))
        elif local == "Message" and self._code is not None:
            self.messages.append(FooterMessage(self._code, self._severity, tuple(self._texts)))
            self._code = None


def footer_only(messages: list[FooterMessage], source_name: str | None) -> ParseError:
    """The error for a message with a footer and no data set: the footer is the answer.

    Agencies send such replies instead of data, e.g. Eurostat's code 413
    giving the URL where a reply too large to send will be written.
    """
    said = "; ".join(str(m) for m in messages)
    return ParseError(
        "No data set, only a footer",
        f"the message holds no data set; its footer says: {said}",
        location=Location(source=source_name),
        context={"footer": [m.to_dict() for m in messages]},
    )
