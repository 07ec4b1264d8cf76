"""SDMX-ML 2.1 GenericData writer, from columns.

Generic data needs no dataflow-specific schema: every component is a
``generic:Value id=... value=...``. An ``Attributes`` wrapper is written only
on rows that carry at least one attribute value (the schema wants one Value
at least), decided column-wise like everything else.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.io.sdmx_ml._write_body import is_numeric, write_flat, write_series
from mosy_sdmx.io.sdmx_ml._write_columns import Fragments, fragments
from mosy_sdmx.io.sdmx_ml._write_envelope import (
    STRUCTURE_ID,
    check_dimension_at_observation,
    message,
    require_key_columns,
    structure_ref,
)
from mosy_sdmx.io.sdmx_ml._write_plan import plan
from mosy_sdmx.io.sdmx_ml.ss_writer import dataset_attribute_values
from mosy_sdmx.structures.layout import ComponentLayout

G = "generic:"


def write(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    dimension_at_observation: str = "TIME_PERIOD",
    data_provider: bool = False,
    **options: Any,
) -> None:
    """SDMX-ML 2.1 GenericData, series-keyed or flat (AllDimensions).

    ``data_provider=True`` adds the DataSet's DataProvider reference (from
    ``Dataset.provider``); off by default because sdmx1 cannot read it.
    """
    dim_at_obs = check_dimension_at_observation(layout, dimension_at_observation)
    ref = structure_ref(layout)
    where = plan(layout, dim_at_obs)
    require_key_columns(layout, dataset)
    ds_attrs = {"structureRef": STRUCTURE_ID, "action": Action.parse(dataset.action).value}
    ds_values = dataset_attribute_values(dataset, where.dataset_attributes)

    with message(stream, "GenericData", ns.NSMAP_21_GENERIC, ns.MESSAGE_21, ns.COMMON_21) as env:
        env.header(dataset, ref, dim_at_obs, version="2.1", structure_specific=False)
        with env.xf.element(f"{{{ns.MESSAGE_21}}}DataSet", ds_attrs):
            if data_provider:
                env.data_provider(f"{{{ns.GENERIC_21}}}DataProvider", dataset.provider,
                                  layout.agency, "2.1")  # fmt: skip
            if ds_values:
                with env.xf.element(f"{{{ns.GENERIC_21}}}Attributes"):
                    for name, value in ds_values.items():
                        env.empty(f"{{{ns.GENERIC_21}}}Value", {"id": name, "value": value})
            env.xf.write("\n")
            env.flush()
            write_body(dataset, stream, layout, dim_at_obs)


def write_body(
    dataset: Dataset,
    stream: BinaryIO,
    layout: ComponentLayout,
    dimension_at_observation: str,
    *,
    series_only: bool = False,
) -> None:
    """The lines between the DataSet tags: generic series (or flat) observations.

    With ``series_only`` each row is one series written without observations.
    """
    where = plan(layout, dimension_at_observation)
    data = dataset.data
    obs_value = _obs_value(data, layout, where.measures)
    if where.flat:
        parts = [f"<{G}Obs><{G}ObsKey>", *_values(data, layout, where.obs_dimensions),
                 f"</{G}ObsKey>", *obs_value, *_attributes(data, layout, where.obs_attributes),
                 f"</{G}Obs>\n"]  # fmt: skip
        write_flat(stream, len(data), parts)
        return
    series = [f"<{G}Series><{G}SeriesKey>", *_values(data, layout, where.series_dimensions),
              f"</{G}SeriesKey>", *_attributes(data, layout, where.series_attributes),
              "\n"]  # fmt: skip
    obs_dim = [
        fragments(data[d], lambda t: f'<{G}ObsDimension value="{t}"/>')
        for d in where.obs_dimensions
        if d in data.columns
    ]
    obs = [f"<{G}Obs>", *obs_dim, *obs_value, *_attributes(data, layout, where.obs_attributes),
           f"</{G}Obs>\n"]  # fmt: skip
    write_series(stream, data, where.series_dimensions, series, [] if series_only else obs,
                 f"</{G}Series>\n")  # fmt: skip


def _values(data: pd.DataFrame, layout: ComponentLayout, names) -> list[Fragments]:
    """One ``generic:Value`` per component present, as per-row fragments (empty when missing)."""
    out = []
    for name in names:
        if name in data.columns:
            numeric = is_numeric(layout, data[name], name)
            out.append(
                fragments(
                    data[name],
                    lambda t, name=name: f'<{G}Value id="{name}" value="{t}"/>',
                    numeric=numeric,
                )
            )
    return out


def _attributes(data: pd.DataFrame, layout: ComponentLayout, names) -> list:
    """The attribute values wrapped in ``generic:Attributes`` on the rows that carry one
    (the schema wants at least one Value inside), decided column-wise."""
    parts = _values(data, layout, names)
    if not parts:
        return []
    has_any = np.zeros(len(data), dtype=bool)
    for part in parts:
        has_any |= part.codes >= 0
    flag = np.where(has_any, 0, -1)
    opening = Fragments(flag, pa.array([f"<{G}Attributes>", ""], pa.string()))
    closing = Fragments(flag, pa.array([f"</{G}Attributes>", ""], pa.string()))
    return [opening, *parts, closing]


def _obs_value(data: pd.DataFrame, layout: ComponentLayout, measures) -> list[Fragments]:
    """``generic:ObsValue`` of the primary measure, when the data has it."""
    measure = measures[0] if measures else None
    if not measure or measure not in data.columns:
        return []
    numeric = is_numeric(layout, data[measure], measure)
    return [fragments(data[measure], lambda t: f'<{G}ObsValue value="{t}"/>', numeric=numeric)]
