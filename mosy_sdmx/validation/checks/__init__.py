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


#: Run order by module: structure first (later checks skip rows it flagged),
#: plausibility last. Import order does not matter.
ORDER = ("structure", "codes", "keys", "time", "measure", "attributes", "provider",
         "additivity", "plausibility")


def all_checks() -> list[Check]:
    def stage(chk: Check) -> int:
        return ORDER.index(chk.func.__module__.rsplit(".", 1)[-1])

    return sorted(REGISTRY, key=stage)


__all__ = ["Check", "all_checks"]
