"""Secondary suppression: hide more cells until no hidden cell can be derived.

Two stages, both repeated to a fixed point:

1. Counting (fast, columnar): a group instance with exactly one hidden member
   gives that member away by subtraction, whether it is a part (total minus the
   published parts) or the total (sum of the parts). Each such group hides one
   more member: the smallest non-zero published part; failing that a zero part,
   then the total. Ties go to the member listed first in ``rules.yaml``.
2. Exact (linear algebra, ``exposure``): the published values of all groups
   together may still determine a hidden cell although every group has ≥ 2
   hidden members (a cell in SEX, AGE and EXPLOIT groups at once). For each
   such cell, hide the best candidate in one of its groups and go back to 1.

Cells that must stay published (country totals) are never picked. When a
determined cell has no candidate left it is reported as a residual risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.exposure import determined_cells
from mosy_sdmx.disclosure.groups import Membership, hidden_per_group

MAX_ROUNDS = 10_000
#: Extra cells hidden for one determined cell before it counts as a residual risk.
MAX_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class SecondaryResult:
    secondary: np.ndarray  # bool per row: hidden by this stage
    residual: np.ndarray  # row positions still determined (nothing left to hide)
    rounds: int


def _best_per_key(keys: np.ndarray, rows: np.ndarray, value: np.ndarray, pos: np.ndarray):
    """For each distinct key, the candidate row to hide (non-zero, part, smallest, first)."""
    v = value[rows]
    order = np.lexsort((pos, v, pos == 0, v == 0, keys))
    keys_sorted = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys_sorted[1:] != keys_sorted[:-1]
    return keys_sorted[first], rows[order][first]


def _count_fixed_point(
    m: Membership, hidden: np.ndarray, eligible: np.ndarray, value: np.ndarray
) -> int:
    """Hide members until no group has exactly one hidden member (or none can be)."""
    rounds = 0
    while True:
        need = hidden_per_group(m, hidden) == 1
        if not need.any():
            return rounds
        sel = need[m.gid] & ~hidden[m.row] & eligible[m.row]
        if not sel.any():
            return rounds
        _, chosen = _best_per_key(m.gid[sel], m.row[sel], value, m.pos[sel])
        hidden[chosen] = True
        rounds += 1


def _stuck_members(m: Membership, hidden: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Hidden cells alone in a group with nothing left to hide: no extra cell can help."""
    alone = hidden_per_group(m, hidden) == 1
    open_ = np.bincount(m.gid, weights=~hidden[m.row] & eligible[m.row], minlength=m.n_groups)
    stuck = alone & (open_ == 0)
    return np.unique(m.row[stuck[m.gid] & hidden[m.row]])


def _candidates_for(
    m: Membership,
    hidden: np.ndarray,
    eligible: np.ndarray,
    value: np.ndarray,
    targets: np.ndarray,
) -> np.ndarray:
    """For each target cell, the best cell to hide among the groups that hold it."""
    is_target = np.zeros(len(hidden), dtype=bool)
    is_target[targets] = True
    t_sel = is_target[m.row]
    c_sel = ~hidden[m.row] & eligible[m.row]
    pairs = pd.DataFrame({"target": m.row[t_sel], "gid": m.gid[t_sel]}).merge(
        pd.DataFrame({"gid": m.gid[c_sel], "cand": m.row[c_sel], "pos": m.pos[c_sel]}),
        on="gid",
    )
    if pairs.empty:
        return np.zeros(0, dtype=np.int64)
    _, chosen = _best_per_key(
        pairs["target"].to_numpy(), pairs["cand"].to_numpy(), value, pairs["pos"].to_numpy()
    )
    return np.unique(chosen)


def secondary_suppression(
    m: Membership, hidden: np.ndarray, eligible: np.ndarray, value: np.ndarray
) -> SecondaryResult:
    """Extend ``hidden`` (copied) until no hidden cell is derivable from the groups.

    Args:
        m: the group instances.
        hidden: bool per row, cells already suppressed (primary, confidential, ...).
        eligible: bool per row, cells that may be hidden as secondary.
        value: the raw values (float; used for picking the smallest part).
    """
    work = hidden.copy()
    attempts = np.zeros(len(hidden), dtype=np.int64)
    rounds = 0
    determined = np.zeros(0, dtype=np.int64)
    while rounds < MAX_ROUNDS:
        rounds += 1 + _count_fixed_point(m, work, eligible, value)
        determined, _ = determined_cells(m, work)
        if len(determined) == 0:
            break
        attempts[_stuck_members(m, work, eligible)] = MAX_ATTEMPTS
        open_ = attempts[determined] < MAX_ATTEMPTS
        if not open_.any():
            break
        # Every determined cell gets its own extra hidden cell this round: fewer
        # rounds (each needs a decomposition per changed component) at the price
        # of a little more suppression than one cell at a time.
        targets = determined[open_]
        attempts[targets] += 1
        chosen = _candidates_for(m, work, eligible, value, targets)
        if len(chosen) == 0:
            attempts[targets] = MAX_ATTEMPTS
            continue
        work[chosen] = True
    return SecondaryResult(work & ~hidden, np.sort(determined), rounds)
