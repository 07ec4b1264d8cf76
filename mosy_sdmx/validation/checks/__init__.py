"""The checks, in the order they run: structure first, plausibility last.

Importing the modules registers their checks; ``all_checks()`` lists them.
"""

from __future__ import annotations

from mosy_sdmx.validation.checks import (  # noqa: F401 - imported to register
    additivity,
    attributes,
    codes,
    keys,
    measure,
    plausibility,
    provider,
    structure,
    time,
)
from mosy_sdmx.validation.checks.base import REGISTRY, Check

#: Run order: structure first, plausibility last. Earlier checks flag rows per
#: component and later ones skip them, so the most specific code wins (a REF_AREA
#: outside the provider's country is reported as such, not as a constraint breach).
ORDER = (
    "components",
    "empty-values",
    "codelists",
    "provider",
    "provider-scope",
    "constraints",
    "lengths",
    "duplicates",
    "time-periods",
    "measure",
    "conditional-attributes",
    "attribute-coherence",
    "additivity",
    "ordered-values",
    "consolidated-figure",
    "implausible-combinations",
    "year-on-year",
)


def all_checks() -> list[Check]:
    """Every registered check, in run order (structure first, plausibility last)."""
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(REGISTRY, key=lambda chk: rank.get(chk.name, len(ORDER)))


__all__ = ["Check", "all_checks"]
