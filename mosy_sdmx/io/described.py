"""The components a table-like message shows without a structure (SDMX-CSV, workbooks).

SDMX-CSV does not say which columns are dimensions; by the order every writer
uses (dimensions, the time dimension, measures, attributes), the columns before
the measure are taken for the key. That is a guess, and the layout says so
(``guessed_dimensions``): it keeps each column in place for SDMX-CSV and
structure-specific output, while generic SDMX-ML and SDMX-JSON, which state
each component's role, ask for the structure instead.
"""

from __future__ import annotations

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures.layout import AttachmentLevel, ComponentLayout, described_layout

#: Columns of the format itself, never components.
_TECHNICAL = {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "DATAFLOW", "ACTION"}
MEASURE = "OBS_VALUE"
TIME = "TIME_PERIOD"


def table_layout(dataset: Dataset) -> ComponentLayout | None:
    """A layout guessed from the column order, or None without an OBS_VALUE column."""
    columns = [str(c) for c in dataset.data.columns if c not in _TECHNICAL]
    if MEASURE not in columns:
        return None
    at = columns.index(MEASURE)
    multi = {c for c in columns if dataset.data[c].dtype == object}  # never a key
    dims = [c for c in columns[:at] if c not in multi]
    attributes = dict.fromkeys([c for c in columns[:at] if c in multi], AttachmentLevel.OBSERVATION)
    attributes.update(dict.fromkeys(columns[at + 1 :], AttachmentLevel.OBSERVATION))
    attributes.update(dict.fromkeys(dataset.attributes, AttachmentLevel.DATASET))
    return described_layout(
        structure_urn=dataset.structure_urn,
        dimensions=dims,
        time_dimension=TIME if TIME in dims else None,
        measures=[MEASURE],
        attributes=attributes,
        numeric_measures={MEASURE} if dataset.data[MEASURE].dtype == "float64" else set(),
        guessed_dimensions=tuple(d for d in dims if d != TIME),
    )
