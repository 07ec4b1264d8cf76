"""Components present and filled: dimensions, measure, mandatory attributes, no strangers."""

from __future__ import annotations

import numpy as np

from mosy_sdmx.exceptions import Location
from mosy_sdmx.structures.layout import AttachmentLevel
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext

#: Columns some formats carry beside the components (SDMX-CSV); never unknown.
_TECHNICAL = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"}


@check(
    "components", "missing-dimension", "missing-measure", "unknown-component", "missing-attribute"
)
def check_components(ctx: ValidationContext) -> None:
    cols = set(ctx.frame.columns)
    src = ctx.dataset.source
    for dim in ctx.layout.key_columns():
        if dim not in cols:
            ctx.collector.add(
                "missing-dimension", {"component": dim}, Location(source=src, component=dim)
            )
    for measure in ctx.layout.measures[:1]:
        if measure not in cols:
            ctx.collector.add(
                "missing-measure", {"component": measure}, Location(source=src, component=measure)
            )
    for col in ctx.frame.columns:
        if col not in ctx.layout.components and col not in _TECHNICAL:
            ctx.collector.add(
                "unknown-component",
                {"component": col, "dsd": ctx.layout.dsd_id},
                Location(source=src, component=str(col)),
            )
    for attr in ctx.layout.attributes:
        comp = ctx.layout.components[attr]
        if not comp.mandatory:
            continue
        if attr not in cols and attr not in ctx.dataset.attributes:
            ctx.collector.add(
                "missing-attribute", {"component": attr}, Location(source=src, component=attr)
            )
    for attr, value in ctx.dataset.attributes.items():
        if attr not in ctx.layout.components and attr not in _TECHNICAL:
            ctx.collector.add(
                "unknown-component",
                {"component": attr, "dsd": ctx.layout.dsd_id},
                Location(source=src, component=attr),
            )
        elif value is None or str(value).strip() == "":
            comp = ctx.layout.components.get(attr)
            if comp is not None and comp.mandatory:
                ctx.collector.add(
                    "missing-attribute", {"component": attr}, Location(source=src, component=attr)
                )


@check("empty-values", "missing-dimension-value", "missing-attribute-value")
def check_empty_values(ctx: ValidationContext) -> None:
    for dim in ctx.layout.key_columns():
        if dim in ctx.frame.columns:
            rows = np.flatnonzero(ctx.empty(dim))
            ctx.collector.add_rows("missing-dimension-value", rows, _describe(ctx, dim))
            ctx.flag(dim, rows)
    for attr in ctx.layout.attributes:
        comp = ctx.layout.components[attr]
        if (
            comp.mandatory
            and comp.level is not AttachmentLevel.DATASET
            and attr in ctx.frame.columns
        ):
            rows = np.flatnonzero(ctx.empty(attr))
            ctx.collector.add_rows("missing-attribute-value", rows, _describe(ctx, attr))


def _describe(ctx: ValidationContext, component: str):
    return lambda r: ({"component": component}, ctx.location(r, component))
