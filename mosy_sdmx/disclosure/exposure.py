"""Which suppressed cells the published values still determine (linear algebra).

"Every group has 0 or ≥ 2 suppressed members" is necessary but not enough once
a cell sits in several groups (SEX × AGE × EXPLOIT …): suppressed cells can
still be pinned down by combining equations. The exact test: write every
group equation over the suppressed cells only (published values are known
constants); a suppressed cell is determined iff every solution of the
homogeneous system leaves it unchanged, i.e. iff its coordinate vanishes on
the null space. The system splits into connected components of suppressed
cells linked by shared groups; each is small and gets one Gauss-Jordan pass.

Not covered: bounds from non-negativity (e.g. two hidden cells summing to 0)
and from rounded neighbours, which are treated as exact here (conservative).
"""

from __future__ import annotations

import numpy as np

from mosy_sdmx.disclosure.groups import Membership

_TOL = 1e-9


def _components(rows: np.ndarray, gids: np.ndarray) -> np.ndarray:
    """Connected-component label per entry of the bipartite row–group graph."""
    row_ids, row_idx = np.unique(rows, return_inverse=True)
    gid_ids, gid_idx = np.unique(gids, return_inverse=True)
    label_row = np.arange(len(row_ids))
    while True:
        label_gid = np.full(len(gid_ids), len(row_ids), dtype=np.int64)
        np.minimum.at(label_gid, gid_idx, label_row[row_idx])
        new = label_row.copy()
        np.minimum.at(new, row_idx, label_gid[gid_idx])
        if np.array_equal(new, label_row):
            return label_row[row_idx]
        label_row = new


def _determined_columns(matrix: np.ndarray) -> np.ndarray:
    """Columns j with e_j in the row space of ``matrix`` (reduced row echelon form).

    In the RREF, e_j lies in the row space iff column j is a pivot whose row
    has no other non-zero entry. Gauss-Jordan with partial pivoting is done
    with element-wise numpy operations: LAPACK's threaded routines are far
    slower on these many small matrices when the machine is busy.
    """
    a = matrix.astype(float, copy=True)
    m, k = a.shape
    row = 0
    pivot_rows, pivot_cols = [], []
    for col in range(k):
        if row >= m:
            break
        p = row + int(np.argmax(np.abs(a[row:, col])))
        if abs(a[p, col]) < _TOL:
            continue
        if p != row:
            a[[row, p]] = a[[p, row]]
        a[row, col:] /= a[row, col]
        factors = a[:, col].copy()
        factors[row] = 0.0
        hit = np.flatnonzero(np.abs(factors) > _TOL)
        if len(hit):
            a[hit, col:] -= np.multiply.outer(factors[hit], a[row, col:])
        pivot_rows.append(row)
        pivot_cols.append(col)
        row += 1
    determined = np.zeros(k, dtype=bool)
    if pivot_rows:
        alone = (np.abs(a[pivot_rows]) > 1e-7).sum(axis=1) == 1
        determined[np.asarray(pivot_cols)[alone]] = True
    return determined


def determined_cells(membership: Membership, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Suppressed cells the published values determine exactly.

    Returns their row positions and, per row, a label of the connected
    component of hidden cells it belongs to (cells fixed together).
    """
    none = np.zeros(0, dtype=np.int64)
    if membership.n_groups == 0:
        return none, none
    sel = hidden[membership.row]
    rows, gids = membership.row[sel], membership.gid[sel]
    if len(rows) == 0:
        return none, none
    coef = membership.coefficient[sel]
    label = _components(rows, gids)
    order = np.argsort(label, kind="stable")
    rows, gids, coef, label = rows[order], gids[order], coef[order], label[order]
    bounds = np.flatnonzero(np.diff(label)) + 1
    cache: dict[tuple[tuple[int, int], bytes], np.ndarray] = {}
    found: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for number, (r, g, c) in enumerate(
        zip(np.split(rows, bounds), np.split(gids, bounds), np.split(coef, bounds), strict=True)
    ):
        cols, col_idx = np.unique(r, return_inverse=True)
        _, eq_idx = np.unique(g, return_inverse=True)
        matrix = np.zeros((int(eq_idx.max()) + 1, len(cols)))
        matrix[eq_idx, col_idx] = c
        key = (matrix.shape, matrix.tobytes())
        det = cache.get(key)
        if det is None:
            det = cache[key] = _determined_columns(matrix)
        if det.any():
            found.append(cols[det])
            labels.append(np.full(int(det.sum()), number, dtype=np.int64))
    if not found:
        return none, none
    return np.concatenate(found), np.concatenate(labels)
