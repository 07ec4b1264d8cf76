"""Column helpers shared by the table-like readers (SDMX-CSV, SDMX-JSON).

They turn raw columns into the Dataset contract: numeric measures as float64
(with the row of the first bad value when one is not a number), dimensions and
attributes as categoricals, dataset-level attributes lifted out of the frame,
columns in the structure's order. Everything is column-wise.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
from sdmx.model.v21 import PACKAGE
from sdmx.urn import URN

from mosy_sdmx.dataset import Action, is_multi_value
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.numbers import non_doubles, parse_doubles
from mosy_sdmx.structures import AttachmentLevel, ComponentLayout, ValueKind

#: SDMX-CSV 2.0 STRUCTURE column values and the (SDMX 3.0) class each one names.
STRUCTURE_CLASSES = {
    "dataflow": "Dataflow",
    "datastructure": "DataStructure",
    "dataprovision": "ProvisionAgreement",
}
#: URN classes (SDMX 2.1 names too) -> STRUCTURE column value.
_KINDS = {
    "Dataflow": "dataflow",
    "DataflowDefinition": "dataflow",
    "DataStructure": "datastructure",
    "DataStructureDefinition": "datastructure",
    "ProvisionAgreement": "dataprovision",
}

_REF = re.compile(r"^\s*([A-Za-z0-9_@$.\-]+):([A-Za-z0-9_@$\-]+)(?:\(([^)]*)\))?\s*$")


def urn_from_ref(kind: str, ref: str) -> str | None:
    """``dataflow`` + ``ESTAT:NA_MAIN(1.6.0)`` -> the dataflow URN (None if not a ref)."""
    klass = STRUCTURE_CLASSES.get(kind.strip().lower())
    match = _REF.match(ref)
    if klass is None or match is None:
        return None
    agency, ident, version = match.groups()
    return str(
        URN(package=PACKAGE[klass], klass=klass, agency=agency, id=ident, version=version or "1.0")
    )


def ref_from_urn(urn: str) -> tuple[str, str]:
    """A URN -> (STRUCTURE kind, ``AGENCY:ID(VERSION)``) for SDMX-CSV and links.

    Anything that is not a URN is taken for a dataflow reference already.
    """
    try:
        parsed = URN(urn)
    except ValueError:
        return "dataflow", urn
    agency = f"{parsed.agency}:" if parsed.agency else ""
    version = f"({parsed.version})" if parsed.version else ""
    return _KINDS.get(parsed.klass, "dataflow"), f"{agency}{parsed.id}{version}"


def short_text(value: object, limit: int = 40) -> str:
    """A value as text fit for an error message (hostile inputs can be megabytes)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 10]}...{text[-5:]}"


def to_float(
    values: pa.ChunkedArray | pa.Array,
    component: str,
    *,
    source: str | None,
    first_row: int = 1,
    decimal_comma: bool = False,
    tolerate: np.ndarray | None = None,
) -> np.ndarray | None:
    """Cast a string column to float64 as the standard spells numbers; empty cells become NaN.

    Returns None when some values are not numbers but every such row is one
    ``tolerate`` allows (e.g. ``-`` in Delete rows): the caller keeps strings.
    Otherwise a non-number raises ParseError naming its data row.
    """
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        return values.to_numpy(zero_copy_only=False).astype("float64", copy=False)
    cast, first = parse_doubles(values, decimal_comma=decimal_comma)
    if cast is not None:
        return cast.to_numpy(zero_copy_only=False)
    if (
        tolerate is not None
        and not (non_doubles(values, decimal_comma=decimal_comma) & ~tolerate).any()
    ):
        return None
    index = int(first or 0)
    value = values[index].as_py()
    raise ParseError(
        "Not a number",
        f"{component} must be a number as SDMX writes them, found {short_text(value)!r}",
        location=Location(
            source=source, row=first_row + index, line=first_row + index + 1, component=component
        ),
        context={"component": component, "value": short_text(value, 200)},
    )


def as_categorical(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    return values.astype("category")


def lift_actions(codes: pd.Series) -> tuple[Action, pd.Series | None]:
    """One action for the whole dataset, or a per-row ``ACTION`` column if they differ."""
    cats = codes.astype("category")
    mapping = {c: Action.parse(str(c)).value for c in cats.cat.categories}
    # Spellings of one action ("I", "Information", " I") are one action.
    actions = list(dict.fromkeys(mapping.values()))
    if len(actions) <= 1:
        return Action(actions[0] if actions else Action.INFORMATION.value), None
    position = {action: i for i, action in enumerate(actions)}
    # The code of each category's action; a missing cell (code -1) stays missing.
    lookup = np.array([position[mapping[c]] for c in cats.cat.categories] + [-1], dtype=np.int64)
    per_row = pd.Categorical.from_codes(lookup[cats.cat.codes.to_numpy()], categories=actions)
    return Action.INFORMATION, pd.Series(per_row, index=codes.index, name=codes.name)


def finish_frame(
    df: pd.DataFrame, layout: ComponentLayout | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Order columns by the layout, categorise coded columns, lift dataset attributes."""
    dataset_attrs: dict[str, str] = {}
    if layout is None:
        return df, dataset_attrs
    for attr in layout.attributes_at(AttachmentLevel.DATASET):
        if attr not in df.columns:
            continue
        uniques = df[attr].dropna().unique()
        if len(uniques) <= 1:
            if len(uniques) == 1:
                value = uniques[0]
                dataset_attrs[attr] = value if is_multi_value(value) else str(value)
            df = df.drop(columns=attr)
    order = [c for c in layout.all_columns() if c in df.columns]
    order += [c for c in layout.attributes if c in df.columns and c not in order]
    rest = [c for c in df.columns if c not in order]
    df = df[order + rest]
    for col in df.columns:
        comp = layout.components.get(col)
        if comp is None or col == layout.time_dimension or col in layout.measures:
            continue
        if comp.kind in (ValueKind.NUMBER, ValueKind.INTEGER) and comp.level is not None:
            continue
        if df[col].dtype == object and any(map(is_multi_value, df[col])):
            continue  # tuples and LocalisedText cells stay objects (Dataset contract)
        df[col] = as_categorical(df[col])
    return df, dataset_attrs
