"""The data provider: known, reporting its own country, from allowed sources (§3.5-5)."""

from __future__ import annotations

from mosy_sdmx.exceptions import Location, StructureNotFoundError
from mosy_sdmx.validation.checks.base import check
from mosy_sdmx.validation.context import SkipCheck, ValidationContext


@check("provider", "unknown-provider")
def check_provider(ctx: ValidationContext) -> None:
    if ctx.provider is None or ctx.structures is None:
        raise SkipCheck("no provider or no provider scheme")
    try:
        ctx.structures.provider(ctx.provider)
    except StructureNotFoundError:
        ctx.collector.add(
            "unknown-provider", {"provider": ctx.provider}, Location(source=ctx.dataset.source)
        )
        ctx.provider_unknown = True


@check("provider-scope", "ref-area-not-provider-country", "data-source-not-allowed", thb_only=True)
def check_provider_scope(ctx: ValidationContext) -> None:
    if ctx.provider is None or ctx.structures is None:
        raise SkipCheck("no provider given")
    if getattr(ctx, "provider_unknown", False):
        raise SkipCheck("unknown provider")
    country = ctx.provider_fact("country")
    if country and ctx.has("REF_AREA"):
        enc = ctx.encoded("REF_AREA")
        bad = enc.mask_outside({country})
        rows = ctx.unflagged("REF_AREA", bad)
        ctx.flag("REF_AREA", rows)
        ctx.collector.add_rows(
            "ref-area-not-provider-country",
            rows,
            lambda r: (
                {"value": enc.value_at(r), "provider": ctx.provider, "country": country},
                ctx.location(r, "REF_AREA"),
            ),
        )
    ptype = ctx.provider_fact("type")
    allowed = ctx.rules.data_source_by_provider_type.get(ptype or "")
    if allowed and ctx.has("DATA_SOURCE"):
        enc = ctx.encoded("DATA_SOURCE")
        bad = enc.mask_outside(allowed)
        rows = ctx.unflagged("DATA_SOURCE", bad)
        ctx.collector.add_rows(
            "data-source-not-allowed",
            rows,
            lambda r: (
                {
                    "value": enc.value_at(r),
                    "provider_type": ptype,
                    "allowed": ", ".join(sorted(allowed)),
                },
                ctx.location(r, "DATA_SOURCE"),
            ),
        )
