"""What a MoSy workbook says about itself, on a hidden sheet.

Templates and workbooks written by the xlsx writer carry a very hidden sheet
(``_mosy``) with the dataflow URN, the provider and, per data column, the
component it holds and its role. The reader needs nothing else to rebuild a
Dataset, so ``read_data("filled.xlsx")`` works without naming a structure.

Sheet layout, one fact per row::

    format        mosy-workbook
    version       1
    structure_urn urn:sdmx:...Dataflow=MOSY:DF_THB_VICTIMS(1.0)
    ...
    column        REF_AREA   dimension  coded  <level>  <fixed code>
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mosy_sdmx.dataset import Action
from mosy_sdmx.structures import AttachmentLevel, ComponentLayout, ValueKind

DATA_SHEET = "Data"
CODES_SHEET = "Codes"
INSTRUCTIONS_SHEET = "Instructions"
DATASET_SHEET = "Dataset"
META_SHEET = "_mosy"

FORMAT_TAG = "mosy-workbook"
FORMAT_VERSION = "1"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One data-sheet column: the component, its role and how its values are typed."""

    id: str
    role: str  # dimension, time, measure, attribute
    kind: str = ValueKind.STRING.value
    level: str = ""  # attachment level of attributes
    fixed: str = ""  # the one value a provider may use, if any

    @property
    def numeric(self) -> bool:
        return self.role == "measure" and self.kind in (ValueKind.NUMBER, ValueKind.INTEGER)

    @property
    def required(self) -> bool:
        """Columns a data sheet cannot lack: the key and the primary measure."""
        return self.role in ("dimension", "time", "measure")


@dataclass(slots=True)
class WorkbookMeta:
    """Everything the reader needs to turn a data sheet into a Dataset."""

    columns: list[ColumnSpec]
    structure_urn: str = ""
    dsd_urn: str = ""
    flow_id: str = ""
    provider: str = ""
    action: Action = Action.INFORMATION
    data_sheet: str = DATA_SHEET
    header_row: int = 1
    dataset_attributes: list[str] = field(default_factory=list)

    def rows(self) -> Iterable[list[str]]:
        """The meta sheet's rows."""
        yield ["format", FORMAT_TAG]
        yield ["version", FORMAT_VERSION]
        yield ["structure_urn", self.structure_urn]
        yield ["dsd_urn", self.dsd_urn]
        yield ["flow_id", self.flow_id]
        yield ["provider", self.provider]
        yield ["action", self.action.value]
        yield ["data_sheet", self.data_sheet]
        yield ["header_row", str(self.header_row)]
        for attr in self.dataset_attributes:
            yield ["dataset_attribute", attr]
        for col in self.columns:
            yield ["column", col.id, col.role, col.kind, col.level, col.fixed]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> WorkbookMeta | None:
        """Parse meta-sheet rows; None when they are not a MoSy meta sheet."""
        facts: dict[str, str] = {}
        columns: list[ColumnSpec] = []
        dataset_attributes: list[str] = []
        for row in rows:
            cells = ["" if v is None else str(v) for v in row]
            if not cells or not cells[0]:
                continue
            key = cells[0]
            if key == "column":
                cells += [""] * (6 - len(cells))
                columns.append(ColumnSpec(*cells[1:6]))
            elif key == "dataset_attribute" and len(cells) > 1:
                dataset_attributes.append(cells[1])
            else:
                facts[key] = cells[1] if len(cells) > 1 else ""
        if facts.get("format") != FORMAT_TAG:
            return None
        try:
            header_row = int(facts.get("header_row") or 1)
            action = Action.parse(facts.get("action") or None)
        except ValueError:
            return None
        return cls(
            columns=columns,
            structure_urn=facts.get("structure_urn", ""),
            dsd_urn=facts.get("dsd_urn", ""),
            flow_id=facts.get("flow_id", ""),
            provider=facts.get("provider", ""),
            action=action,
            data_sheet=facts.get("data_sheet") or DATA_SHEET,
            header_row=max(header_row, 1),
            dataset_attributes=dataset_attributes,
        )


def columns_for(layout: ComponentLayout, fixed: dict[str, str] | None = None) -> list[ColumnSpec]:
    """The data-sheet columns of a layout: key, measures, non-dataset attributes."""
    fixed = fixed or {}
    out = []
    for cid in layout.all_columns():
        comp = layout.components[cid]
        if cid == layout.time_dimension:
            role = "time"
        elif cid in layout.dimensions:
            role = "dimension"
        elif cid in layout.measures:
            role = "measure"
        else:
            role = "attribute"
        level = comp.level.value if comp.level is not None else ""
        out.append(ColumnSpec(cid, role, comp.kind.value, level, fixed.get(cid, "")))
    return out


def meta_for(
    layout: ComponentLayout,
    *,
    provider: str | None = None,
    action: Action = Action.INFORMATION,
    fixed: dict[str, str] | None = None,
    structure_urn: str | None = None,
) -> WorkbookMeta:
    """The meta facts of a workbook for ``layout`` (and a provider, for templates)."""
    return WorkbookMeta(
        columns=columns_for(layout, fixed),
        structure_urn=structure_urn or layout.structure_urn,
        dsd_urn=layout.dsd_urn,
        flow_id=layout.flow_id or "",
        provider=provider or "",
        action=action,
        dataset_attributes=layout.attributes_at(AttachmentLevel.DATASET),
    )


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
