"""Conventional rounding to the nearest multiple of a base (§3.6 rule 4)."""

from __future__ import annotations

import numpy as np


def round_to_base(values: np.ndarray, base: int) -> np.ndarray:
    """Nearest multiple of ``base``; exact halves go up (5 → 10 for base 10).

    Integer counts never sit exactly half-way for an odd base; for an even base
    rounding half up is the usual convention of statistical offices.
    """
    return np.floor(values / base + 0.5) * base
