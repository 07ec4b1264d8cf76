"""Conditional attributes and attribute coherence, as declared in rules.yaml (§3.5-6)."""

from __future__ import annotations

import numpy as np

from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext


@check("conditional-attributes", "conditional-attribute-missing", thb_only=True)
def check_conditional(ctx: ValidationContext) -> None:
    for rule in ctx.rules.conditional_attributes:
        if rule.attribute not in ctx.layout.components:
            continue
        if rule.dsds and ctx.layout.dsd_id not in rule.dsds:
            continue
        if not ctx.applies_to_flow(rule.flows):
            continue
        required = ctx.mask_where(rule.when)
        if required is None:
            continue  # a condition column is missing; reported by the structure check
        if rule.unless:
            excluded = ctx.mask_where(rule.unless)
            if excluded is None:
                continue
            required &= ~excluded
        attr = rule.attribute
        if ctx.has(attr):
            missing = required & ctx.empty(attr)
        elif str(ctx.dataset.attributes.get(attr) or "").strip():
            continue
        else:
            missing = required
        rows = np.flatnonzero(missing)
        fields_of = _row_fields(ctx, [*rule.when, *rule.unless])
        ctx.collector.add_rows(
            "conditional-attribute-missing", rows, _describer(ctx, attr, rule.reason, fields_of)
        )


@check("attribute-coherence", "incoherent-attributes", thb_only=True)
def check_coherence(ctx: ValidationContext) -> None:
    for rule in ctx.rules.attribute_coherence:
        if not ctx.applies_to_flow(rule.flows):
            continue
        where = ctx.mask_where(rule.when)
        if where is None:
            continue
        for comp, codes in rule.require.items():
            if ctx.has(comp):
                enc = ctx.encoded(comp)
                bad = where & enc.mask_outside(codes)
                _emit(ctx, comp, bad, rule.reason, [*rule.when, comp])
        for comp, codes in rule.forbid.items():
            if ctx.has(comp):
                bad = where & ctx.encoded(comp).mask_in(codes)
                _emit(ctx, comp, bad, rule.reason, [*rule.when, comp])


def _describer(ctx: ValidationContext, attr: str, reason: str, fields_of):
    return lambda r: (
        {"component": attr, "reason": _fill(reason, fields_of(r))},
        ctx.location(r, attr),
    )


def _emit(ctx: ValidationContext, comp: str, bad: np.ndarray, reason: str, cols) -> None:
    enc = ctx.encoded(comp)
    fields_of = _row_fields(ctx, cols)
    ctx.collector.add_rows(
        "incoherent-attributes",
        np.flatnonzero(bad),
        lambda r: (
            {"component": comp, "value": enc.value_at(r), "reason": _fill(reason, fields_of(r))},
            ctx.location(r, comp),
        ),
    )


def _row_fields(ctx: ValidationContext, columns):
    cols = [c for c in columns if ctx.has(c)]
    return lambda r: {c: ctx.encoded(c).value_at(r) for c in cols}


def _fill(template: str, fields: dict) -> str:
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template
