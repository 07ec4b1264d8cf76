"""Components the structure does not know: one read option, one error, in every reader.

``extra_columns`` is a read option of every reader (``read_data(...,
extra_columns=...)``): ``"error"`` (the default) refuses a component the
structure given does not have, naming them all where the message lists its
components (SDMX-CSV, SDMX-JSON, workbooks) and the first with its position
where it streams (SDMX-ML); ``"keep"`` keeps them as plain columns, for
``write_data(..., drop_unknown=True)`` (``mosy convert --drop-unknown``) to drop
on purpose; ``"ignore"`` leaves them out. Without a structure nothing is unknown.
"""

from __future__ import annotations

from typing import Literal, cast

from mosy_sdmx.exceptions import Location, ParseError

Extra = Literal["error", "keep", "ignore"]
#: How a library caller keeps them (the CLI says ``--drop-unknown`` instead).
KEEP_HINT = "or read with extra_columns='keep' to keep them"
EXTRA_CHOICES: tuple[Extra, ...] = ("error", "keep", "ignore")


def extra_option(value: object) -> Extra:
    """``value`` as an ``extra_columns`` choice; another value is the caller's error."""
    if value not in EXTRA_CHOICES:
        raise ValueError(f"extra_columns must be one of {', '.join(EXTRA_CHOICES)}; not {value!r}")
    return cast(Extra, value)


def unknown_components(
    names: list[str], structure: str | None, location: Location | None = None
) -> ParseError:
    """The error for components ``names`` that ``structure`` does not have."""
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    verb = "is not a component" if len(names) == 1 else "are not components"
    return ParseError(
        "Unknown component",
        f"{shown} {verb} of {structure or 'the structure given'}: that structure may "
        f"describe another dataflow (give the data's own), {KEEP_HINT}",
        location=location,
        context={"component": names[0], "unknown": list(names), "structure": structure},
    )
