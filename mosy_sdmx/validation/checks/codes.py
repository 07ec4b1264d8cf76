"""Codes in their codelists, in the dataflow's and the provider's constraints; lengths."""

from __future__ import annotations

import difflib

import numpy as np

from mosy_sdmx.categoricals import rows_where
from mosy_sdmx.exceptions import Location, StructureNotFoundError
from mosy_sdmx.structures.layout import ValueKind
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import ValidationContext


@check("codelists", "unknown-code")
def check_codelists(ctx: ValidationContext) -> None:
    for comp_id, comp in ctx.layout.components.items():
        if comp.kind is not ValueKind.CODED or comp.codes is None:
            continue
        if comp_id in ctx.frame.columns:
            enc = ctx.encoded(comp_id)
            bad_values = ~np.asarray(enc.values.isin(list(comp.codes)), dtype=bool)
            if not bad_values.any():
                continue
            bad_rows = np.flatnonzero(rows_where(enc.codes, bad_values))
            ctx.flag(comp_id, bad_rows)
            # One suggestion per distinct bad value, not per row.
            hints = {v: suggest(ctx, comp_id, v) for v in enc.values[bad_values]}
            ctx.collector.add_rows(
                "unknown-code",
                bad_rows,
                lambda r, c=comp_id, e=enc, h=hints: (
                    {
                        "component": c,
                        "value": e.value_at(r),
                        "codelist": comp_codelist(ctx, c),
                        "suggestion": h.get(e.value_at(r), ""),
                    },
                    ctx.location(r, c),
                ),
            )
        elif comp_id in ctx.dataset.attributes:
            value = ctx.dataset.attributes[comp_id]
            if value is not None and str(value) != "" and str(value) not in comp.codes:
                ctx.collector.add(
                    "unknown-code",
                    {
                        "component": comp_id,
                        "value": str(value),
                        "codelist": comp_codelist(ctx, comp_id),
                        "suggestion": suggest(ctx, comp_id, str(value)),
                    },
                    Location(source=ctx.dataset.source, component=comp_id),
                )


@check(
    "constraints",
    "code-not-allowed",
    "code-not-allowed-for-provider",
    "flow-not-allowed-for-provider",
)
def check_constraints(ctx: ValidationContext) -> None:
    flow_allowed = ctx.allowed_codes()
    _apply(ctx, flow_allowed, "code-not-allowed")
    if ctx.provider and not ctx.provider_unknown:
        try:
            provider_allowed = ctx.allowed_codes(ctx.provider)
        except StructureNotFoundError:
            ctx.collector.add(
                "flow-not-allowed-for-provider",
                {"provider": ctx.provider, "flow": ctx.flow_id},
                Location(source=ctx.dataset.source),
            )
            return
        narrower = {
            c: codes for c, codes in provider_allowed.items() if codes != flow_allowed.get(c)
        }
        _apply(ctx, narrower, "code-not-allowed-for-provider")


def _apply(ctx: ValidationContext, allowed: dict[str, frozenset[str]], code: str) -> None:
    for comp_id, codes in allowed.items():
        if comp_id not in ctx.frame.columns or not codes:
            continue
        enc = ctx.encoded(comp_id)
        listed = ctx.layout.codes(comp_id)
        bad = ~np.asarray(enc.values.isin(list(codes)), dtype=bool)
        if listed is not None:  # unknown codes were reported already
            bad &= np.asarray(enc.values.isin(list(listed)), dtype=bool)
        if not bad.any():
            continue
        rows = ctx.unflagged(comp_id, rows_where(enc.codes, bad))
        ctx.flag(comp_id, rows)
        ctx.collector.add_rows(
            code,
            rows,
            lambda r, c=comp_id, e=enc: (
                {
                    "component": c,
                    "value": e.value_at(r),
                    "flow": ctx.flow_id,
                    "provider": ctx.provider,
                },
                ctx.location(r, c),
            ),
        )


@check("lengths", "value-too-long")
def check_lengths(ctx: ValidationContext) -> None:
    for comp_id, comp in ctx.layout.components.items():
        if not comp.max_length or comp_id not in ctx.frame.columns:
            continue
        enc = ctx.encoded(comp_id)
        lengths = np.asarray(enc.values.astype(str).str.len(), dtype=np.int64)
        too_long = lengths > comp.max_length
        if not too_long.any():
            continue
        rows = np.flatnonzero(rows_where(enc.codes, too_long))
        limit = comp.max_length
        ctx.collector.add_rows(
            "value-too-long",
            rows,
            lambda r, c=comp_id, e=enc, m=limit: (
                {"component": c, "length": len(str(e.value_at(r))), "max_length": m},
                ctx.location(r, c),
            ),
        )


def comp_codelist(ctx: ValidationContext, comp_id: str) -> str:
    return ctx.layout.components[comp_id].codelist or comp_id


def suggest(ctx: ValidationContext, comp_id: str, value: str) -> str:
    """' Did you mean EL (Greece)?' from aliases, case or spelling; '' if nothing fits."""
    codes = ctx.layout.components[comp_id].codes or frozenset()
    value = str(value)
    candidate = ctx.rules.code_aliases.get(comp_id, {}).get(value)
    if candidate not in codes:
        candidate = None
    if candidate is None:
        by_case = {c.upper(): c for c in codes}
        candidate = by_case.get(value.strip().upper())
    if candidate is None and len(codes) <= 5000:
        close = difflib.get_close_matches(value.upper(), sorted(codes), n=1, cutoff=0.75)
        candidate = close[0] if close else None
    if candidate is None:
        return ""
    label = ctx.code_label(comp_id, candidate)
    return f" Did you mean {candidate} ({label})?" if label else f" Did you mean {candidate}?"
