"""The limits every reader holds untrusted input to, in one place.

Nothing is allocated by a number read from the input: sizes, nesting and
workbook dimensions are checked against these limits first, and input beyond
them is refused with a ParseError that names the limit. Defaults suit THB
data (a template is a few thousand rows and a few dozen columns; bulk data
comes as CSV or XML); a service with other needs changes them once at start-up
with ``set_limits`` or through ``MOSY_*`` environment variables (README,
Security).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

__all__ = ["Limits", "get_limits", "limits_override", "set_limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on untrusted input; each field is also ``MOSY_<FIELD NAME IN CAPITALS>``.

    Attributes:
        max_depth: deepest nesting of XML elements and of JSON arrays/objects
            (SDMX messages need about 10).
        max_unpacked_bytes: most bytes a gzip input, a zip member or a whole
            workbook may unpack to.
        max_ratio: largest unpacked/packed ratio, once ``ratio_floor`` bytes are
            unpacked (deflate tops out near 1032:1; SDMX compresses about 20:1).
        ratio_floor: unpacked bytes before ``max_ratio`` applies.
        max_sheet_rows: highest row number a workbook cell or dimension may name.
        max_sheet_columns: highest column number (A = 1) a workbook cell may name.
        max_sheet_cells: largest area (rows x columns, from A1) of one sheet, which
            is what a sheet reader allocates.
        max_sheet_sparseness: largest ratio of a sheet's area to the cells it holds,
            once the area passes a million cells (a few bytes naming a far cell
            must not cost seconds of reading).
    """

    max_depth: int = 64
    max_unpacked_bytes: int = 8 * 1024**3
    max_ratio: int = 100
    ratio_floor: int = 16 * 1024**2
    max_sheet_rows: int = 1_048_576
    max_sheet_columns: int = 1_024
    max_sheet_cells: int = 5_000_000
    max_sheet_sparseness: int = 100

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {field.name} must be a positive integer, not {value!r}")

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Limits:
        """Defaults, overridden by ``MOSY_MAX_DEPTH`` and the like where set."""
        environ = dict(os.environ if environ is None else environ)
        changes = {}
        for field in fields(cls):
            text = environ.get(f"MOSY_{field.name.upper()}")
            if text is not None and text.strip():
                try:
                    changes[field.name] = int(text.replace("_", ""))
                except ValueError:
                    raise ValueError(
                        f"MOSY_{field.name.upper()} must be a whole number, not {text!r}"
                    ) from None
        return cls(**changes)


_current = Limits.from_environment()


def get_limits() -> Limits:
    """The limits in force."""
    return _current


def set_limits(limits: Limits | None = None, **changes: int) -> Limits:
    """Put ``limits`` (or the current ones with ``changes``) in force; return the previous.

    Meant for start-up (a registry applies its settings once): the limits are
    process-wide, and a reader takes them when it starts.
    """
    global _current
    previous = _current
    _current = replace(limits or _current, **changes)
    return previous


@contextmanager
def limits_override(**changes: int) -> Iterator[Limits]:
    """Other limits for the duration of a ``with`` block (tests, one-off tools)."""
    previous = set_limits(**changes)
    try:
        yield _current
    finally:
        set_limits(previous)
