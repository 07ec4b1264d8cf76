"""Real-world deviations from the SDMX standards that the readers tolerate: the one list.

Published messages sometimes bend the standard in ways whose intent is
clear and where reading them loses nothing (a ``DataSet`` element in the
wrong namespace, an SDMX-JSON attribute listed without values). The readers
accept exactly the deviations catalogued here and nothing else: each one read
is recorded on the returned Dataset (``Dataset.deviations``) and issued as a
``DeviationWarning``, so the CLI, the registry and a library user all learn
of it. Nothing is tolerated silently. ``docs/deviations.md`` shows each one
with an example; a test keeps that page and this catalogue in step, and
another makes every reader that tolerates one prove it warns.

To tolerate a new deviation: add it to ``CATALOGUE`` (code, title, who
writes it, what the reader does), document it, and call ``tolerate`` where
the reader meets it.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Any

from mosy_sdmx.exceptions import Location


class DeviationWarning(UserWarning):
    """A message departs from the SDMX standard in a way the reader tolerates."""


@dataclass(frozen=True, slots=True)
class KnownDeviation:
    """One tolerated deviation: what it is, who writes it, what the reader makes of it."""

    code: str
    title: str
    seen_in: str
    reading: str


@dataclass(frozen=True, slots=True)
class Deviation:
    """One deviation met in one message (what ``Dataset.deviations`` holds)."""

    code: str
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location is not None and str(self.location) else ""
        return f"{self.message}{where}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.location is not None:
            out["location"] = self.location.to_dict()
        return out


CATALOGUE: dict[str, KnownDeviation] = {
    d.code: d
    for d in (
        KnownDeviation(
            code="dataset-outside-message-namespace",
            title="DataSet element outside the message namespace",
            seen_in=(
                "Eurostat structure-specific SDMX-ML 2.1 replies put <DataSet> in the "
                "data structure's own namespace"
            ),
            reading="read as the message's DataSet",
        ),
        KnownDeviation(
            code="json-attribute-without-values",
            title="SDMX-JSON attribute listed without values",
            seen_in=(
                "OECD SDMX-JSON 1.0 replies list an attribute with an empty 'values' "
                "array and leave it out of the observations' (or series') arrays"
            ),
            reading="the attribute is ignored: it has no value anywhere in the message",
        ),
    )
}


def tolerate(code: str, detail: str, *, location: Location | None = None) -> Deviation:
    """Record one catalogued deviation met in a message and warn about it.

    ``code`` must be in ``CATALOGUE`` (a KeyError otherwise: a reader may only
    tolerate what is documented). The warning points at the caller's own code,
    the first frame outside this package. Returns the record for
    ``Dataset.deviations``.
    """
    known = CATALOGUE[code]
    deviation = Deviation(code, f"{known.title}: {detail}; {known.reading}", location)
    warnings.warn(DeviationWarning(str(deviation)), stacklevel=_outside_the_library())
    return deviation


def _outside_the_library() -> int:
    """The ``stacklevel`` of the nearest frame that is not mosy_sdmx's."""
    frame = sys._getframe(2)  # the caller of tolerate: stacklevel 2
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("mosy_sdmx"):
        frame = frame.f_back
        level += 1
    return level
