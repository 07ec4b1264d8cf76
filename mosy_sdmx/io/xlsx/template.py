"""Partner templates: an Excel workbook a data provider fills in by hand.

Sheets: ``Instructions`` (what to fill and the rules), ``Data`` (one column
per component, drop-downs of the codes this provider may use), ``Dataset``
(dataset-level attributes, when the structure has any), ``Codes`` (code and
English label per component; the drop-downs point at its ranges, as inline
lists are capped at 255 characters) and the hidden ``_mosy`` sheet that lets
the xlsx reader read the filled workbook back without being told the
structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sdmx.model import common

from mosy_sdmx.io.xlsx.meta import (
    CODES_SHEET,
    DATA_SHEET,
    DATASET_SHEET,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    ColumnSpec,
    WorkbookMeta,
    column_letter,
    meta_for,
)
from mosy_sdmx.structures import ComponentLayout, StructureSet, ValueKind

#: Data rows prepared with drop-downs and formats.
DEFAULT_ROWS = 5000

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_FIXED_FILL = PatternFill("solid", fgColor="D9D9D9")
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
#: OBS_STATUS codes that mark an unknown value (SDMX CL_OBS_STATUS).
_UNKNOWN_STATUS = ("M", "L", "O")


@dataclass(slots=True)
class TemplateSpec:
    """What a template is made of, worked out once from the structures."""

    layout: ComponentLayout
    flow_name: str
    provider: str | None
    provider_name: str
    #: component id -> allowed codes in codelist order (coded components only)
    codes: dict[str, list[str]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def fixed(self) -> dict[str, str]:
        """Components for which the provider may use a single code only."""
        return {cid: codes[0] for cid, codes in self.codes.items() if len(codes) == 1}


def template_spec(
    structures: StructureSet,
    layout: ComponentLayout,
    provider: str | None,
    allowed: dict[str, frozenset[str] | set[str] | None],
) -> TemplateSpec:
    """Collect labels, names and allowed codes (in codelist order) for a template."""
    flow = structures.dataflow(layout.flow_id) if layout.flow_id else None
    dsd = structures.dsd(layout.dsd_urn or layout.dsd_id)
    codes: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for comp in _components(dsd):
        names[comp.id] = _name(comp.concept_identity) if comp.concept_identity else ""
        codelist = _codelist(comp)
        if codelist is None:
            continue
        permitted = allowed.get(comp.id)
        if permitted is None:
            permitted = layout.codes(comp.id)
        ordered = [c.id for c in codelist if permitted is None or c.id in permitted]
        codes[comp.id] = ordered
        labels[comp.id] = {c.id: _name(c) for c in codelist if c.id in set(ordered)}
    provider_name = ""
    if provider:
        provider_name = _name(structures.provider(provider))
    return TemplateSpec(
        layout=layout,
        flow_name=_name(flow) if flow is not None else layout.dsd_id,
        provider=provider,
        provider_name=provider_name,
        codes=codes,
        labels=labels,
        names=names,
    )


def build_template(spec: TemplateSpec, *, rows: int = DEFAULT_ROWS) -> Workbook:
    """The partner workbook for ``spec``; ``rows`` data rows get drop-downs."""
    layout = spec.layout
    meta = meta_for(layout, provider=spec.provider, fixed=spec.fixed)
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    data = workbook.create_sheet(DATA_SHEET)
    dataset = workbook.create_sheet(DATASET_SHEET) if meta.dataset_attributes else None
    codes = workbook.create_sheet(CODES_SHEET)
    ranges = _write_codes_sheet(codes, spec, [c.id for c in meta.columns] + meta.dataset_attributes)
    _write_data_sheet(data, spec, meta, ranges, rows)
    if dataset is not None:
        _write_dataset_sheet(dataset, spec, meta, ranges)
    _write_instructions(instructions, spec, meta)
    hidden = workbook.create_sheet(META_SHEET)
    hidden.sheet_state = "veryHidden"
    for row in meta.rows():
        hidden.append(row)
    workbook.active = 0
    return workbook


# -- sheets ----------------------------------------------------------------------


def _write_codes_sheet(sheet, spec: TemplateSpec, component_ids: list[str]) -> dict[str, str]:
    """Code/label column pairs per coded component; returns the list ranges by component."""
    ranges: dict[str, str] = {}
    column = 0
    for cid in component_ids:
        codes = spec.codes.get(cid)
        if not codes:
            continue
        code_col, label_col = column_letter(column), column_letter(column + 1)
        sheet.cell(row=1, column=column + 1, value=cid).font = _BOLD
        sheet.cell(row=1, column=column + 2, value=f"{cid} label").font = _BOLD
        labels = spec.labels.get(cid, {})
        for offset, code in enumerate(codes, start=2):
            sheet.cell(row=offset, column=column + 1, value=code)
            sheet.cell(row=offset, column=column + 2, value=labels.get(code, ""))
        ranges[cid] = f"'{CODES_SHEET}'!${code_col}$2:${code_col}${len(codes) + 1}"
        sheet.column_dimensions[code_col].width = max(10, len(cid) + 2)
        sheet.column_dimensions[code_col].number_format = "@"
        sheet.column_dimensions[label_col].width = 40
        column += 3  # code, label, a spacer
    sheet.freeze_panes = "A2"
    return ranges


def _write_data_sheet(
    sheet, spec: TemplateSpec, meta: WorkbookMeta, ranges: dict[str, str], rows: int
) -> None:
    sheet.freeze_panes = "A2"
    last = rows + 1
    for index, col in enumerate(meta.columns):
        letter = column_letter(index)
        cell = sheet.cell(row=1, column=index + 1, value=col.id)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.comment = Comment(_column_note(col, spec), "MoSy")
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(12, len(col.id) + 4)
        if col.fixed:
            dimension.fill = _FIXED_FILL
        validation = _validation(col, spec, ranges)
        if validation is None:
            dimension.number_format = "@"  # keep 2023-01 and 01 as typed
            continue
        if not col.numeric:
            dimension.number_format = "@"
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{last}")


def _write_dataset_sheet(sheet, spec: TemplateSpec, meta: WorkbookMeta, ranges) -> None:
    for index, title in enumerate(("ATTRIBUTE", "VALUE", "NAME"), start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for row, cid in enumerate(meta.dataset_attributes, start=2):
        sheet.cell(row=row, column=1, value=cid)
        codes = spec.codes.get(cid) or []
        value = sheet.cell(row=row, column=2, value=codes[0] if len(codes) == 1 else None)
        value.number_format = "@"
        sheet.cell(row=row, column=3, value=spec.names.get(cid, ""))
        if cid in ranges:
            validation = DataValidation(type="list", formula1=f"={ranges[cid]}", allow_blank=True)
            sheet.add_data_validation(validation)
            validation.add(f"B{row}")
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 40


def _write_instructions(sheet, spec: TemplateSpec, meta: WorkbookMeta) -> None:
    layout = spec.layout
    measure = layout.primary_measure
    kind = layout.components[measure].kind if measure in layout.components else None
    lines: list[tuple[str, str]] = [
        ("MoSy data template", ""),
        ("Dataflow", f"{layout.flow_id or layout.dsd_id} — {spec.flow_name}"),
        ("Structure URN", meta.structure_urn),
    ]
    if spec.provider:
        lines.append(("Data provider", f"{spec.provider} — {spec.provider_name}".rstrip(" —")))
    steps = [
        f"Enter one observation per row on the '{DATA_SHEET}' sheet, from row 2.",
        "Pick codes from the drop-down lists; codes and their meanings are on the "
        f"'{CODES_SHEET}' sheet. Do not rename the header row.",
        f"{layout.time_dimension or 'TIME_PERIOD'}: the period as text, e.g. 2023 (annual), "
        "2023-Q1 (quarterly), 2023-01 (monthly).",
    ]
    if kind is ValueKind.INTEGER:
        steps.append(f"{measure}: a whole number ≥ 0; 0 means none (a known zero).")
    else:
        steps.append(f"{measure}: a number.")
    status_labels = spec.labels.get("OBS_STATUS", {})
    unknown = [
        f"{code} ({status_labels[code]})" if status_labels.get(code) else code
        for code in _UNKNOWN_STATUS
        if code in (spec.codes.get("OBS_STATUS") or [])
    ]
    if unknown:
        steps.append(
            f"Value unknown: leave {measure} empty and set OBS_STATUS to {', '.join(unknown)}."
        )
    if spec.fixed:
        fixed = ", ".join(f"{k} = {v}" for k, v in spec.fixed.items())
        steps.append(f"Fixed for this provider (grey columns, may be left empty): {fixed}.")
    if meta.dataset_attributes:
        steps.append(f"Values for the whole dataset go on the '{DATASET_SHEET}' sheet.")
    steps.append("Check the file before sending it: mosy validate <file>.xlsx")
    lines += [("", ""), ("How to fill", "")]
    lines += [(f"{n}.", text) for n, text in enumerate(steps, start=1)]
    lines += [("", ""), ("Columns", "")]
    for row, (key, text) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=key).font = _BOLD
        sheet.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = _TITLE_FONT
    row = len(lines) + 1
    for index, title in enumerate(("Column", "Name", "Required", "Values"), start=1):
        sheet.cell(row=row, column=index, value=title).font = _BOLD
    for col in meta.columns:
        row += 1
        sheet.cell(row=row, column=1, value=col.id)
        sheet.cell(row=row, column=2, value=spec.names.get(col.id, ""))
        required = col.required or layout.components[col.id].mandatory
        sheet.cell(row=row, column=3, value="yes" if required else "no")
        sheet.cell(row=row, column=4, value=_values_text(col, spec))
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 10
    sheet.column_dimensions["D"].width = 40


# -- helpers ---------------------------------------------------------------------


def _validation(col: ColumnSpec, spec: TemplateSpec, ranges: dict[str, str]):
    if col.id in ranges:
        validation = DataValidation(type="list", formula1=f"={ranges[col.id]}", allow_blank=True)
        validation.error = f"Pick a {col.id} code from the list (see the {CODES_SHEET} sheet)."
    elif col.numeric and col.kind == ValueKind.INTEGER:
        validation = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        validation.error = f"{col.id} must be a whole number ≥ 0 (or empty)."
    elif col.numeric:
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1="-1E+307",
            formula2="1E+307",
            allow_blank=True,
        )
        validation.error = f"{col.id} must be a number (or empty)."
    else:
        max_length = spec.layout.components[col.id].max_length
        if not max_length:
            return None
        validation = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(max_length),
            allow_blank=True,
        )
        validation.error = f"{col.id} holds at most {max_length} characters."
    validation.errorTitle = "Invalid value"
    validation.showErrorMessage = True
    return validation


def _column_note(col: ColumnSpec, spec: TemplateSpec) -> str:
    parts = [spec.names.get(col.id) or col.id]
    if col.fixed:
        parts.append(f"Fixed for this provider: {col.fixed} (may be left empty).")
    parts.append(_values_text(col, spec))
    return "\n".join(p for p in parts if p)


def _values_text(col: ColumnSpec, spec: TemplateSpec) -> str:
    codes = spec.codes.get(col.id)
    if codes:
        if len(codes) <= 6:
            return "codes: " + ", ".join(codes)
        return f"{len(codes)} codes, see the {CODES_SHEET} sheet"
    if col.role == "time":
        return "period, e.g. 2023"
    if col.numeric:
        return "whole number ≥ 0" if col.kind == ValueKind.INTEGER else "number"
    return "text"


def _components(dsd) -> list:
    out = []
    for descriptor in (dsd.dimensions, dsd.measures, dsd.attributes):
        out.extend(descriptor.components)
    return out


def _codelist(component) -> common.Codelist | None:
    rep = getattr(component, "local_representation", None)
    if rep is None and getattr(component, "concept_identity", None) is not None:
        rep = getattr(component.concept_identity, "core_representation", None)
    return rep.enumerated if rep is not None and rep.enumerated is not None else None


def _name(artefact) -> str:
    """English name, else any name, else the id."""
    name = getattr(artefact, "name", None)
    localizations = getattr(name, "localizations", None) or {}
    text = localizations.get("en") or next(iter(localizations.values()), "")
    return text or getattr(artefact, "id", "")
