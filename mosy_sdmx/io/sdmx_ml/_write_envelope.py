"""The envelope of an SDMX-ML data message: root, header, DataSet open/close.

Generated with lxml's incremental ``xmlfile`` (so names, namespaces and
escaping are always right); the body between the DataSet tags is written
raw, in big chunks, by the format writers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from lxml import etree
from sdmx.urn import URN

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.io.sdmx_ml._write_plan import ALL_DIMENSIONS
from mosy_sdmx.structures.layout import ComponentLayout

#: Prefix under which the structure-specific namespace is declared.
STRUCTURE_PREFIX = "ns1"
STRUCTURE_ID = "STR1"

_ID_OK = re.compile(r"[A-Za-z0-9_@$\-]+")


@dataclass(frozen=True, slots=True)
class StructureRef:
    """What a message says about the structure its data set follows."""

    urn: str
    cls: str  # "Dataflow" or "DataStructure"
    agency: str
    id: str
    version: str

    @property
    def is_dataflow(self) -> bool:
        return self.cls == "Dataflow"

    def namespace(self, dimension_at_observation: str) -> str:
        """The structure-specific namespace (as a REST /schema query defines it)."""
        return f"{self.urn}:ObsLevelDim:{dimension_at_observation}"


def structure_ref(layout: ComponentLayout) -> StructureRef:
    """The dataflow (or, without one, the DSD) a layout describes."""
    urn = layout.structure_urn or layout.dsd_urn
    if not urn and layout.dsd_id and layout.agency:
        # Structure messages need not state URNs; the DSD's identity makes one.
        urn = str(
            URN(
                package="datastructure",
                klass="DataStructure",
                agency=layout.agency,
                id=layout.dsd_id,
                version=layout.version,
            )
        )
    parsed = _maintainable(urn)
    if parsed is None and not layout.dsd_id:
        raise StructureError(
            "No structure to reference",
            "the data names no data structure or dataflow, and an SDMX-ML message must "
            "reference one: give the structure (structure=...; mosy convert --structure FILE)",
        )
    if parsed is None:
        raise StructureError(
            "Structure without URN",
            f"cannot reference structure {layout.dsd_id!r} in a message: no URN",
        )
    return StructureRef(str(urn), parsed.klass, parsed.agency, parsed.id, parsed.version)


def _maintainable(urn: str | None) -> URN | None:
    """The URN of a maintainable with agency, id and version (None for anything else)."""
    try:
        parsed = URN(urn) if urn else None
    except ValueError:
        return None
    return parsed if parsed and parsed.agency and parsed.id and parsed.version else None


def check_dimension_at_observation(layout: ComponentLayout, value: str) -> str:
    """The dimension at observation level to write; the default, TIME_PERIOD,
    means a flat data set for a structure without a time dimension."""
    if value == "TIME_PERIOD" and layout.time_dimension is None and value not in layout.dimensions:
        return ALL_DIMENSIONS
    allowed = [*layout.dimensions, *([layout.time_dimension] if layout.time_dimension else [])]
    if value != ALL_DIMENSIONS and value not in allowed:
        raise StructureError(
            "Unknown observation dimension",
            f"dimension_at_observation={value!r} is neither AllDimensions nor one of "
            + ", ".join(allowed),
        )
    return value


def require_key_columns(layout: ComponentLayout, dataset: Dataset) -> None:
    """Every dimension needs a column (unless there is nothing to write)."""
    missing = [d for d in layout.key_columns() if d not in dataset.data.columns]
    if missing and len(dataset.data):
        raise StructureError(
            "Observations lack dimensions",
            "the data has no column for " + ", ".join(missing),
            context={"missing": missing},
        )


def _id_text(value: str | None, fallback: str) -> str:
    return value if value and _ID_OK.fullmatch(value) else fallback


def _prepared(dataset: Dataset) -> str:
    stamp = dataset.header.prepared or datetime.now(UTC)
    if stamp.tzinfo is None:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S")
    return stamp.isoformat(timespec="seconds")


class Envelope:
    """Writes the parts of a data message around the raw body."""

    def __init__(self, xf, stream: BinaryIO, message_ns: str, common_ns: str) -> None:
        self.xf = xf
        self.stream = stream
        self.m = message_ns
        self.c = common_ns

    def text(self, tag: str, value: str, attrs: dict[str, str] | None = None) -> None:
        with self.xf.element(tag, attrs or {}):
            self.xf.write(value)

    def empty(self, tag: str, attrs: dict[str, str]) -> None:
        with self.xf.element(tag, attrs):
            pass

    def header(
        self,
        dataset: Dataset,
        ref: StructureRef,
        dimension_at_observation: str,
        *,
        version: str,
        structure_specific: bool,
    ) -> None:
        m, c = self.m, self.c
        with self.xf.element(f"{{{m}}}Header"):
            self.text(f"{{{m}}}ID", _id_text(dataset.header.id, "MOSY"))
            self.text(f"{{{m}}}Test", "true" if dataset.header.test else "false")
            self.text(f"{{{m}}}Prepared", _prepared(dataset))
            self.empty(f"{{{m}}}Sender", {"id": _id_text(dataset.header.sender, "MOSY")})
            if dataset.header.receiver:
                self.empty(f"{{{m}}}Receiver", {"id": _id_text(dataset.header.receiver, "ANY")})
            attrs = {"structureID": STRUCTURE_ID}
            if structure_specific:
                attrs["namespace"] = ref.namespace(dimension_at_observation)
            attrs["dimensionAtObservation"] = dimension_at_observation
            with self.xf.element(f"{{{m}}}Structure", attrs):
                tag = "StructureUsage" if ref.is_dataflow else "Structure"
                if version == "3.0":
                    self.text(f"{{{c}}}{tag}", ref.urn)
                else:
                    with self.xf.element(f"{{{c}}}{tag}"):
                        self.empty(
                            "Ref",
                            {"agencyID": ref.agency, "id": ref.id, "version": ref.version},
                        )
            self.text(f"{{{m}}}DataSetAction", Action.parse(dataset.action).value)

    def data_provider(self, tag: str, provider: str | None, agency: str, version: str) -> None:
        """The data set's DataProvider reference (scheme DATA_PROVIDERS 1.0).

        Writers emit it only when asked (``data_provider=True``): sdmx1 2.28
        cannot read a DataProvider anywhere in a data message.
        """
        if not provider or not _ID_OK.fullmatch(provider):
            return
        if version == "3.0":
            urn = URN(
                package="base",
                klass="DataProvider",
                agency=agency,
                id="DATA_PROVIDERS",
                version="1.0",
                item_id=provider,
            )
            self.text(tag, str(urn))
            return
        with self.xf.element(tag):
            self.empty(
                "Ref",
                {
                    "agencyID": agency,
                    "maintainableParentID": "DATA_PROVIDERS",
                    "maintainableParentVersion": "1.0",
                    "id": provider,
                },
            )

    def raw(self, data: bytes | memoryview) -> None:
        """Write body bytes between the open DataSet tags."""
        self.stream.write(data)

    def flush(self) -> None:
        self.xf.flush()


@contextmanager
def message(
    stream: BinaryIO, root: str, nsmap: dict[str, str], message_ns: str, common_ns: str
) -> Iterator[Envelope]:
    """Open the message root; the caller writes header and data set inside."""
    with etree.xmlfile(stream, encoding="utf-8", buffered=True) as xf:
        xf.write_declaration()
        with xf.element(f"{{{message_ns}}}{root}", nsmap=nsmap):
            yield Envelope(xf, stream, message_ns, common_ns)
        xf.flush()


def ns_for(version: str) -> tuple[str, str, str]:
    """(message, common, structure-specific) namespaces of an SDMX-ML version."""
    if version == "3.0":
        return ns.MESSAGE_30, ns.COMMON_30, ns.SS_30
    return ns.MESSAGE_21, ns.COMMON_21, ns.SS_21
