"""Numbers as the SDMX standard spells them, one rule for every reader.

SDMX numeric values are XML Schema doubles (SDMX-ML; SDMX-CSV and SDMX-JSON
take the same lexical forms): digits with an optional sign, decimal point and
exponent, ``NaN`` (SDMX's missing value) and ``INF``/``-INF``, with surrounding
whitespace ignored. Python's ``float()`` and Arrow take more (``1_000``,
``nan``, ``inf``, ``Infinity``, Arabic-Indic digits), so a reader that casts
with them would quietly accept what the standard and other tools do not; and
a reader that checks with one and casts with the other can disagree with
itself. Here Arrow casts (fast), and whatever it accepts that the standard
spells otherwise, or refuses, is found and reported by index.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: The lexical space of xs:double (XML Schema 1.1 also allows ``+INF``).
XSD_DOUBLE = r"^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN)$"
_SPECIAL = pa.array(["NaN", "INF", "+INF", "-INF"])
_DECIMAL = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def parse_doubles(
    values: pa.Array | pa.ChunkedArray, *, decimal_comma: bool = False
) -> tuple[pa.Array | pa.ChunkedArray | None, int | None]:
    """``(float64 values, None)``, or ``(None, index of the first value that is no number)``.

    ``values`` are strings; empty and missing ones become null. With
    ``decimal_comma`` a ``,`` stands for the decimal point (SDMX-CSV with ``;``).
    """
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pc.cast(values, pa.string())
    trimmed = pc.utf8_trim_whitespace(values)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    if decimal_comma:
        trimmed = pc.replace_substring(trimmed, ",", ".")
    try:
        cast = pc.cast(trimmed, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None, first_non_double(trimmed)
    special = pc.or_(pc.is_nan(cast), pc.is_inf(cast))
    if not pc.any(special).as_py():
        return cast, None
    spelt = pc.filter(trimmed, special)
    standard = pc.or_(
        pc.is_in(spelt, value_set=_SPECIAL), pc.match_substring_regex(spelt, _DECIMAL)
    )
    if pc.all(standard).as_py():
        return cast, None
    return None, first_non_double(trimmed)


def non_doubles(values: pa.Array | pa.ChunkedArray, *, decimal_comma: bool = False) -> np.ndarray:
    """Mask of the values (strings, trimmed or not) outside the xs:double lexical space."""
    trimmed = pc.utf8_trim_whitespace(values)
    if decimal_comma:
        trimmed = pc.replace_substring(trimmed, ",", ".")
    valid = pc.or_(pc.equal(trimmed, ""), pc.match_substring_regex(trimmed, XSD_DOUBLE))
    return pc.invert(pc.fill_null(valid, True)).to_numpy(zero_copy_only=False)


def first_non_double(trimmed: pa.Array | pa.ChunkedArray) -> int | None:
    """Index of the first non-null value outside the xs:double lexical space."""
    found = np.flatnonzero(non_doubles(trimmed))
    return int(found[0]) if len(found) else None


def objects_to_doubles(values: np.ndarray) -> tuple[np.ndarray, int | None]:
    """Values of any type (JSON values, workbook cells) -> float64, or the first non-number.

    Numbers are numbers; text must be spelt as SDMX numbers are (blank text is
    missing); None is missing; anything else (a boolean, a date, a number too
    large for a double) is no number.
    """
    out = np.full(len(values), np.nan)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    is_number = np.fromiter(
        (isinstance(v, (int, float)) and not isinstance(v, bool) for v in values),
        dtype=bool,
        count=len(values),
    )
    bad = ~(is_text | is_number | np.fromiter((v is None for v in values), bool, len(values)))
    try:
        out[is_number] = values[is_number].astype(np.float64)
    except OverflowError:
        for index in np.flatnonzero(is_number):
            try:
                out[index] = float(values[index])
            except OverflowError:
                bad[index] = True
    if is_text.any():
        where = np.flatnonzero(is_text)
        parsed, first = parse_doubles(pa.array(values[is_text], type=pa.string()))
        if parsed is None:
            bad[where[first or 0]] = True
        else:
            out[where] = parsed.to_numpy(zero_copy_only=False)
    found = np.flatnonzero(bad)
    return out, (int(found[0]) if len(found) else None)
