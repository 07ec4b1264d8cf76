"""Nothing is dropped on write: what ``write_data`` checks before a writer sees the data.

Writers write the components of the layout they are given and nothing else,
so a column the layout does not know would vanish from the output without a
word (a JSON file converted with another dataflow's structure lost a
dimension that way). Likewise a format that cannot carry what a cell holds
(several values, a text in several languages, a per-row action) would
flatten or drop it. ``check_fit`` refuses such a write with the columns
named, unless the caller asks to drop the unknown columns
(``drop_unknown=True``, ``mosy convert --drop-unknown``); the other losses
have no such switch: write a format that can carry them.
"""

from __future__ import annotations

import pandas as pd

from mosy_sdmx.dataset import Dataset, is_multi_value
from mosy_sdmx.exceptions import DatasetError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.structures.layout import ComponentLayout

#: Columns formats carry beside the components.
TECHNICAL = frozenset({"ACTION"})
#: Formats with an action per observation (SDMX-JSON writes one data set per action).
ROW_ACTIONS = frozenset({DataFormat.SDMX_CSV_20, DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20})
#: Formats whose writers keep every dataset-level attribute, component or not.
ALL_DATASET_ATTRIBUTES = frozenset(
    {DataFormat.XLSX, DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20}
)
#: Formats that carry several values, and texts in several languages, in one cell.
MULTI_VALUES = frozenset({DataFormat.SDMX_ML_30, DataFormat.SDMX_JSON_20, DataFormat.SDMX_CSV_20})


def check_fit(
    dataset: Dataset, layout: ComponentLayout, fmt: DataFormat, *, drop_unknown: bool = False
) -> Dataset:
    """The dataset to write: unchanged, or without its unknown columns when asked.

    Raises DatasetError naming what would be lost otherwise.
    """
    known = set(layout.components) | TECHNICAL
    unknown = [str(c) for c in dataset.data.columns if c not in known]
    if fmt not in ALL_DATASET_ATTRIBUTES:
        unknown += [a for a in dataset.attributes if a not in known and a not in unknown]
    if "STRUCTURE_ID" in unknown and not drop_unknown:
        raise DatasetError(
            "Data of several structures",
            "the rows name the structure each belongs to (STRUCTURE_ID, as SDMX-CSV 2.0 "
            "allows): split the data by STRUCTURE_ID and write each part with its structure",
            context={"unknown": unknown},
        )
    if unknown and not drop_unknown:
        raise DatasetError(
            "Data does not fit the structure",
            f"{_listed(unknown)} {'is no component' if len(unknown) == 1 else 'are no components'}"
            f" of {_structure_name(layout)}: the structure given probably describes another "
            "dataflow. Give the data's own structure, or drop those columns on purpose "
            "(drop_unknown=True; mosy convert --drop-unknown)",
            context={"unknown": unknown, "structure": _structure_name(layout)},
        )
    if unknown:
        data = dataset.data.drop(columns=[c for c in unknown if c in dataset.data.columns])
        attributes = {k: v for k, v in dataset.attributes.items() if k not in unknown}
        dataset = dataset.with_data(data)
        dataset.attributes = attributes
    _check_actions(dataset, fmt)
    _check_multi_values(dataset, fmt)
    _check_roles(layout, fmt)
    return dataset


#: Formats that tell dimensions from attributes in what they write.
_ROLES_WRITTEN = frozenset(
    {DataFormat.SDMX_ML_21_GENERIC, DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20}
)


def _check_roles(layout: ComponentLayout, fmt: DataFormat) -> None:
    """Generic SDMX-ML and SDMX-JSON state each component's role: a guessed one
    (structure-specific data read without its DSD) would be written as a fact."""
    if layout.guessed_dimensions and fmt in _ROLES_WRITTEN:
        raise DatasetError(
            "Dimensions not known",
            f"the data was read without its data structure, and its message does not say "
            f"whether {_listed(list(layout.guessed_dimensions))} are dimensions or attributes; "
            f"{fmt.value} must say: give the data structure (structure=...; mosy convert "
            "--structure FILE)",
            context={"guessed": list(layout.guessed_dimensions), "format": fmt.value},
        )


def _check_actions(dataset: Dataset, fmt: DataFormat) -> None:
    if "ACTION" not in dataset.data.columns or fmt in ROW_ACTIONS:
        return
    actions = sorted({str(a) for a in pd.unique(dataset.data["ACTION"].dropna())})
    if len(actions) > 1:
        raise DatasetError(
            "Several actions in one data set",
            f"the observations carry the actions {', '.join(actions)}; {fmt.value} holds one "
            "action per data set: write sdmx-csv-2.0 or SDMX-JSON, or split the data by action",
            context={"actions": actions, "format": fmt.value},
        )


def _check_multi_values(dataset: Dataset, fmt: DataFormat) -> None:
    if fmt in MULTI_VALUES:
        return
    holding = [
        str(name)
        for name in dataset.data.columns
        if dataset.data[name].dtype == object and any(map(is_multi_value, dataset.data[name]))
    ]
    holding += [k for k, v in dataset.attributes.items() if is_multi_value(v)]
    if holding:
        formats = ", ".join(sorted(f.value for f in MULTI_VALUES))
        raise DatasetError(
            "Values the format cannot hold",
            f"{_listed(holding)} {'holds' if len(holding) == 1 else 'hold'} several values or "
            f"texts in several languages, which {fmt.value} cannot carry: write {formats}",
            context={"components": holding, "format": fmt.value},
        )


def _listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _structure_name(layout: ComponentLayout) -> str:
    return f"dataflow {layout.flow_id}" if layout.flow_id else f"data structure {layout.dsd_id}"
