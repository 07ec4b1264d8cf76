"""Conventional rounding to the nearest multiple of a base (§3.6 rule 4)."""

from __future__ import annotations

import numpy as np


def round_to_base(values: np.ndarray, base: int) -> np.ndarray:
    """Nearest multiple of ``base``; exact halves go up (5 → 10 for base 10).

    Integer counts never sit exactly half-way for an odd base; for an even base
    rounding half up is the usual convention of statistical offices.
    """
    return np.floor(values / base + 0.5) * base


def rounding_interval(
    rounded: np.ndarray, base: int, threshold: int
) -> tuple[np.ndarray, np.ndarray]:
    """Integer counts an attacker cannot tell apart behind a published rounded value.

    ``round_to_base`` maps v to r when r - base/2 <= v < r + base/2. Values
    below ``threshold`` are not published at all, so a published r >= threshold
    comes from at least ``threshold``; a published 0 is an exact 0.
    """
    lower = np.ceil(rounded - base / 2)
    upper = np.ceil(rounded + base / 2) - 1
    lower = np.where(rounded > 0, np.maximum(lower, threshold), 0.0)
    upper = np.where(rounded > 0, upper, 0.0)
    return lower, upper
